package io.tributary.spi;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * The answer kept for an idempotency key: a request sent again with the same key (by the same principal) gets
 * it back instead of running again. Immutable; the arrays are not copied, callers must not change them.
 *
 * @param scope who sent the key (keys of different principals never meet); at most
 *        {@link #MAX_SCOPE_LENGTH} characters
 * @param key the key as the client sent it; 1 to {@link #MAX_KEY_LENGTH} characters
 * @param requestHash a digest of the request the answer is for, to tell a retry from another request
 * @param status the answer's status code
 * @param response the answer's body
 * @param createdAt when the answer was kept; the key expires a retention time after it
 */
public record IdempotencyRecord(String scope, String key, byte[] requestHash, int status, byte[] response,
		Instant createdAt) {

	/** Longest key accepted, in characters. */
	public static final int MAX_KEY_LENGTH = 255;

	/** Longest scope accepted, in characters. */
	public static final int MAX_SCOPE_LENGTH = 512;

	/**
	 * Checks every field is present and within its limits.
	 */
	public IdempotencyRecord {
		Objects.requireNonNull(scope, "scope");
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(requestHash, "requestHash");
		Objects.requireNonNull(response, "response");
		Objects.requireNonNull(createdAt, "createdAt");
		if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
			throw new IllegalArgumentException("key must be 1 to " + MAX_KEY_LENGTH + " characters");
		}
		if (scope.length() > MAX_SCOPE_LENGTH) {
			throw new IllegalArgumentException("scope must be at most " + MAX_SCOPE_LENGTH + " characters");
		}
	}

	/**
	 * Whether the record is for the same request: the same digest.
	 *
	 * @param hash a request's digest
	 * @return true when equal
	 */
	public boolean sameRequest(byte[] hash) {
		return java.security.MessageDigest.isEqual(requestHash, hash);
	}

	/**
	 * Compares every field, the arrays by content.
	 *
	 * @param o another object
	 * @return true when equal
	 */
	@Override
	public boolean equals(Object o) {
		return o instanceof IdempotencyRecord r && scope.equals(r.scope) && key.equals(r.key)
				&& Arrays.equals(requestHash, r.requestHash) && status == r.status && Arrays.equals(response, r.response)
				&& createdAt.equals(r.createdAt);
	}

	/**
	 * A hash of every field, the arrays by content.
	 *
	 * @return the hash
	 */
	@Override
	public int hashCode() {
		return Objects.hash(scope, key, Arrays.hashCode(requestHash), status, Arrays.hashCode(response), createdAt);
	}

	/**
	 * The record without the body, which may hold users' data.
	 *
	 * @return text for logs
	 */
	@Override
	public String toString() {
		return "IdempotencyRecord{scope=" + scope + ", key=" + key + ", status=" + status + ", response="
				+ response.length + " bytes, createdAt=" + createdAt + "}";
	}
}
