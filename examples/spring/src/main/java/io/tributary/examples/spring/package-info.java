/**
 * A Spring Boot WebFlux service with Tributary embedded: todos kept by the engine on H2 files, Tributary's HTTP API
 * and the service's own endpoint on the service's port behind the service's own security, and a peer link to a node.
 * Start with {@link io.tributary.examples.spring.TodoApplication}.
 */
package io.tributary.examples.spring;
