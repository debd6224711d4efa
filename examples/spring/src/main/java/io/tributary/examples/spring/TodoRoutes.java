package io.tributary.examples.spring;

import java.io.IOException;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import reactor.core.publisher.Mono;

/**
 * The service's routes: its own {@code GET /todos} and {@code PUT /todos/{id}}, and Tributary's API under
 * {@code /sync} ({@link TributaryRoutes}). JSON is read and written with the service's Jackson {@code ObjectMapper}.
 */
@Configuration(proxyBeanMethods = false)
class TodoRoutes {

	private final ObjectMapper json = new ObjectMapper();

	/**
	 * Every route of the service.
	 *
	 * @param todos the todos
	 * @param tributary the embedded Tributary, whose API is mounted
	 * @return the routes
	 */
	@Bean
	RouterFunction<ServerResponse> routes(Todos todos, Tributary tributary) {
		return RouterFunctions.route()
				.GET("/todos", request -> todos.list(ApiKeyFilter.user(request.exchange())).collectList()
						.flatMap(list -> answer(HttpStatus.OK, list)))
				.PUT("/todos/{id}", request -> put(todos, request))
				.build()
				.and(TributaryRoutes.of(tributary.api()));
	}

	private Mono<ServerResponse> put(Todos todos, ServerRequest request) {
		String user = ApiKeyFilter.user(request.exchange());
		String id = request.pathVariable("id");
		return request.bodyToMono(byte[].class)
				.defaultIfEmpty(new byte[0])
				.flatMap(body -> {
					Todo todo;
					try {
						todo = json.readValue(body, Todo.class);
					}
					catch (JsonProcessingException e) {
						return answer(HttpStatus.BAD_REQUEST, new Problem("bad_request", "the body must be a todo "
								+ "{\"title\": string, \"done\": boolean}: " + e.getOriginalMessage()));
					}
					catch (IOException e) {
						return Mono.error(e);
					}
					if (todo == null || todo.title() == null || todo.title().isBlank()) {
						return answer(HttpStatus.BAD_REQUEST, new Problem("bad_request", "a todo needs a title"));
					}
					return todos.put(user, id, todo).flatMap(stored -> answer(HttpStatus.OK, stored));
				});
	}

	private Mono<ServerResponse> answer(HttpStatus status, Object body) {
		byte[] bytes;
		try {
			bytes = json.writeValueAsBytes(body);
		}
		catch (JsonProcessingException e) {
			return Mono.error(e);
		}
		return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(bytes);
	}

	/**
	 * An error answer, in the shape Tributary's API answers errors.
	 *
	 * @param error a code
	 * @param message what is wrong
	 */
	record Problem(String error, String message) {
	}
}
