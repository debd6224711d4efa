package io.tributary.storage.h2;

/**
 * What an acknowledged write survives.
 */
public enum Durability {
	/**
	 * A crash of the process ({@code kill -9}, an out-of-memory error): every append is written to the
	 * write-ahead file (to the operating system) before its commit and acknowledgement. The default.
	 */
	PROCESS_CRASH,
	/**
	 * A crash of the machine or a power loss: the write-ahead file is also synced to the device before every
	 * commit, and H2's file before a write-ahead segment is deleted ({@code CHECKPOINT SYNC}), at a cost
	 * measured in {@code docs/PERFORMANCE.md}.
	 */
	POWER_LOSS
}
