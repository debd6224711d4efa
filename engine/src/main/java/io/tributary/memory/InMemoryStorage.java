package io.tributary.memory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import io.tributary.Conflict;
import io.tributary.Event;
import io.tributary.VersionVector;
import io.tributary.spi.DeadLetterStore;
import io.tributary.spi.EntityRecord;
import io.tributary.spi.Erasure;
import io.tributary.spi.Fills;
import io.tributary.spi.IdempotencyStore;
import io.tributary.spi.EventStore;
import io.tributary.spi.ProjectionStore;
import io.tributary.spi.SequenceGapException;
import io.tributary.spi.Storage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Storage held in memory: fast, for unit tests and ephemeral replicas. Nothing survives the JVM, but
 * the same instance can be reopened by a new engine to simulate a restart. Thread-safe; every call
 * completes synchronously on the subscribing thread.
 */
public final class InMemoryStorage implements Storage {

	private final Object lock = new Object();
	private final List<Event> log = new ArrayList<>();
	/** Per origin, the position of each sequence: index {@code seq - 1}. */
	private final Map<String, List<Long>> positionsByOrigin = new HashMap<>();
	/** Saved folds per type, in entity id order. */
	private final Map<String, TreeMap<String, EntityRecord>> entities = new TreeMap<>();
	private final Map<UUID, Conflict> conflicts = new LinkedHashMap<>();
	/** Positions of the events whose ids were kept ({@link EventStore#append(List, Set)}). */
	private final Map<UUID, Long> keptIds = new HashMap<>();
	private long checkpoint;
	private String origin;

	private final EventStore events = new Events();
	private final ProjectionStore projections = new Projections();
	private final InMemoryDeadLetters deadLetters = new InMemoryDeadLetters();
	private final InMemoryIdempotencyStore idempotencyKeys = new InMemoryIdempotencyStore();

	/**
	 * An empty store.
	 */
	public InMemoryStorage() {
	}

	@Override
	public EventStore events() {
		return events;
	}

	@Override
	public ProjectionStore projections() {
		return projections;
	}

	@Override
	public DeadLetterStore deadLetters() {
		return deadLetters;
	}

	@Override
	public IdempotencyStore idempotencyKeys() {
		return idempotencyKeys;
	}

	@Override
	public Mono<String> origin(String candidate) {
		return Mono.fromCallable(() -> {
			synchronized (lock) {
				if (origin == null) {
					origin = candidate;
				}
				return origin;
			}
		});
	}

	@Override
	public Mono<Long> erase(String userId) {
		return Mono.fromCallable(() -> {
			synchronized (lock) {
				long erased = 0;
				for (int i = 0; i < log.size(); i++) {
					Event e = log.get(i);
					if (Erasure.owns(userId, e)) {
						log.set(i, e.blank());
						erased++;
					}
				}
				entities.clear();
				conflicts.values().removeIf(c -> Erasure.involves(userId, c));
				deadLetters.erase(userId);
				checkpoint = 0;
				return erased;
			}
		});
	}

	@Override
	public Mono<List<Event>> fill(List<Event> events) {
		return Mono.fromCallable(() -> {
			synchronized (lock) {
				List<Event> filled = new ArrayList<>();
				for (Event e : events) {
					List<Long> at = positionsByOrigin.get(e.origin());
					if (e.isStub() || at == null || e.originSeq() > at.size()) {
						continue;
					}
					long position = at.get((int) e.originSeq() - 1);
					if (Fills.fillable(log.get((int) position - 1), e)) {
						Event placed = e.withPosition(position);
						log.set((int) position - 1, placed);
						filled.add(placed);
					}
				}
				filled.sort(Comparator.comparingLong(Event::position));
				if (!filled.isEmpty()) {
					entities.clear();
					checkpoint = 0;
				}
				return filled;
			}
		});
	}

	@Override
	public Mono<Void> close() {
		return Mono.empty();
	}

	private final class Events implements EventStore {

		@Override
		public Mono<List<Event>> append(List<Event> batch) {
			return append(batch, Set.of());
		}

