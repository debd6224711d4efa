package io.tributary.transport.http;

import java.util.Map;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.EngineClosedException;
import io.tributary.OverloadedException;
import io.tributary.PayloadTooLargeException;
import io.tributary.StorageUnavailableException;
import io.tributary.ValidationException;

/**
 * A request the API answers with an error status and a {@code {"error","message"}} body. Thrown or
 * signalled by handlers; never leaves the API.
 */
final class ApiException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final transient HttpResponseStatus status;
	private final String code;
	private final transient Map<String, String> headers;

	ApiException(HttpResponseStatus status, String code, String message) {
		this(status, code, message, Map.of());
	}

	ApiException(HttpResponseStatus status, String code, String message, Map<String, String> headers) {
		// no stack trace: these are answers to client mistakes, not failures of the server
		super(message, null, false, false);
		this.status = status;
		this.code = code;
		this.headers = Map.copyOf(headers);
	}

	static ApiException badRequest(String code, String message) {
		return new ApiException(HttpResponseStatus.BAD_REQUEST, code, message);
	}

	static ApiException notFound(String message) {
		return new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", message);
	}

	/** The answer to an unexpected failure; the details go to the log, not to the client. */
	static ApiException internal() {
		return new ApiException(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal",
				"the server failed to answer; the failure is in its log");
	}

	/**
	 * The answer to an error: the API's own, or the engine's refusals of a write.
	 *
	 * @return the answer, {@code null} for an unexpected error (a 500 that deserves a log line)
	 */
	static ApiException of(Throwable error) {
		if (error instanceof ApiException) {
			return (ApiException) error;
		}
		if (error instanceof PayloadTooLargeException) {
			return new ApiException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", error.getMessage());
		}
		if (error instanceof io.tributary.RowLevelSecurityException) {
			return new ApiException(HttpResponseStatus.FORBIDDEN, "forbidden", error.getMessage());
		}
		if (error instanceof ValidationException) {
			return badRequest("invalid_change", error.getMessage());
		}
		if (error instanceof OverloadedException) {
			return new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded", error.getMessage(),
					Map.of("Retry-After", "1"));
		}
		if (error instanceof StorageUnavailableException) {
			return new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "storage_unavailable", error.getMessage(),
					Map.of("Retry-After", "1"));
		}
		if (error instanceof EngineClosedException) {
			return new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable", error.getMessage());
		}
		return null;
	}

	HttpResponseStatus status() {
		return status;
	}

	String code() {
		return code;
	}

	Map<String, String> headers() {
		return headers;
	}
}
