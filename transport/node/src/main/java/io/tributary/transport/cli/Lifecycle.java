package io.tributary.transport.cli;

/**
 * How the {@code node} command hooks into the end of the process. The JVM runs the hook on SIGTERM,
 * SIGINT or {@code System.exit} and halts with the hook's status; tests substitute one that records both.
 * {@code POST /api/shutdown} ends the process through {@link #stop()}, the same way.
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
		public void stop() {
			// runs the shutdown hook as SIGTERM does; the hook halts with its own status
			System.exit(NodeCli.OK);
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
	 * Asks the process to end as a SIGTERM does: the hook runs, then the process halts. Called on a thread of its
	 * own, which it may keep until the process ends.
	 */
	void stop();

	/**
	 * Ends the process with a status, from within the hook once the node is closed.
	 *
	 * @param status the exit code
	 */
	void halt(int status);
}
