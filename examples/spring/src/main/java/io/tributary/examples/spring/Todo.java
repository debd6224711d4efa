package io.tributary.examples.spring;

/**
 * A todo, as the service's endpoint takes and answers it and as the engine keeps its document.
 *
 * @param title what to do
 * @param done whether it is done
 */
public record Todo(String title, boolean done) {
}
