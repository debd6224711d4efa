package io.tributary.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.tributary.EntityState;
import io.tributary.Event;
import io.tributary.SyncEngine;
import io.tributary.SyncSignal;
import io.tributary.storage.h2.H2Storage;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * Tributary as a library: two replicas in one JVM, each on its own embedded H2 file store. Both write,
 * exchange what the other lacks through {@code apply}, edit the same entity concurrently, detect the
 * conflict, resolve it by last-write-wins and end with identical state.
 * <p>
 * Run it with {@code mvn -B -q -pl examples -am package exec:java -DskipTests}; pass a directory as the
 * first argument to keep the data ({@code -Dexec.args=DIR}), otherwise a temporary one is removed at the
 * end.
 */
public final class TwoReplicasExample {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private TwoReplicasExample() {
	}

	/**
	 * Runs the example.
	 *
	 * @param args optional data directory
	 * @throws IOException when the data directory cannot be created or removed
	 */
	public static void main(String[] args) throws IOException {
		boolean keep = args.length > 0;
		Path data = keep ? Path.of(args[0]) : Files.createTempDirectory("tributary-example");
		System.out.println("Tributary example: two replicas on H2 files under " + data.toAbsolutePath());

		SyncEngine laptop = open(data.resolve("laptop"), "laptop");
		SyncEngine phone = open(data.resolve("phone"), "phone");
		Disposable conflicts = Disposables.composite(watchConflicts("laptop", laptop), watchConflicts("phone", phone));
		try {
			laptop.put("todo", "milk", "{\"title\":\"Buy milk\",\"done\":false}").block(TIMEOUT);
			phone.put("todo", "bread", "{\"title\":\"Buy bread\",\"done\":false}").block(TIMEOUT);
			System.out.println("\n1. Each replica wrote one todo; they exchange what the other lacks:");
			sync(laptop, phone);
			print(laptop, phone);

			System.out.println("\n2. Offline, both edit 'milk' from the same version:");
			Event onLaptop = laptop.patch("todo", "milk", "{\"done\":true}").block(TIMEOUT);
			Event onPhone = phone.put("todo", "milk", "{\"title\":\"Buy oat milk\",\"done\":false}").block(TIMEOUT);
			System.out.println("   laptop: " + onLaptop.op() + " " + onLaptop.payloadJson() + "  (hlc " + onLaptop.hlc() + ")");
			System.out.println("   phone:  " + onPhone.op() + " " + onPhone.payloadJson() + "  (hlc " + onPhone.hlc() + ")");

			System.out.println("\n3. Back online, they sync; each detects the conflict and resolves it the same way:");
			sync(laptop, phone);
			print(laptop, phone);

			List<EntityState> a = laptop.query("todo").collectList().block(TIMEOUT);
			List<EntityState> b = phone.query("todo").collectList().block(TIMEOUT);
			System.out.println("\n4. Converged: " + a.equals(b) + "; vectors " + laptop.vector() + " and " + phone.vector());
			System.out.println("   stored conflicts on the laptop: "
					+ laptop.conflicts("todo", 10).count().block(TIMEOUT));
			if (!a.equals(b)) {
				throw new IllegalStateException("replicas diverged");
			}
		}
		finally {
			conflicts.dispose();
			laptop.closeAsync().block(TIMEOUT);
			phone.closeAsync().block(TIMEOUT);
			if (!keep) {
				Examples.delete(data);
			}
		}
	}

	private static SyncEngine open(Path dir, String origin) {
		return SyncEngine.builder()
				.storage(H2Storage.builder().directory(dir).open().block(TIMEOUT))
				.origin(origin)
				.open()
				.block(TIMEOUT);
	}

	/** Brings each replica the events it lacks, as a peer connection would. */
	private static void sync(SyncEngine a, SyncEngine b) {
		List<Event> forB = a.lacking(b.vector(), 10_000).collectList().block(TIMEOUT);
		List<Event> forA = b.lacking(a.vector(), 10_000).collectList().block(TIMEOUT);
		SyncEngine.ApplyResult toB = b.apply(forB).block(TIMEOUT);
		SyncEngine.ApplyResult toA = a.apply(forA).block(TIMEOUT);
		System.out.println("   sent " + forB.size() + " event(s) to phone " + toB + ", " + forA.size()
				+ " to laptop " + toA);
	}

	private static Disposable watchConflicts(String name, SyncEngine engine) {
		return engine.signals()
				.ofType(SyncSignal.ConflictDetected.class)
				.subscribe(s -> System.out.println("   [" + name + "] conflict on " + s.conflict().type() + "/"
						+ s.conflict().entityId() + ": head " + s.conflict().head().op() + " by "
						+ s.conflict().head().origin() + ", incoming " + s.conflict().incoming().op() + " by "
						+ s.conflict().incoming().origin() + " -> winner " + s.conflict().winner()));
	}

	private static void print(SyncEngine laptop, SyncEngine phone) {
		for (SyncEngine e : List.of(laptop, phone)) {
			System.out.println("   " + e.origin() + ":");
			e.query("todo").doOnNext(s -> System.out.println("     " + s.entityId() + " = " + s.json())).blockLast(TIMEOUT);
		}
	}
}
