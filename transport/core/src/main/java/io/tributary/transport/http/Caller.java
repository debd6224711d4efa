package io.tributary.transport.http;

import java.util.Objects;
import java.util.Set;

/**
 * Who a request to the API acts for, as its authentication decided: the node itself (what the node's token
 * grants: every endpoint, every user's data) or one user (what a user's token grants: reads and writes through
 * {@link io.tributary.SyncEngine#forUser(String)}, the node's own endpoints refused with 403). A host that
 * authenticates requests itself answers one of these from its {@link HttpApi.Authenticator} or passes one to
 * {@link ApiRoutes#handle(reactor.netty.http.server.HttpServerRequest,
 * reactor.netty.http.server.HttpServerResponse, Caller)}.
 *
 * @param user the user, {@code null} for the node
 * @param projects the projects a user is limited to (membership), {@code null} for all
 */
public record Caller(String user, Set<String> projects) {

	private static final Caller NODE = new Caller(null, null);

	/**
	 * Copies the projects.
	 */
	public Caller {
		projects = projects == null ? null : Set.copyOf(projects);
	}

	/**
	 * The node itself, unrestricted.
	 *
	 * @return the caller with no user
	 */
	public static Caller node() {
		return NODE;
	}

	/**
	 * One user.
	 *
	 * @param name the user's name, as the events' {@code userId}
	 * @return a caller acting for the user
	 * @throws IllegalArgumentException when the name is empty
	 */
	public static Caller user(String name) {
		// not empty, as UserTokens requires of the users its tokens stand for
		if (Objects.requireNonNull(name, "name").isEmpty()) {
			throw new IllegalArgumentException("a user's name must not be empty");
		}
		return new Caller(name, null);
	}

	/**
	 * One user limited to some projects (membership, see {@code docs/PROJECTS.md}).
	 *
	 * @param name the user's name, as the events' {@code userId}
	 * @param memberOf the projects the user may see and write, {@code null} for all
	 * @return a caller acting for the user within the projects
	 * @throws IllegalArgumentException when the name is empty
	 */
	public static Caller user(String name, Set<String> memberOf) {
		return new Caller(user(name).user(), memberOf);
	}

	/**
	 * Whether this caller may see and write a project: the node and unlimited users may see every one.
	 *
	 * @param project the project id
	 * @return true when allowed
	 */
	public boolean allows(String project) {
		return projects == null || projects.contains(project);
	}

	/**
	 * Whether this is the node itself.
	 *
	 * @return true for {@link #node()}
	 */
	public boolean isNode() {
		return user == null;
	}
}
