package io.tributary.examples.spring;

import java.nio.file.Path;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The service's settings, under {@code todo.} (defaults in {@code application.properties}).
 *
 * @param dataDir where the engine keeps its H2 files
 * @param origin this replica's origin, its name among the replicas
 * @param apiKeys the API keys the service accepts, each to the user it acts for
 * @param node the node to sync with
 */
@ConfigurationProperties("todo")
public record TodoProperties(Path dataDir, String origin, Map<String, String> apiKeys, @DefaultValue Node node) {

	/**
	 * The node the service syncs with.
	 *
	 * @param peer the node's peer address {@code host:port}; empty for none
	 * @param token the node's token, presented on the peer link; empty for none
	 */
	public record Node(@DefaultValue("") String peer, @DefaultValue("") String token) {
	}
}
