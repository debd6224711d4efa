package io.tributary.examples.spring;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.stereotype.Service;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.tributary.EntityState;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The service's todos, kept by the engine as entities of type {@code todo}, each user's own: writes are stamped with
 * the user, reads see the user's entities only ({@link io.tributary.SyncEngine#forUser(String)}). Todos are typed
 * records; {@link #document(Todo)} and {@link #todo(EntityState)} map them to and from the engine's JSON documents.
 */
@Service
final class Todos {

	/** The entity type of todos. */
	static final String TYPE = "todo";

	private final Tributary tributary;
	private final ObjectMapper json;

	Todos(Tributary tributary) {
		this.tributary = tributary;
		this.json = new ObjectMapper();
	}

	/**
	 * Stores a user's todo; completes once the write is durable.
	 *
	 * @return the todo as stored
	 */
	Mono<Identified> put(String user, String id, Todo todo) {
		return tributary.engine().forUser(user).put(TYPE, id, document(todo)).map(event -> new Identified(id, todo));
	}

	/** A user's live todos, sorted by id. */
	Flux<Identified> list(String user) {
		return tributary.engine().forUser(user).query(TYPE).map(state -> new Identified(state.entityId(), todo(state)));
	}

	/** JSON for the engine; where a typed write takes the record itself, this is that call's argument. */
	private String document(Todo todo) {
		try {
			return json.writeValueAsString(todo);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The record from the engine's document; where a typed read answers the record, this is that call. */
	private Todo todo(EntityState state) {
		try {
			return json.readValue(state.json(), Todo.class);
		}
		catch (IOException e) {
			throw new UncheckedIOException("todo " + state.entityId() + " does not fit " + Todo.class.getSimpleName()
					+ ": " + e.getMessage(), e);
		}
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
