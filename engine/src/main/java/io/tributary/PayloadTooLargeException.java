package io.tributary;

/**
 * A write was refused because its payload exceeds the configured limit. Nothing was stored.
 */
public class PayloadTooLargeException extends ValidationException {

	private static final long serialVersionUID = 1L;

	private final int size;
	private final int limit;

	/**
	 * An exception for a payload over the limit.
	 *
	 * @param type entity type of the write
	 * @param entityId entity id of the write
	 * @param size the payload's size in bytes
	 * @param limit the limit in bytes
	 */
	public PayloadTooLargeException(String type, String entityId, int size, int limit) {
		super("payload of " + type + "/" + entityId + " is " + size + " bytes, over the limit of " + limit + " bytes");
		this.size = size;
		this.limit = limit;
	}

	/**
	 * The payload's size.
	 *
	 * @return bytes
	 */
	public int size() {
		return size;
	}

	/**
	 * The limit.
	 *
	 * @return bytes
	 */
	public int limit() {
		return limit;
	}
}
