package io.tributary.perf;

import java.time.Duration;

import picocli.CommandLine.Option;

/**
 * Options of the scenarios that run for a span rather than a number of events (a picocli mixin).
 */
final class TimedOptions {

	@Option(names = "--duration", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "The measured span. Default: ${DEFAULT-VALUE} (slow-consumer: 60s).", defaultValue = "30s")
	Duration duration;

	@Option(names = "--warmup", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "Written first at the same rate, not measured, so that the measured span runs code the JIT "
					+ "has compiled (at a few thousand writes a second that takes longer than 5s). "
					+ "Default: ${DEFAULT-VALUE}.", defaultValue = "20s")
	Duration warmup;

	@Option(names = "--grace", converter = Converters.Span.class, paramLabel = "SPAN",
			description = "How long to wait for the last acknowledgements and deliveries after the measured span; "
					+ "events not seen by then are lost. Default: ${DEFAULT-VALUE}.", defaultValue = "30s")
	Duration grace;
}
