package io.tributary;

/**
 * A subscriber of a live stream that must not drop items (such as {@link SyncEngine#changes(String)})
 * fell further behind than its buffer allows. The stream ends with this error; the subscriber can
 * read the current state and subscribe again.
 */
public class SlowSubscriberException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception for a subscriber that fell behind.
	 *
	 * @param buffer the buffer size it exceeded
	 */
	public SlowSubscriberException(int buffer) {
		super("subscriber fell more than " + buffer + " items behind the live stream");
	}
}
