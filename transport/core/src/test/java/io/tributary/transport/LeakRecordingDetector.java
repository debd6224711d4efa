package io.tributary.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector, which also keeps every leak report so that {@link LeakCheckExtension} can fail
 * the tests that ran when it appeared. Installed for every Netty resource by the test JVM's
 * {@code -Dio.netty.customResourceLeakDetector} and {@code -Dio.netty.leakDetection.level=paranoid}
 * (every buffer tracked, with its access records).
 *
 * @param <T> the tracked resource type
 */
public final class LeakRecordingDetector<T> extends ResourceLeakDetector<T> {

	private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

	/**
	 * Called by Netty's detector factory.
	 *
	 * @param resourceType what is tracked
	 * @param samplingInterval ignored at the paranoid level
	 */
	public LeakRecordingDetector(Class<?> resourceType, int samplingInterval) {
		super(resourceType, samplingInterval);
	}

	/**
	 * Called by Netty's detector factory.
	 *
	 * @param resourceType what is tracked
	 * @param samplingInterval ignored at the paranoid level
	 * @param maxActive ignored, as Netty's own detector does
	 */
	public LeakRecordingDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
		this(resourceType, samplingInterval);
	}

	/**
	 * Takes the leak reports made since the last call.
	 *
	 * @return the reports, oldest first
	 */
	public static List<String> drain() {
		List<String> out = new ArrayList<>();
		for (String r; (r = REPORTS.poll()) != null;) {
			out.add(r);
		}
		return out;
	}

	@Override
	protected boolean needReport() {
		return true;
	}

	@Override
	protected void reportTracedLeak(String resourceType, String records) {
		REPORTS.add(resourceType + " leaked:" + records);
		super.reportTracedLeak(resourceType, records);
	}

	@Override
	protected void reportUntracedLeak(String resourceType) {
		REPORTS.add(resourceType + " leaked (no access records)");
		super.reportUntracedLeak(resourceType);
	}
}
