package io.tributary.storage.h2;

/**
 * What an acknowledged write survives.
 */
public enum Durability {
	/**
	 * A crash of the process ({@code kill -9}, an out-of-memory error): every commit is written to the
	 * operating system before the write is acknowledged ({@code WRITE_DELAY=0}). The default.
	 */
	PROCESS_CRASH,
	/**
	 * A crash of the machine or a power loss: after every commit the file is also synced to the device
	 * ({@code CHECKPOINT SYNC}), at a cost measured in {@code docs/PERFORMANCE.md}.
	 */
	POWER_LOSS
}
