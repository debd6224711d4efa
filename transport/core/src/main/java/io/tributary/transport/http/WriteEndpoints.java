package io.tributary.transport.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.Event;
import io.tributary.Limits;
import io.tributary.SyncEngine;
import io.tributary.ValidationException;
import io.tributary.WriteRequest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The handler of {@code POST /api/changes}, with the reading and checking of changes that a dead letter's
 * corrected replay shares ({@link AuditEndpoints}): every change is checked before any is written, the writes keep
 * their order, and the answer tells exactly which were stored. An {@code Idempotency-Key} makes a retry get the
 * first answer again ({@link IdempotencyKeys}). The route table and its documentation are in {@link Endpoints}.
 */
final class WriteEndpoints {

	private static final Logger log = LoggerFactory.getLogger(WriteEndpoints.class);

	/** Writes of one POST in flight at once: they share group commits and keep their order. */
	private static final int WRITE_CONCURRENCY = 256;

	private final SyncEngine engine;
	private final ApiJson json;
	private final int maxBodyBytes;
	private final IdempotencyKeys idempotencyKeys;

	WriteEndpoints(SyncEngine engine, ApiJson json, int maxBodyBytes, IdempotencyKeys idempotencyKeys) {
		this.engine = engine;
		this.json = json;
		this.maxBodyBytes = maxBodyBytes;
		this.idempotencyKeys = idempotencyKeys;
	}

	/** {@code POST /api/changes}: 201 {@code {changes, count}}, or the first failure and what was stored before it. */
	Mono<Void> postChanges(Exchange x) {
		x.requireJsonBody();
		String key = x.request().requestHeaders().get(IdempotencyKeys.HEADER);
		if (key != null) {
			IdempotencyKeys.requireKey(key);
		}
		String scope = IdempotencyKeys.scope(x.user());
		return BodyReader.read(x.request(), maxBodyBytes)
				.flatMap(body -> {
					if (key == null) {
						return writeChanges(x, body, null);
					}
					byte[] hash = IdempotencyKeys.digest(body);
					return idempotencyKeys.answer(scope, key, hash,
							() -> writeChanges(x, body, (i, r) -> r.withId(IdempotencyKeys.changeId(scope, key, hash, i))));
				})
				.flatMap(answer -> {
					answer.headers().forEach(x.response()::header);
					return x.send(answer.status(), answer.body());
				});
	}

	/**
	 * Parses, checks and writes the changes of a body; with {@code withId} (a keyed request), the changes without
	 * an id of their own get one from it, given their index.
	 */
	private Mono<IdempotencyKeys.Answer> writeChanges(Exchange x, byte[] body,
			BiFunction<Integer, WriteRequest, WriteRequest> withId) {
		return Mono.fromCallable(() -> changes(body, readJson(body)))
				.map(requests -> withId == null ? requests : withDerivedIds(requests, withId))
				// every change is validated before any is written: an invalid one fails the whole request
				.flatMap(this::validate)
				.flatMap(requests -> Flux.fromIterable(requests)
						// subscribed in order, so the engine stamps them in order; errors are kept per write to
						// tell the client exactly which changes were stored
						.flatMapSequential(r -> (x.user() == null ? engine.write(r) : engine.forUser(x.user()).write(r))
								.map(Outcome::stored)
								.onErrorResume(error -> Mono.just(Outcome.failed(error))), WRITE_CONCURRENCY)
						.collectList())
				.map(this::answerWrites);
	}

	private static List<WriteRequest> withDerivedIds(List<WriteRequest> requests,
			BiFunction<Integer, WriteRequest, WriteRequest> withId) {
		List<WriteRequest> out = new ArrayList<>(requests.size());
		for (int i = 0; i < requests.size(); i++) {
			WriteRequest r = requests.get(i);
			out.add(r.id() != null ? r : withId.apply(i, r));
		}
		return out;
	}

