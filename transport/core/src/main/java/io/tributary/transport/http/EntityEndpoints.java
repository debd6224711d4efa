package io.tributary.transport.http;

import java.util.List;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.EntityState;
import io.tributary.SyncEngine;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The handlers of the projected state: one entity, and a type's live entities by id. A user's token sees the
 * user's own. The route table and its documentation are in {@link Endpoints}.
 */
final class EntityEndpoints {

	private final SyncEngine engine;

	EntityEndpoints(SyncEngine engine) {
		this.engine = engine;
	}

	/** {@code GET /api/entities/{type}/{id}}: the entity, a tombstone when deleted; 404 when unknown. */
	Mono<Void> entity(Exchange x) {
		String type = x.var("type");
		String id = x.var("id");
		return (x.user() == null ? engine.get(type, id) : engine.forUser(x.user()).get(type, id))
				.switchIfEmpty(Mono.error(() -> ApiException.notFound("no entity " + Exchange.abbreviate(type) + "/"
						+ Exchange.abbreviate(id))))
				.flatMap(state -> x.send(HttpResponseStatus.OK, ApiAnswers.entity(state)));
	}

	/** {@code GET /api/entities/{type}}: a page of live entities after an id, {@code {entities, next?}}. */
	Mono<Void> entities(Exchange x) {
		String type = x.var("type");
		String after = x.query("after");
		int limit = (int) x.longQuery("limit", Endpoints.DEFAULT_LIMIT, 1, Endpoints.MAX_LIMIT);
		// query() copies a sorted snapshot of the type's entities, and skipping to `after` walks it: work
		// proportional to the type's size, done off the event loop
		return (x.user() == null ? engine.query(type) : engine.forUser(x.user()).query(type))
				.subscribeOn(Schedulers.parallel())
				.skipWhile(s -> after != null && s.entityId().compareTo(after) <= 0)
				.take(limit + 1L)
				.collectList()
				.flatMap(list -> {
					boolean more = list.size() > limit;
					List<EntityState> page = more ? list.subList(0, limit) : list;
					return x.send(HttpResponseStatus.OK, ApiAnswers.entities(page, more));
				});
	}
}
