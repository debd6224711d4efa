package io.tributary;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.tributary.spi.EntityRecord;
import io.tributary.spi.EventStore;
import io.tributary.spi.ProjectionStore;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A storage that forwards every call to another; tests override the calls they want to delay, count or
 * fail.
 */
public class ForwardingStorage implements Storage {

	/** The storage calls go to. */
	protected final Storage delegate;

	private final EventStore events = new EventStore() {
		@Override
		public Mono<List<Event>> append(List<Event> batch) {
			return ForwardingStorage.this.append(batch);
		}

		@Override
		public Mono<List<Event>> append(List<Event> batch, Set<UUID> keptIds) {
			return ForwardingStorage.this.append(batch, keptIds);
		}

		@Override
		public Mono<Event> eventById(UUID id) {
			return ForwardingStorage.this.eventById(id);
		}

		@Override
		public Flux<Event> read(long afterPosition, int limit) {
			return ForwardingStorage.this.read(afterPosition, limit);
		}

		@Override
		public Flux<Event> readLacking(VersionVector have, int limit) {
			return delegate.events().readLacking(have, limit);
		}

		@Override
		public Mono<VersionVector> vector() {
			return delegate.events().vector();
		}

		@Override
		public Mono<Long> lastPosition() {
			return delegate.events().lastPosition();
		}

		@Override
		public Flux<List<Event>> committedByOthers() {
			return ForwardingStorage.this.committedByOthers();
		}

		@Override
		public boolean shared() {
			return ForwardingStorage.this.shared();
		}
	};

	private final ProjectionStore projections = new ProjectionStore() {
		@Override
		public Mono<Long> checkpoint() {
			return delegate.projections().checkpoint();
		}

		@Override
		public Flux<EntityRecord> entities() {
			return delegate.projections().entities();
		}

		@Override
		public Flux<EntityRecord> entities(String type, java.util.Collection<String> entityIds) {
			return ForwardingStorage.this.entities(type, entityIds);
		}

		@Override
		public Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts,
				boolean replaceAll) {
			return ForwardingStorage.this.save(checkpoint, entities, conflicts, replaceAll);
		}

		@Override
		public Flux<Conflict> conflicts(String type, long afterPosition, int limit) {
			return delegate.projections().conflicts(type, afterPosition, limit);
		}
	};

	/**
	 * A storage forwarding to another.
	 *
	 * @param delegate the storage calls go to
	 */
	public ForwardingStorage(Storage delegate) {
		this.delegate = delegate;
	}

	/**
	 * Forwards {@link EventStore#append(List)}.
	 *
	 * @param batch the events
	 * @return the stored events
	 */
	protected Mono<List<Event>> append(List<Event> batch) {
		return delegate.events().append(batch);
	}

	/**
	 * Forwards {@link EventStore#append(List, Set)}; with no ids, goes through {@link #append(List)}.
	 *
	 * @param batch the events
	 * @param keptIds the ids to keep
	 * @return the stored events
	 */
	protected Mono<List<Event>> append(List<Event> batch, Set<UUID> keptIds) {
		return keptIds.isEmpty() ? append(batch) : delegate.events().append(batch, keptIds);
	}

	/**
	 * Forwards {@link EventStore#committedByOthers()}.
	 *
	 * @return the batches other processes committed
	 */
	protected Flux<List<Event>> committedByOthers() {
		return delegate.events().committedByOthers();
	}

	/**
	 * Forwards {@link EventStore#shared()}.
	 *
	 * @return whether several processes share the store
	 */
	protected boolean shared() {
		return delegate.events().shared();
	}

	/**
	 * Forwards {@link EventStore#eventById(UUID)}.
	 *
	 * @param id the id
	 * @return the event
	 */
	protected Mono<Event> eventById(UUID id) {
		return delegate.events().eventById(id);
	}

	/**
	 * Forwards {@link EventStore#read(long, int)}.
	 *
	 * @param afterPosition cursor
	 * @param limit most events
	 * @return the events
	 */
	protected Flux<Event> read(long afterPosition, int limit) {
		return delegate.events().read(afterPosition, limit);
	}

	/**
	 * Forwards {@link ProjectionStore#entities(String, java.util.Collection)}.
	 *
	 * @param type the entities' type
	 * @param entityIds their ids
	 * @return the saved folds of those the store holds
	 */
	protected Flux<EntityRecord> entities(String type, java.util.Collection<String> entityIds) {
		return delegate.projections().entities(type, entityIds);
	}

	/**
	 * Forwards {@link ProjectionStore#save(long, List, List, boolean)}.
	 *
	 * @param checkpoint position covered
	 * @param entities folds
	 * @param conflicts conflicts
	 * @param replaceAll whether the folds are the whole projection
	 * @return completes when saved
	 */
	protected Mono<Void> save(long checkpoint, List<EntityRecord> entities, List<Conflict> conflicts,
			boolean replaceAll) {
		return delegate.projections().save(checkpoint, entities, conflicts, replaceAll);
	}

	@Override
	public EventStore events() {
		return events;
	}

	@Override
	public ProjectionStore projections() {
		return projections;
	}

	@Override
	public io.tributary.spi.DeadLetterStore deadLetters() {
		return delegate.deadLetters();
	}

	@Override
	public io.tributary.spi.IdempotencyStore idempotencyKeys() {
		return delegate.idempotencyKeys();
	}

	@Override
	public Mono<String> origin(String candidate) {
		return delegate.origin(candidate);
	}

	@Override
	public Mono<Long> erase(String userId) {
		return delegate.erase(userId);
	}

	@Override
	public Mono<List<Event>> fill(List<Event> events) {
		return delegate.fill(events);
	}

	@Override
	public Mono<Void> close() {
		return delegate.close();
	}
}
