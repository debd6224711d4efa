package io.tributary.internal;

import java.util.ArrayList;
import java.util.List;

import io.tributary.Conflict;
import io.tributary.EntityChange;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.UserView;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import io.tributary.spi.Erasure;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@link UserView} of a {@link DefaultSyncEngine}: the engine's calls, with the user's row-level security
 * applied on the way in and out. Internal: not part of the API.
 */
final class UserScopedView implements UserView {

	/** Conflicts read from the store at once while looking for the user's. */
	private static final int CONFLICT_BATCH = 256;

	private final DefaultSyncEngine engine;
	private final String user;

	UserScopedView(DefaultSyncEngine engine, String user) {
		this.engine = engine;
		this.user = user;
	}

	@Override
	public String userId() {
		return user;
	}

	@Override
	public com.fasterxml.jackson.databind.ObjectMapper objectMapper() {
		return engine.objectMapper();
	}

	@Override
	public Mono<Event> write(WriteRequest request) {
		return engine.write(request, user);
	}

	@Override
	public Flux<Event> writeAll(List<WriteRequest> requests) {
		return engine.writeAll(requests, user);
	}

	@Override
	public Mono<SyncEngine.ApplyResult> apply(List<Event> events) {
		return engine.apply(events, user, false);
	}

	@Override
	public Mono<EntityState> get(String type, String entityId) {
		return engine.get(type, entityId).filter(this::owned);
	}

	@Override
	public Flux<EntityState> query(String type) {
		return engine.query(type).filter(this::owned);
	}

	@Override
	public Flux<EntityChange> changes(String type) {
		return engine.changes(type).filter(c -> owned(c.state()));
	}

	@Override
	public Flux<Event> events(long afterPosition) {
		return engine.events(afterPosition).map(this::visible);
	}

	@Override
	public Flux<List<Event>> eventBatches(long afterPosition) {
		return engine.eventBatches(afterPosition).map(batch -> {
			List<Event> out = new ArrayList<>(batch.size());
			for (Event e : batch) {
				out.add(visible(e));
			}
			return out;
		});
	}

	@Override
	public Flux<Event> read(long afterPosition, int limit) {
		return engine.read(afterPosition, limit).map(this::visible);
	}

	@Override
	public Flux<Event> lacking(VersionVector have, int limit) {
		return engine.lacking(have, limit).map(this::visible);
	}

	@Override
	public Flux<Event> lacking(VersionVector have, long afterPosition, int limit) {
		return engine.lacking(have, afterPosition, limit).map(this::visible);
	}

	@Override
	public Mono<Event> event(String origin, long originSeq) {
		return engine.event(origin, originSeq).map(this::visible);
	}

	@Override
	public Flux<Conflict> conflicts(String type, long afterPosition, int limit) {
		if (limit < 1) {
			return Flux.error(new IllegalArgumentException("limit must be at least 1: " + limit));
		}
		// the store cannot filter by user (a conflict's owners are inside its body): read it a page at a time
		// until enough of the user's are found; a short page is the store's end
		int batch = Math.max(limit, CONFLICT_BATCH);
		return engine.conflicts(type, afterPosition, batch).collectList()
				.expand(page -> page.size() < batch ? Mono.empty()
						: engine.conflicts(type, page.get(page.size() - 1).incoming().position(), batch).collectList())
				.concatMapIterable(page -> page, 1)
				.filter(c -> Erasure.involves(user, c))
				.map(c -> new Conflict(c.type(), c.entityId(), visible(c.incoming()), visible(c.head()), c.winner(),
						c.strategy()))
				.take(limit, true);
	}

	private boolean owned(EntityState s) {
		return user.equals(s.userId());
	}

	private Event visible(Event e) {
		return Rls.visible(user, e);
	}

	@Override
	public String toString() {
		return "UserView{" + user + "}";
	}
}
