package io.tributary.transport.http;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.Event;
import io.tributary.PayloadTooLargeException;
import io.tributary.RowLevelSecurityException;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.WriteRequest;
import io.tributary.spi.DeadLetter;
import io.tributary.spi.EngineAdmin;
import io.tributary.spi.Erasure;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The handlers of what sync set aside for a person to look at: the stored conflicts, and the dead letters (this
 * node's events an upstream refused) with their replay and delete. A user's token sees and acts on the user's
 * own only. The route table and its documentation are in {@link Endpoints}.
 */
final class AuditEndpoints {

	private final SyncEngine engine;
	private final EngineAdmin admin;
	private final WriteEndpoints writes;
	private final int maxBodyBytes;

	AuditEndpoints(SyncEngine engine, WriteEndpoints writes, int maxBodyBytes) {
		this.engine = engine;
		this.admin = EngineAdmin.of(engine);
		this.writes = writes;
		this.maxBodyBytes = maxBodyBytes;
	}

	// --- conflicts

	/** {@code GET /api/conflicts}: a page after a cursor, as {@code GET /api/changes} pages the log. */
	Mono<Void> conflicts(Exchange x) {
		String type = x.query("type");
		if (type != null && type.isEmpty()) {
			throw ApiException.badRequest("invalid_parameter", "query parameter 'type' is empty; leave it out for "
					+ "every type");
		}
		long cursor = x.longQuery("cursor", 0, 0, Long.MAX_VALUE);
		int limit = (int) x.longQuery("limit", Endpoints.DEFAULT_LIMIT, 1, Endpoints.MAX_LIMIT);
		// one more than the page, to learn whether more follow
		return page(x, x.user() == null ? engine.conflicts(type, cursor, limit + 1)
				: engine.forUser(x.user()).conflicts(type, cursor, limit + 1), limit, "conflicts",
				ApiJson::writeConflict,
				ApiAnswers.TIMESTAMP, last -> ApiAnswers.cursor(last.incoming().position()));
	}

	// --- dead letters

	/** {@code GET /api/dead-letters}: a page by address after a cursor (the last letter's id). */
	Mono<Void> deadLetters(Exchange x) {
		String given = x.query("cursor");
		ApiJson.Cid cursor = given == null ? null : ApiJson.Cid.parse(given);
		if (given != null && cursor == null) {
			throw ApiException.badRequest("invalid_parameter", "query parameter 'cursor' must be a dead letter's id "
					+ "(origin:originSeq), was '" + Exchange.abbreviate(given) + "'");
		}
		int limit = (int) x.longQuery("limit", Endpoints.DEFAULT_LIMIT, 1, Endpoints.MAX_LIMIT);
		return page(x, admin.deadLetters()
				.list(x.user(), cursor == null ? null : cursor.origin(), cursor == null ? 0 : cursor.seq(), limit + 1),
				limit, "deadLetters", ApiJson::writeDeadLetter, ApiAnswers.NOTHING,
				last -> ApiAnswers.cursor(ApiJson.cid(last.event())));
	}

	/**
	 * Sends a page of a listing read one item longer than {@code limit}, to learn whether more follow:
	 * {@code {<field>: [...], count, <after count>, cursor}}, the cursor (the last item's) only when more follow.
	 */
	private static <T> Mono<Void> page(Exchange x, Flux<T> read, int limit, String field, ApiAnswers.Item<T> item,
			ApiJson.Body afterCount, Function<T, ApiJson.Body> cursor) {
		return read.collectList()
				.flatMap(items -> {
					boolean more = items.size() > limit;
					List<T> page = more ? items.subList(0, limit) : items;
					return x.send(HttpResponseStatus.OK, ApiAnswers.page(field, page, item, afterCount,
							more ? cursor.apply(page.get(page.size() - 1)) : null));
				});
	}

	/**
	 * {@code POST /api/dead-letters/{id}/replay}: writes the corrected change of the body, or without a body the
	 * refused event's own content, as a new local event, then deletes the dead letter. A write that fails keeps
	 * the dead letter.
	 */
	Mono<Void> replay(Exchange x) {
		ApiJson.Cid id = address(x);
		return BodyReader.read(x.request(), maxBodyBytes)
				// the body is checked first: a malformed one is refused whether or not the letter exists
				.flatMap(body -> isBlank(body) ? Mono.just(Optional.<WriteRequest>empty())
						: corrected(x, body).map(Optional::of))
				.flatMap(corrected -> letter(x, id)
						.map(letter -> corrected.orElseGet(() -> rewrite(letter.event())))
						.flatMap(r -> x.user() == null ? engine.write(r) : engine.forUser(x.user()).write(r))
						.onErrorMap(e -> refused(e, corrected.isPresent()))
						.flatMap(written -> admin.deadLetters().delete(id.origin(), id.seq()).thenReturn(written)))
				.flatMap(written -> {
					x.response().header(HttpHeaderNames.LOCATION, "/api/changes/" + Paths.encode(ApiJson.cid(written)));
					return x.send(HttpResponseStatus.CREATED, ApiAnswers.replayed(id.toString(), written));
				});
	}

	/** The corrected change of a replay's body: one change object, checked as POST /api/changes checks it. */
	private Mono<WriteRequest> corrected(Exchange x, byte[] body) {
		return Mono.fromCallable(() -> {
			x.requireJsonBody();
			JsonNode tree = writes.readJson(body);
			if (!tree.isObject()) {
				throw ApiException.badRequest("invalid_change", "a replay takes one change object; the dead letter "
						+ "is kept");
			}
			return writes.changes(body, tree);
		}).flatMap(writes::validate).map(list -> list.get(0));
	}

	/** {@code DELETE /api/dead-letters/{id}}: gives up on a dead letter. */
	Mono<Void> delete(Exchange x) {
		ApiJson.Cid id = address(x);
		return letter(x, id)
				.flatMap(letter -> admin.deadLetters().delete(id.origin(), id.seq()))
				// deleted meanwhile by another request: gone all the same, as the client asked
				.flatMap(deleted -> x.send(HttpResponseStatus.OK, ApiAnswers.deleted(id.toString())));
	}

	/** The path's dead-letter id; a malformed one is as unknown as a well-formed one without a letter. */
	private static ApiJson.Cid address(Exchange x) {
		ApiJson.Cid id = ApiJson.Cid.parse(x.var("id"));
		if (id == null) {
			throw unknown(x.var("id"));
		}
		return id;
	}

	/** The dead letter, if the caller may see it: another user's is as unknown as a missing one. */
	private Mono<DeadLetter> letter(Exchange x, ApiJson.Cid id) {
		return admin.deadLetters().get(id.origin(), id.seq())
				.filter(d -> x.user() == null || Erasure.owns(x.user(), d.event()))
				.switchIfEmpty(Mono.error(() -> unknown(id.toString())));
	}

	private static ApiException unknown(String id) {
		return ApiException.notFound("no dead letter " + Exchange.abbreviate(id) + " here; a dead letter's id is "
				+ "the refused event's origin:originSeq, as GET /api/dead-letters lists them");
	}

	/** The refused event's content as a new write: same entity, operation, document, owner and schema. */
	private static WriteRequest rewrite(Event e) {
		// no base: the new event follows whatever the entity's head is now
		return new WriteRequest(e.type(), e.entityId(), e.op(), e.payload(), null, e.userId(), e.schemaVersion());
	}

	/**
	 * A write the engine refused. The refused event's own content that is still invalid is a 422: the request
	 * was right, what it names cannot be written; a corrected change that is invalid is the client's mistake
	 * (400, as {@code POST /api/changes} answers).
	 */
	private static Throwable refused(Throwable e, boolean corrected) {
		ApiException mapped = ApiException.of(e);
		if (mapped == null) {
			return e;
		}
		// row-level security refuses as for any write (403): the content is not invalid, the caller may not write it
		if (!corrected && !(e instanceof RowLevelSecurityException)
				&& (e instanceof ValidationException || e instanceof PayloadTooLargeException)) {
			return new ApiException(HttpResponseStatus.UNPROCESSABLE_ENTITY, "invalid_change",
					"the refused event is still invalid: " + e.getMessage() + "; the dead letter is kept (replay it "
							+ "with a corrected change, or delete it)");
		}
		return new ApiException(mapped.status(), mapped.code(), mapped.getMessage() + "; the dead letter is kept",
				mapped.headers());
	}

	private static boolean isBlank(byte[] body) {
		for (byte b : body) {
			if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
				return false;
			}
		}
		return true;
	}
}
