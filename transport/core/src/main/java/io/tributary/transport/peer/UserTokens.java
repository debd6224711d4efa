package io.tributary.transport.peer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens that each authenticate one user, for a node that serves clients of several users: a session
 * opened with such a token may only push events owned by that user (row-level security, see
 * {@code docs/PROTOCOL.md}). Thread-safe and mutable: a token can be granted or revoked while the node
 * runs, and a revoked token ends the sessions that use it at their next EVENTS frame.
 * {@link #toString()} hides the tokens.
 */
public final class UserTokens {

	private final Map<String, String> userByToken = new ConcurrentHashMap<>();

	/**
	 * An empty set of tokens.
	 */
	public UserTokens() {
	}

	/**
	 * Tokens from a map.
	 *
	 * @param tokenToUser each token with its user
	 * @return the tokens
	 */
	public static UserTokens of(Map<String, String> tokenToUser) {
		UserTokens t = new UserTokens();
		tokenToUser.forEach(t::grant);
		return t;
	}

	/**
	 * Lets a token authenticate a user (replacing what it authenticated before).
	 *
	 * @param token the token, not empty
	 * @param user the user id, not empty
	 * @return this
	 */
	public UserTokens grant(String token, String user) {
		if (Objects.requireNonNull(token, "token").isEmpty() || Objects.requireNonNull(user, "user").isEmpty()) {
			throw new IllegalArgumentException("token and user must not be empty");
		}
		userByToken.put(token, user);
		return this;
	}

	/**
	 * Withdraws a token.
	 *
	 * @param token the token
	 * @return whether it was known
	 */
	public boolean revoke(String token) {
		return userByToken.remove(token) != null;
	}

	/**
	 * Whether no token is granted.
	 *
	 * @return true when empty
	 */
	public boolean isEmpty() {
		return userByToken.isEmpty();
	}

	/**
	 * The user a token authenticates. Every granted token is compared, each in constant time, so the
	 * time taken does not tell which one matched.
	 *
	 * @param offered the token a peer presented, may be {@code null}
	 * @return the user, or {@code null} when no granted token matches
	 */
	public String userOf(String offered) {
		String found = null;
		for (Map.Entry<String, String> e : userByToken.entrySet()) {
			if (matches(e.getKey(), offered) && offered != null) {
				found = e.getValue();
			}
		}
		return found;
	}

	/**
	 * Whether an offered token is the expected one, compared in constant time in the content: the time taken
	 * does not tell how much of a guess was right. The one comparison of tokens for peers and the HTTP API.
	 *
	 * @param expected the configured token
	 * @param offered what was presented, may be {@code null} (never matches a non-empty token)
	 * @return true when they are equal
	 */
	public static boolean matches(String expected, String offered) {
		byte[] actual = offered == null ? new byte[0] : offered.getBytes(StandardCharsets.UTF_8);
		return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), actual);
	}

	@Override
	public String toString() {
		return "UserTokens[" + userByToken.size() + " tokens]";
	}
}
