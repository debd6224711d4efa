package io.tributary.transport.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import io.netty.handler.codec.http.QueryStringDecoder;

/** Path segments: split the raw path first, then decode each, so that {@code %2F} stays inside one. */
final class Paths {

	private static final String[] ROOT = new String[0];

	private Paths() {
	}

	/** Splits a raw path ({@code /a/b/}) into its segments; one trailing slash is ignored. */
	static String[] split(String rawPath) {
		String p = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
		if (p.endsWith("/")) {
			p = p.substring(0, p.length() - 1);
		}
		return p.isEmpty() ? ROOT : p.split("/", -1);
	}

	/**
	 * Splits and percent-decodes a raw path.
	 *
	 * @throws IllegalArgumentException for a malformed escape
	 */
	static String[] decode(String rawPath) {
		String[] segments = split(rawPath);
		for (int i = 0; i < segments.length; i++) {
			// in a path '+' is a plus sign, not the space of form encoding
			segments[i] = QueryStringDecoder.decodeComponent(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
		}
		return segments;
	}

	/** Percent-encodes one path segment. */
	static String encode(String segment) {
		return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
	}
}
