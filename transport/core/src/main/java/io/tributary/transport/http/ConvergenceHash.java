package io.tributary.transport.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.tributary.EntityState;
import io.tributary.SyncEngine;
import reactor.core.publisher.Mono;

/**
 * A SHA-256 digest of a replica's projected state, equal on replicas that hold the same events.
 * <p>
 * For every type of {@code engine.types()} (sorted) and every live entity of {@code engine.query(type)}
 * (sorted by id), the digest takes the type, the entity id, the version (the head event's UUID as text)
 * and the document bytes, each as a 4-byte big-endian length followed by the UTF-8 bytes. Tombstones
 * are left out. Nothing local to a replica (positions, timestamps of arrival) enters it.
 */
final class ConvergenceHash {

	private ConvergenceHash() {
	}

	/**
	 * The digest of the state at subscription (the engine's snapshots); it matches the vector only while
	 * no events arrive. Cold; runs on the subscribing thread.
	 */
	static Mono<Result> of(SyncEngine engine) {
		return Mono.defer(() -> {
			MessageDigest digest = sha256();
			long[] entities = { 0 };
			return engine.types()
					.concatMap(engine::query)
					.doOnNext(state -> {
						add(digest, state);
						entities[0]++;
					})
					.then(Mono.fromCallable(() -> new Result(HexFormat.of().formatHex(digest.digest()), entities[0])));
		});
	}

	private static void add(MessageDigest digest, EntityState state) {
		field(digest, state.type().getBytes(StandardCharsets.UTF_8));
		field(digest, state.entityId().getBytes(StandardCharsets.UTF_8));
		field(digest, state.version().toString().getBytes(StandardCharsets.UTF_8));
		field(digest, state.document());
	}

	private static void field(MessageDigest digest, byte[] bytes) {
		digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
		digest.update(bytes);
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java runtime has SHA-256", e);
		}
	}

	/**
	 * A digest.
	 *
	 * @param hash hex SHA-256
	 * @param entities live entities digested
	 */
	record Result(String hash, long entities) {
	}
}