	/**
	 * Checks every change against {@link Limits} as the engine will, so a batch is refused whole rather than
	 * cut partway; the engine checks again and stays the authority.
	 */
	Mono<List<WriteRequest>> validate(List<WriteRequest> requests) {
		return Mono.fromCallable(() -> {
			List<WriteRequest> serialized = new ArrayList<>(requests.size());
			for (int i = 0; i < requests.size(); i++) {
				WriteRequest r = requests.get(i);
				String where = requests.size() > 1 ? "changes[" + i + "] " : "";
				try {
					// names were checked against the same limits where the change was read (ChangeRequests)
					if (r.payload() instanceof byte[]) {
						// the data's bytes as the client sent them (ApiJson.dataSlices): the engine stores them as they are
						byte[] bytes = (byte[]) r.payload();
						if (bytes.length > engine.maxPayloadBytes()) {
							throw new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
									where + "data is " + bytes.length + " bytes, over the limit of "
											+ engine.maxPayloadBytes() + " bytes; nothing was stored");
						}
						Limits.checkPayload(bytes);
					}
				}
				catch (ValidationException e) {
					throw ApiException.badRequest("invalid_change", where + e.getMessage() + "; nothing was stored");
				}
				serialized.add(r);
			}
			return serialized;
		});
	}

	/**
	 * The write requests of a body that {@link #readJson} read: each change's data is stored byte for byte as
	 * sent, as a peer stores a payload, so no number or escape is rewritten on the way in.
	 */
	List<WriteRequest> changes(byte[] body, JsonNode tree) {
		List<WriteRequest> requests = ChangeRequests.parse(tree);
		List<byte[]> data;
		try {
			data = json.dataSlices(body);
		}
		catch (IOException e) {
			throw ApiException.badRequest("malformed_json", "the body could not be read as JSON: " + e.getMessage());
		}
		List<WriteRequest> out = new ArrayList<>(requests.size());
		for (int i = 0; i < requests.size(); i++) {
			WriteRequest r = requests.get(i);
			out.add(r.payload() == null ? r
					: new WriteRequest(r.type(), r.entityId(), r.op(), data.get(i), r.base(), r.userId(), r.schemaVersion(),
							r.id()));
		}
		return out;
	}

	/** A request body as JSON; 400 {@code malformed_json} when it is not. */
	JsonNode readJson(byte[] body) {
		try {
			return json.read(body);
		}
		catch (JsonProcessingException e) {
			throw ApiException.badRequest("malformed_json", "the body is not valid JSON: " + e.getOriginalMessage());
		}
		catch (IOException e) {
			throw ApiException.badRequest("malformed_json", "the body could not be read as JSON: " + e.getMessage());
		}
	}

	private IdempotencyKeys.Answer answerWrites(List<Outcome> outcomes) {
		List<Event> stored = new ArrayList<>(outcomes.size());
		Throwable firstError = null;
		int firstFailed = -1;
		for (int i = 0; i < outcomes.size(); i++) {
			Outcome o = outcomes.get(i);
			if (o.event() != null) {
				stored.add(o.event());
			}
			else if (firstError == null) {
				firstError = o.error();
				firstFailed = i;
			}
		}
		if (firstError == null) {
			Map<String, String> headers = stored.size() != 1 ? Map.of()
					: Map.of(HttpHeaderNames.LOCATION.toString(), "/api/changes/" + Paths.encode(ApiJson.cid(stored.get(0))));
			return new IdempotencyKeys.Answer(HttpResponseStatus.CREATED, json.write(ApiAnswers.written(stored)), headers);
		}
		ApiException mapped = ApiException.of(firstError);
		if (mapped == null) {
			log.error("POST /api/changes: write {} of {} failed; {} stored", firstFailed + 1, outcomes.size(),
					stored.size(), firstError);
			mapped = ApiException.internal();
		}
		String where = outcomes.size() == 1 ? "" : "changes[" + firstFailed + "]: ";
		String message = where + mapped.getMessage() + (stored.isEmpty() ? "; nothing was stored"
				: "; " + stored.size() + " of " + outcomes.size() + " changes were stored (listed in changes)");
		return new IdempotencyKeys.Answer(mapped.status(), json.write(ApiAnswers.partlyWritten(mapped.code(), message,
				stored)), mapped.headers());
	}

	/** The result of one write of a POST. */
	private record Outcome(Event event, Throwable error) {
		static Outcome stored(Event e) {
			return new Outcome(e, null);
		}

		static Outcome failed(Throwable e) {
			return new Outcome(null, e);
		}
	}
}
