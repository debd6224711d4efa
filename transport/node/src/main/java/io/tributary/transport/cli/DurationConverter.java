package io.tributary.transport.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A duration as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT10S}); never negative.
 */
final class DurationConverter implements ITypeConverter<Duration> {

	private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

	@Override
	public Duration convert(String value) {
		return parse(value);
	}

	static Duration parse(String value) {
		String v = value.strip().toLowerCase(Locale.ROOT);
		Matcher m = SHORT.matcher(v);
		if (m.matches()) {
			long n = Long.parseLong(m.group(1));
			switch (m.group(2)) {
				case "ms":
					return Duration.ofMillis(n);
				case "s":
					return Duration.ofSeconds(n);
				case "m":
					return Duration.ofMinutes(n);
				default:
					return Duration.ofHours(n);
			}
		}
		if (v.startsWith("p")) {
			try {
				Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
				if (!d.isNegative()) {
					return d;
				}
			}
			catch (DateTimeParseException e) {
				// answered below like any other malformed value
			}
		}
		throw new TypeConversionException("'" + value + "' is not a duration such as 500ms, 10s, 5m or 1h");
	}

	/** {@code 10s}, {@code 1500ms}: the shortest exact form, for messages. */
	static String format(Duration d) {
		if (d.toMillisPart() != 0 || d.isZero()) {
			return d.toMillis() + "ms";
		}
		long s = d.toSeconds();
		if (s % 3600 == 0) {
			return s / 3600 + "h";
		}
		return s % 60 == 0 ? s / 60 + "m" : s + "s";
	}
}
