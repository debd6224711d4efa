package io.tributary.transport.peer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.tributary.Limits;

/**
 * Tokens that each authenticate one user, for a node that serves clients of several users: a session
 * opened with such a token may only push events owned by that user (row-level security, see
 * {@code docs/PROTOCOL.md}). Thread-safe and mutable: a token can be granted or revoked while the node
 * runs, and a revoked token ends the sessions that use it at their next EVENTS frame.
 * A token may be limited to projects (membership, see {@code docs/PROJECTS.md}): events of other projects are then
 * refused on write and invisible on read. {@link #toString()} hides the tokens.
 */
public final class UserTokens {

	private final Map<String, String> userByToken = new ConcurrentHashMap<>();

	private final Map<String, Set<String>> projectsByToken = new ConcurrentHashMap<>();

	/**
	 * What a token grants: a user, and the projects it may see, {@code null} for all.
	 *
	 * @param user the user id
	 * @param projects the projects the token is limited to, {@code null} when it is not limited
	 */
	public record Grant(String user, Set<String> projects) {

		/**
		 * Checks and copies.
		 */
		public Grant {
			Objects.requireNonNull(user, "user");
			projects = projects == null ? null : Set.copyOf(projects);
		}

		/**
		 * Whether the grant lets its holder see and write a project.
		 *
		 * @param project the project id
		 * @return true when the grant is not limited or names the project
		 */
		public boolean allows(String project) {
			return projects == null || projects.contains(project);
		}
	}

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
		projectsByToken.remove(token);
		return this;
	}

	/**
	 * Lets a token authenticate a user for some projects only (replacing what it granted before).
	 *
	 * @param token the token, not empty
	 * @param user the user id, not empty
	 * @param projects the projects the token may see and write, not empty; each a valid project id
	 * @return this
	 * @throws IllegalArgumentException when a project id is not valid or none is given
	 */
	public UserTokens grant(String token, String user, Set<String> projects) {
		if (Objects.requireNonNull(projects, "projects").isEmpty()) {
			throw new IllegalArgumentException("a token limited to projects names at least one");
		}
		for (String p : projects) {
			try {
				Limits.checkProject(p);
			}
			catch (io.tributary.ValidationException e) {
				throw new IllegalArgumentException(e.getMessage(), e);
			}
		}
		grant(token, user);
		projectsByToken.put(token, Set.copyOf(projects));
		return this;
	}

	/**
	 * Withdraws a token.
	 *
	 * @param token the token
	 * @return whether it was known
	 */
	public boolean revoke(String token) {
		projectsByToken.remove(token);
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
		Grant g = grantOf(offered);
		return g == null ? null : g.user();
	}

	/**
	 * What a token grants, compared as {@link #userOf(String)} does.
	 *
	 * @param offered the token a peer or client presented, may be {@code null}
	 * @return the grant, or {@code null} when no granted token matches
	 */
	public Grant grantOf(String offered) {
		String found = null;
		for (Map.Entry<String, String> e : userByToken.entrySet()) {
			if (matches(e.getKey(), offered) && offered != null) {
				found = e.getKey();
			}
		}
		if (found == null) {
			return null;
		}
		String user = userByToken.get(found);
		return user == null ? null : new Grant(user, projectsByToken.get(found));
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
