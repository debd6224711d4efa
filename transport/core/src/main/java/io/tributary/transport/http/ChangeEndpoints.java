package io.tributary.transport.http;

import java.util.List;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tributary.Event;
import io.tributary.SyncEngine;
import reactor.core.publisher.Mono;

/**
 * The handlers that read the change log: a page after a cursor ({@code GET /api/changes}) and one change by its
 * change id ({@code GET /api/changes/{cid}}). A user's token reads other users' changes as blanks. The route table
 * and its documentation are in {@link Endpoints}.
 */
final class ChangeEndpoints {

	/**
	 * Payload bytes after which a change page ends early (it still holds at least one change): a page of
	 * 1000 large payloads would otherwise be hundreds of megabytes in memory.
	 */
	static final long MAX_PAGE_PAYLOAD_BYTES = 4L * 1024 * 1024;

	private final SyncEngine engine;

	ChangeEndpoints(SyncEngine engine) {
		this.engine = engine;
	}

	/** {@code GET /api/changes}: {@code {changes, count, timestamp, cursor?}}. */
	Mono<Void> changes(Exchange x) {
		long cursor = x.longQuery("cursor", 0, 0, Long.MAX_VALUE);
		int limit = (int) x.longQuery("limit", Endpoints.DEFAULT_LIMIT, 1, Endpoints.MAX_LIMIT);
		return page(x, cursor, limit).flatMap(page -> x.send(HttpResponseStatus.OK, ApiAnswers.page("changes",
				page.events(), ApiJson::writeChange, ApiAnswers.TIMESTAMP,
				page.more() ? ApiAnswers.cursor(page.events().get(page.events().size() - 1).position()) : null)));
	}

	/**
	 * The events after a cursor, up to the log's end as it is now: never waits on the live tail.
	 */
	private Mono<Page> page(Exchange x, long cursor, int limit) {
		return Mono.defer(() -> {
			long last = engine.lastPosition();
			if (cursor >= last) {
				return Mono.just(new Page(List.of(), false));
			}
			PageBudget budget = new PageBudget(limit);
			// the event at `last` is stored, so the first takeUntil ends the read there even if a store
			// left gaps in its positions; the second ends it at limit + 1 (to learn whether more exist)
			// a plain store read of at most limit + 1 events (to learn whether more exist)
			return (x.user() == null ? engine.read(cursor, limit + 1) : engine.forUser(x.user()).read(cursor, limit + 1))
					.takeUntil(e -> e.position() >= last)
					.takeUntil(budget::full)
					.collectList()
					.map(budget::page);
		});
	}

	/** Per read: counts events and payload bytes; one event past the page tells that more exist. */
	private final class PageBudget {
		private final int limit;
		private int events;
		private long bytes;
		private boolean overBudget;

		PageBudget(int limit) {
			this.limit = limit;
		}

		boolean full(Event e) {
			events++;
			bytes += e.payload() == null ? 0 : e.payload().length;
			overBudget = bytes > MAX_PAGE_PAYLOAD_BYTES;
			return events > limit || overBudget;
		}

		Page page(List<Event> read) {
			if (read.isEmpty()) {
				return new Page(read, false);
			}
			if (read.size() > limit || (overBudget && read.size() > 1)) {
				return new Page(read.subList(0, read.size() - 1), true);
			}
			// more exist when events committed since the page was read
			return new Page(read, engine.lastPosition() > read.get(read.size() - 1).position());
		}
	}

	private record Page(List<Event> events, boolean more) {
	}

	/** {@code GET /api/changes/{cid}}: one change; 404 for an unknown or malformed id. */
	Mono<Void> change(Exchange x) {
		String cid = x.var("cid");
		ApiJson.Cid id = ApiJson.Cid.parse(cid);
		ApiException unknown = ApiException.notFound("no change " + Exchange.abbreviate(cid)
				+ " here; a change id is origin:originSeq");
		if (id == null) {
			return Mono.error(unknown);
		}
		return (x.user() == null ? engine.event(id.origin(), id.seq()) : engine.forUser(x.user()).event(id.origin(), id.seq()))
				.switchIfEmpty(Mono.error(unknown))
				.flatMap(e -> x.send(HttpResponseStatus.OK, ApiAnswers.change(e)));
	}
}
