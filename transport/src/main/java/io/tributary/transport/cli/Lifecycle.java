package io.tributary.transport.cli;

/**
 * How the {@code node} command hooks into the end of the process. The JVM runs the hook on SIGTERM,
 * SIGINT or {@code System.exit} and halts with the hook's status; tests substitute one that records both.
 */
interface Lifecycle {

	/**
	 * The real one: a JVM shutdown hook, then {@link Runtime#halt(int)}.
	 */
	Lifecycle JVM = new Lifecycle() {
		@Override
		public void onShutdown(Runnable hook) {
			Runtime.getRuntime().addShutdownHook(new Thread(hook, "tributary-node-shutdown"));
		}

		@Override
		public void halt(int status) {
			System.out.flush();
			System.err.flush();
			// a JVM stopped by a signal would otherwise exit 128 + the signal's number even after a clean stop
			Runtime.getRuntime().halt(status);
		}
	};

	/**
	 * Runs a hook when the process is asked to end.
	 *
	 * @param hook called once, on its own thread
	 */
	void onShutdown(Runnable hook);

	/**
	 * Ends the process with a status, from within the hook once the node is closed.
	 *
	 * @param status the exit code
	 */
	void halt(int status);
}
