package io.tributary.examples.spring;

import org.springframework.stereotype.Service;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The service's todos, kept by the engine as entities of type {@code todo}, each user's own: writes are stamped with
 * the user, reads see the user's entities only ({@link io.tributary.SyncEngine#forUser(String)}). Todos are typed
 * records, written and read through the engine's typed API.
 */
@Service
final class Todos {

	/** The entity type of todos. */
	static final String TYPE = "todo";

	private final Tributary tributary;

	Todos(Tributary tributary) {
		this.tributary = tributary;
	}

	/**
	 * Stores a user's todo (the record itself: the engine serializes it with its ObjectMapper); completes once the
	 * write is durable.
	 *
	 * @return the todo as stored
	 */
	Mono<Identified> put(String user, String id, Todo todo) {
		return tributary.engine().forUser(user).put(TYPE, id, todo).map(event -> new Identified(id, todo));
	}

	/**
	 * A user's live todos, sorted by id, read back as records; a stored document that does not fit {@link Todo}
	 * fails the stream with a {@link io.tributary.DocumentMismatchException} naming the todo and the field.
	 */
	Flux<Identified> list(String user) {
		return tributary.engine().forUser(user).query(TYPE, Todo.class)
				.map(entity -> new Identified(entity.entityId(), entity.value()));
	}

	/**
	 * A todo with its id, as the endpoint answers it.
	 *
	 * @param id the todo's id
	 * @param todo the todo
	 */
	record Identified(String id, Todo todo) {
	}
}
