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
	public Flux<DeadLetter> list(String userId, String afterOrigin, long afterSeq, int limit) {
		return Flux.defer(() -> {
			List<DeadLetter> page = new ArrayList<>();
			synchronized (letters) {
				for (DeadLetter d : letters.values()) {
					if ((userId == null || userId.equals(d.event().userId())) && (afterOrigin == null
							|| compareAddress(d, afterOrigin, afterSeq) > 0)) {
						page.add(d);
					}
				}
			}
			page.sort(Comparator.comparing((DeadLetter d) -> d.event().origin())
					.thenComparingLong(d -> d.event().originSeq()));
			return Flux.fromIterable(page.subList(0, Math.min(limit, page.size())));
		});
	}

	/**
	 * Compares a letter's address with a cursor, as the H2 store's {@code ORDER BY origin, origin_seq} does
	 * (origins by UTF-16 code units).
	 */
	private static int compareAddress(DeadLetter d, String origin, long seq) {
		int byOrigin = d.event().origin().compareTo(origin);
		return byOrigin != 0 ? byOrigin : Long.compare(d.event().originSeq(), seq);
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
