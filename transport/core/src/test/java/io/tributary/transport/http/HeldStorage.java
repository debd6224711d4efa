package io.tributary.transport.http;

import java.util.List;

import io.tributary.Event;
import io.tributary.VersionVector;
import io.tributary.memory.InMemoryStorage;
import io.tributary.spi.EventStore;
import io.tributary.spi.ProjectionStore;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** An in-memory storage whose appends wait until {@link #release()}: commits stall, ingress fills. */
final class HeldStorage implements Storage {

	private final InMemoryStorage delegate = new InMemoryStorage();
	private final Sinks.Empty<Void> gate = Sinks.empty();

	void release() {
		gate.tryEmitEmpty();
	}

	@Override
	public EventStore events() {
		EventStore events = delegate.events();
		return new EventStore() {
			@Override
			public Mono<List<Event>> append(List<Event> batch) {
				return gate.asMono().then(events.append(batch));
			}

			@Override
			public Flux<Event> read(long afterPosition, int limit) {
				return events.read(afterPosition, limit);
			}

			@Override
			public Flux<Event> readLacking(VersionVector have, int limit) {
				return events.readLacking(have, limit);
			}

			@Override
			public Mono<VersionVector> vector() {
				return events.vector();
			}

			@Override
			public Mono<Long> lastPosition() {
				return events.lastPosition();
			}
		};
	}

	@Override
	public ProjectionStore projections() {
		return delegate.projections();
	}

	@Override
	public io.tributary.spi.DeadLetterStore deadLetters() {
		return delegate.deadLetters();
	}

	@Override
	public Mono<String> origin(String candidate) {
		return delegate.origin(candidate);
	}

	@Override
	public Mono<Void> close() {
		return delegate.close();
	}
}
