package io.tributary.transport.peer;

/**
 * A peer's {@code host:port}.
 *
 * @param host host name or address
 * @param port TCP port, 1 to 65535
 */
public record PeerAddress(String host, int port) {

	/**
	 * Checks the fields.
	 */
	public PeerAddress {
		if (host == null || host.isBlank()) {
			throw new IllegalArgumentException("peer host is required");
		}
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("peer port out of range: " + port);
		}
	}

	/**
	 * Parses {@code host:port} ({@code [v6]:port} for IPv6).
	 *
	 * @param hostPort the text
	 * @return the address
	 * @throws IllegalArgumentException when malformed
	 */
	public static PeerAddress parse(String hostPort) {
		int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
		if (colon <= 0 || colon == hostPort.length() - 1) {
			throw new IllegalArgumentException("peer address must be host:port, was " + hostPort);
		}
		String host = hostPort.substring(0, colon);
		if (host.startsWith("[") && host.endsWith("]")) {
			host = host.substring(1, host.length() - 1);
		}
		try {
			return new PeerAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
		}
		catch (NumberFormatException e) {
			throw new IllegalArgumentException("peer port is not a number in " + hostPort, e);
		}
	}

	@Override
	public String toString() {
		return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
	}
}
