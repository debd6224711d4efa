package io.tributary;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound may let pass in tests that run engines, with the reason. Loaded through
 * {@code META-INF/services} (the engine's test jar carries it to the other modules' tests).
 * <p>
 * Cancelling a periodic task (the engine's checkpoint ticker, any {@code Flux.interval}) removes it from its
 * {@code ScheduledThreadPoolExecutor}'s queue, whose lock is held for a few instructions and may park for
 * an instant when another thread schedules at the same moment. Reactor's own integration lets the same
 * hand-off pass for one-shot tasks ({@code SchedulerTask.dispose}, {@code WorkerTask.dispose}) but not for
 * periodic ones; the engine's close cancels its ticker from whichever thread finishes the last checkpoint.
 */
public final class PeriodicTaskIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicWorkerTask", "dispose");
		builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicSchedulerTask", "dispose");
		builder.allowBlockingCallsInside("reactor.core.scheduler.InstantPeriodicWorkerTask", "dispose");
	}
}
