package io.tributary.transport.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The live dashboard's files: the page ({@code GET /dashboard}), its script and style
 * ({@code GET /dashboard/{file}}) and the chart library uPlot from its WebJar ({@code GET /dashboard/lib/{file}}).
 * Every file ships inside the jar and is read once, on the first request: the page works with no internet.
 * The files are open (they hold no data); the page asks for the token and sends it on every API request in the
 * {@code Authorization} header, never in a URL. The route table and its documentation are in {@link Endpoints}.
 */
final class DashboardEndpoints {

	/** The folder of the page's own files on the class path. */
	private static final String FILES = "io/tributary/transport/http/dashboard/";

	/** The WebJar's version file, which names the folder its files are in. */
	private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

	/**
	 * Only the page's own origin: no inline script, no other host, no frames; the page reaches the API with
	 * {@code fetch} on the same origin.
	 */
	private static final String JAVASCRIPT = "text/javascript; charset=utf-8";
	private static final String CSS = "text/css; charset=utf-8";

	private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
			+ "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

	/** The page's files, read from the class path once, on first request, off the event loop. */
	private final Mono<Files> files;

	/** @param prefix the path the API is mounted under, which the page's links to its files start with */
	DashboardEndpoints(String prefix) {
		this.files = Mono.fromCallable(() -> Files.load(prefix))
				// class path resources are read from the jar with blocking file reads
				.subscribeOn(Schedulers.boundedElastic())
				.cache();
	}

	/** {@code GET /dashboard}: the page. */
	Mono<Void> page(Exchange x) {
		return files.flatMap(f -> send(x, f.page()));
	}

	/** {@code GET /dashboard/{file}}: the page's script, style or icon; 404 for any other name. */
	Mono<Void> file(Exchange x) {
		return files.flatMap(f -> send(x, find(f.own(), x.var("file"), "/dashboard/")));
	}

	/** {@code GET /dashboard/lib/{file}}: the chart library's script or style; 404 for any other name. */
	Mono<Void> lib(Exchange x) {
		return files.flatMap(f -> send(x, find(f.lib(), x.var("file"), "/dashboard/lib/")));
	}

	private static StaticFile find(Map<String, StaticFile> in, String name, String folder) {
		StaticFile f = in.get(name);
		if (f == null) {
			throw ApiException.notFound("no file " + folder + Exchange.abbreviate(name) + "; the dashboard is at "
					+ "/dashboard");
		}
		return f;
	}

	private static Mono<Void> send(Exchange x, StaticFile f) {
		return x.response().status(HttpResponseStatus.OK)
				.header(HttpHeaderNames.CONTENT_TYPE, f.contentType())
				.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(f.body().length))
				// the files change with the jar: the browser asks again rather than keep an old script
				.header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
				.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
				.header("X-Content-Type-Options", "nosniff")
				.header("Referrer-Policy", "no-referrer")
				.sendByteArray(Mono.just(f.body()))
				.then();
	}

	private static String webJarVersion(ClassLoader loader) {
		Properties p = new Properties();
		try (InputStream in = loader.getResourceAsStream(UPLOT_POM)) {
			if (in == null) {
				throw new IllegalStateException("the uPlot WebJar (org.webjars.npm:uplot) is not on the class path: "
						+ UPLOT_POM + " is missing");
			}
			p.load(in);
		}
		catch (IOException e) {
			throw new UncheckedIOException("reading " + UPLOT_POM + " failed", e);
		}
		return p.getProperty("version");
	}

	private static StaticFile load(ClassLoader loader, String path, String contentType) {
		try (InputStream in = loader.getResourceAsStream(path)) {
			if (in == null) {
				throw new IllegalStateException("the dashboard's file " + path + " is not on the class path");
			}
			return new StaticFile(in.readAllBytes(), contentType);
		}
		catch (IOException e) {
			throw new UncheckedIOException("reading the dashboard's file " + path + " failed", e);
		}
	}

	/** The page, its own files and the chart library's, by name. */
	private record Files(StaticFile page, Map<String, StaticFile> own, Map<String, StaticFile> lib) {

		static Files load(String prefix) {
			ClassLoader loader = DashboardEndpoints.class.getClassLoader();
			String uplot = "META-INF/resources/webjars/uplot/" + webJarVersion(loader) + "/dist/";
			StaticFile page = DashboardEndpoints.load(loader, FILES + "index.html", "text/html; charset=utf-8");
			if (!prefix.isEmpty()) {
				// the page names its files from the root: under a prefix, from the prefix (the script finds the
				// API's paths from the page's own address)
				page = new StaticFile(new String(page.body(), StandardCharsets.UTF_8)
						.replace("\"/dashboard/", "\"" + prefix + "/dashboard/").getBytes(StandardCharsets.UTF_8),
						page.contentType());
			}
			return new Files(page,
					Map.of("dashboard.js", DashboardEndpoints.load(loader, FILES + "dashboard.js", JAVASCRIPT),
							"dashboard.css", DashboardEndpoints.load(loader, FILES + "dashboard.css", CSS),
							"favicon.svg", DashboardEndpoints.load(loader, FILES + "favicon.svg", "image/svg+xml")),
					Map.of("uPlot.iife.min.js", DashboardEndpoints.load(loader, uplot + "uPlot.iife.min.js", JAVASCRIPT),
							"uPlot.min.css", DashboardEndpoints.load(loader, uplot + "uPlot.min.css", CSS)));
		}
	}

	/** A file's bytes and media type. */
	private record StaticFile(byte[] body, String contentType) {
	}
}