		@Override
		public Mono<List<Event>> append(List<Event> batch, Set<UUID> kept) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					Map<String, Long> next = new HashMap<>();
					List<Event> accepted = new ArrayList<>(batch.size());
					for (Event e : batch) {
						long held = next.computeIfAbsent(e.origin(), o -> (long) positions(o).size());
						if (e.originSeq() <= held) {
							continue;
						}
						if (e.originSeq() != held + 1) {
							throw new SequenceGapException(e.origin(), held + 1, e.originSeq());
						}
						next.put(e.origin(), e.originSeq());
						accepted.add(e);
					}
					List<Event> stored = new ArrayList<>(accepted.size());
					for (Event e : accepted) {
						Event positioned = e.withPosition(log.size() + 1L);
						log.add(positioned);
						positions(e.origin()).add(positioned.position());
						stored.add(positioned);
						if (kept.contains(e.id())) {
							keptIds.put(e.id(), positioned.position());
						}
					}
					return stored;
				}
			});
		}

		@Override
		public Mono<Event> eventById(UUID id) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					Long position = keptIds.get(id);
					return position == null ? null : log.get((int) (position - 1));
				}
			});
		}

		private List<Long> positions(String o) {
			return positionsByOrigin.computeIfAbsent(o, k -> new ArrayList<>());
		}

		@Override
		public Flux<Event> read(long afterPosition, int limit) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					int from = (int) Math.min(Math.max(afterPosition, 0), log.size());
					int to = (int) Math.min(log.size(), (long) from + limit);
					return new ArrayList<>(log.subList(from, to));
				}
			}).flatMapIterable(l -> l);
		}

		@Override
		public Flux<Event> readLacking(VersionVector have, int limit) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					long start = Long.MAX_VALUE;
					for (Map.Entry<String, List<Long>> e : positionsByOrigin.entrySet()) {
						long mine = e.getValue().size();
						long theirs = have.get(e.getKey());
						if (theirs < mine) {
							start = Math.min(start, e.getValue().get((int) theirs));
						}
					}
					List<Event> out = new ArrayList<>();
					for (long p = start; p <= log.size() && out.size() < limit; p++) {
						Event e = log.get((int) (p - 1));
						if (!have.covers(e.origin(), e.originSeq())) {
							out.add(e);
						}
					}
					return out;
				}
			}).flatMapIterable(l -> l);
		}

		@Override
		public Mono<VersionVector> vector() {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					Map<String, Long> v = new HashMap<>();
					positionsByOrigin.forEach((o, l) -> v.put(o, (long) l.size()));
					return VersionVector.of(v);
				}
			});
		}

		@Override
		public Mono<Long> lastPosition() {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					return (long) log.size();
				}
			});
		}
	}

	private final class Projections implements ProjectionStore {

		@Override
		public Mono<Long> checkpoint() {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					return checkpoint;
				}
			});
		}

		@Override
		public Flux<EntityRecord> entities() {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					List<EntityRecord> all = new ArrayList<>();
					entities.values().forEach(m -> all.addAll(m.values()));
					return all;
				}
			}).flatMapIterable(l -> l);
		}

		@Override
		public Flux<EntityRecord> entities(String type, Collection<String> entityIds) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					TreeMap<String, EntityRecord> m = entities.get(type);
					List<EntityRecord> out = new ArrayList<>();
					if (m != null) {
						for (String id : entityIds) {
							EntityRecord r = m.get(id);
							if (r != null) {
								out.add(r);
							}
						}
					}
					return out;
				}
			}).flatMapIterable(l -> l);
		}

		@Override
		public Flux<EntityRecord> entities(String type, String afterEntityId, int limit) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					TreeMap<String, EntityRecord> m = entities.get(type);
					List<EntityRecord> out = new ArrayList<>();
					if (m != null) {
						for (EntityRecord r : m.tailMap(afterEntityId, false).values()) {
							if (out.size() >= limit) {
								break;
							}
							out.add(r);
						}
					}
					return out;
				}
			}).flatMapIterable(l -> l);
		}

		@Override
		public Flux<String> types() {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					return new ArrayList<>(entities.keySet());
				}
			}).flatMapIterable(l -> l);
		}

		@Override
		public Mono<Long> count() {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					long n = 0;
					for (TreeMap<String, EntityRecord> m : entities.values()) {
						n += m.size();
					}
					return n;
				}
			});
		}

		@Override
		public Mono<Void> save(long newCheckpoint, List<EntityRecord> records, List<Conflict> newConflicts,
				boolean replaceAll) {
			return Mono.fromRunnable(() -> {
				synchronized (lock) {
					if (replaceAll) {
						entities.clear();
					}
					for (EntityRecord r : records) {
						entities.computeIfAbsent(r.type(), t -> new TreeMap<>()).put(r.entityId(), r);
					}
					for (Conflict c : newConflicts) {
						conflicts.putIfAbsent(c.incoming().id(), c);
					}
					checkpoint = Math.max(checkpoint, newCheckpoint);
				}
			});
		}

		@Override
		public Flux<Conflict> conflicts(String type, long afterPosition, int limit) {
			return Mono.fromCallable(() -> {
				synchronized (lock) {
					List<Conflict> out = new ArrayList<>();
					for (Conflict c : conflicts.values()) {
						if ((type == null || type.equals(c.type())) && c.incoming().position() > afterPosition) {
							out.add(c);
						}
					}
					out.sort(Comparator.comparingLong(c -> c.incoming().position()));
					return out.subList(0, Math.min(limit, out.size()));
				}
			}).flatMapIterable(l -> l);
		}
	}
}
