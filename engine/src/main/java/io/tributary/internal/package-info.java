/**
 * The engine's implementation. Public only so that the engine's packages can share it: not API, may
 * change in any release. No other module references it: the build fails if one does (the enforcer execution
 * {@code no-internal-outside-engine} in the parent pom); what stores and other modules need is in
 * {@code io.tributary.spi} or the public API.
 */
package io.tributary.internal;
