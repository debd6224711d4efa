package io.tributary.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.tributary.spi.DeadLetter;
import io.tributary.spi.DeadLetterStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Dead letters held in memory, for {@link InMemoryStorage}. Thread-safe. */
final class InMemoryDeadLetters implements DeadLetterStore {

	/** Oldest rejection first, then by address: the order of {@link #list(int)}. */
	static final Comparator<DeadLetter> ORDER = Comparator.comparing(DeadLetter::rejectedAt)
			.thenComparing(d -> d.event().origin())
			.thenComparingLong(d -> d.event().originSeq());

	private final Map<String, DeadLetter> letters = new HashMap<>();

	private static String key(String origin, long originSeq) {
		return origin + '\u0000' + originSeq;
	}

	@Override
	public Mono<Void> put(DeadLetter letter) {
		return Mono.fromRunnable(() -> {
			synchronized (letters) {
				letters.put(key(letter.event().origin(), letter.event().originSeq()), letter);
			}
		});
	}

	@Override
	public Flux<DeadLetter> list(int limit) {
		return Flux.defer(() -> {
			List<DeadLetter> all;
			synchronized (letters) {
				all = new ArrayList<>(letters.values());
			}
			all.sort(ORDER);
			return Flux.fromIterable(all.subList(0, Math.min(limit, all.size())));
		});
	}

	@Override
	public Mono<DeadLetter> get(String origin, long originSeq) {
		return Mono.fromCallable(() -> {
			synchronized (letters) {
				return letters.get(key(origin, originSeq));
			}
		});
	}

	@Override
	public Mono<Boolean> delete(String origin, long originSeq) {
		return Mono.fromCallable(() -> {
			synchronized (letters) {
				return letters.remove(key(origin, originSeq)) != null;
			}
		});
	}

	/**
	 * Removes the dead letters of a user's events (erasure).
	 *
	 * @param userId the user
	 */
	void erase(String userId) {
		synchronized (letters) {
			letters.values().removeIf(l -> userId.equals(l.event().userId()));
		}
	}

	@Override
	public Mono<Long> count() {
		return Mono.fromCallable(() -> {
			synchronized (letters) {
				return (long) letters.size();
			}
		});
	}
}
