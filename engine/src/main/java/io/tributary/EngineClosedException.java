package io.tributary;

/**
 * The engine is closed (or closing) and takes no more writes.
 */
public class EngineClosedException extends TributaryException {

	private static final long serialVersionUID = 1L;

	/**
	 * An exception for a call on a closed engine.
	 */
	public EngineClosedException() {
		super("the sync engine is closed");
	}
}
