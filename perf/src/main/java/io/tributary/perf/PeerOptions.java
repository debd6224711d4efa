package io.tributary.perf;

import java.time.Duration;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options of the scenarios that sync nodes over the peer protocol (picocli mixins).
 */
final class PeerOptions {

	private PeerOptions() {
	}

	/** How events are framed: every peer scenario. */
	static final class Framing {

		@Option(names = "--batch-events", converter = Converters.Count.class, paramLabel = "N",
				description = "Most events per EVENTS frame. Default: the peer protocol's default, ${DEFAULT-VALUE}.",
				defaultValue = "1000")
		long batchEvents;

		/** The option as an {@code int}, or a parameter error naming it. */
		int batchEvents(CommandSpec spec) {
			return Converters.toInt(spec, "--batch-events", batchEvents);
		}
	}

	/** How the source is filled and how long a sync may take: the scenarios that catch up on a full node. */
	static final class Fill {

		@Option(names = "--writers", converter = Converters.Count.class, paramLabel = "N",
				description = "Concurrent writers filling the nodes, each with one write outstanding. "
						+ "Default: ${DEFAULT-VALUE}.", defaultValue = "4096")
		long writers;

		@Option(names = "--timeout", converter = Converters.Span.class, paramLabel = "SPAN",
				description = "How long the sync may take. Default: ${DEFAULT-VALUE}.", defaultValue = "30m")
		Duration timeout;

		/** The writers as an {@code int}, or a parameter error naming the option. */
		int writers(CommandSpec spec) {
			return Converters.toInt(spec, "--writers", writers);
		}
	}

	/** The slow consumer's rate: the scenarios that run one. */
	static final class Consumer {

		@Option(names = "--consumer-rate", paramLabel = "EVENTS",
				description = "Events per second the slow consumer takes. Default: 1% of the write rate.")
		Double consumerRate;

		/** The option, or a hundredth of the write rate when it is not given. */
		double consumerRate(long writeRate) {
			return consumerRate == null ? writeRate / 100.0 : consumerRate;
		}
	}
}
