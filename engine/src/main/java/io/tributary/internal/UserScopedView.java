package io.tributary.internal;

import java.util.ArrayList;
import java.util.List;

import io.tributary.EntityChange;
import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.UserView;
import io.tributary.VersionVector;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@link UserView} of a {@link DefaultSyncEngine}: the engine's calls, with the user's row-level security
 * applied on the way in and out. Internal: not part of the API.
 */
final class UserScopedView implements UserView {

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
