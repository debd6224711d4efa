package io.tributary.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A todo service on Spring Boot WebFlux with Tributary embedded. On its one port it serves:
 * <ul>
 * <li>{@code GET /todos} and {@code PUT /todos/{id}}, its own endpoint: the caller's todos as typed records
 * ({@link Todo}), kept by the engine;</li>
 * <li>{@code /sync/**}: Tributary's HTTP API ({@code /sync/api/changes}, {@code /sync/api/stream}, ...), each request
 * acting for the caller's user;</li>
 * </ul>
 * both behind the service's own security, an API key in the {@code X-Api-Key} header ({@link ApiKeyFilter}). The
 * engine syncs with a node over a peer link when {@code todo.node.peer} names one. Settings: {@link TodoProperties}.
 * <p>
 * Run it with {@code mvn -B -q -pl examples/spring -am package exec:java -DskipTests}, then for instance
 * {@code curl -H 'X-Api-Key: alice-key' localhost:8080/todos}.
 */
@SpringBootApplication
@EnableConfigurationProperties(TodoProperties.class)
public class TodoApplication {

	/**
	 * Starts the service.
	 *
	 * @param args Spring Boot's arguments, such as {@code --server.port=8081 --todo.node.peer=127.0.0.1:7070}
	 */
	public static void main(String[] args) {
		SpringApplication.run(TodoApplication.class, args);
	}
}
