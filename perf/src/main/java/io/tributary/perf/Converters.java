package io.tributary.perf;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The scenarios' option types: counts like {@code 1,000,000} or {@code 200k}, and spans like {@code 30s}.
 */
final class Converters {

	private Converters() {
	}

	/**
	 * A count that must fit an {@code int}.
	 *
	 * @throws ParameterException naming the option when it is too large
	 */
	static int toInt(CommandSpec spec, String option, long value) {
		if (value > Integer.MAX_VALUE) {
			throw new ParameterException(spec.commandLine(), option + " is too large: " + value);
		}
		return (int) value;
	}

	/** A count: digits with optional {@code _} or {@code ,} separators and an optional {@code k} or {@code m}. */
	static final class Count implements ITypeConverter<Long> {
		@Override
		public Long convert(String value) {
			String v = value.strip().replace("_", "").replace(",", "").toLowerCase(Locale.ROOT);
			long unit = 1;
			if (v.endsWith("k")) {
				unit = 1_000;
				v = v.substring(0, v.length() - 1);
			}
			else if (v.endsWith("m")) {
				unit = 1_000_000;
				v = v.substring(0, v.length() - 1);
			}
			long n = Math.multiplyExact(Long.parseLong(v), unit);
			if (n < 0) {
				throw new IllegalArgumentException("must not be negative: " + value);
			}
			return n;
		}
	}

	/**
	 * A span of time: a number with {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 30s},
	 * {@code 2m}; a bare number is seconds), or ISO-8601 ({@code PT30S}).
	 */
	static final class Span implements ITypeConverter<Duration> {
		@Override
		public Duration convert(String value) {
			String v = value.strip().replace("_", "").toLowerCase(Locale.ROOT);
			Duration d;
			if (v.startsWith("pt") || v.startsWith("p")) {
				try {
					d = Duration.parse(v.toUpperCase(Locale.ROOT));
				}
				catch (DateTimeParseException e) {
					throw new IllegalArgumentException("not a duration: " + value, e);
				}
			}
			else if (v.endsWith("ms")) {
				d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
			}
			else if (v.endsWith("s")) {
				d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
			}
			else if (v.endsWith("m")) {
				d = Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60));
			}
			else if (v.endsWith("h")) {
				d = Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 3600));
			}
			else {
				d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
			}
			if (d.isNegative()) {
				throw new IllegalArgumentException("must not be negative: " + value);
			}
			return d;
		}
	}
}
