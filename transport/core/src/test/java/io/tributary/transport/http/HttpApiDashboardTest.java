package io.tributary.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.tributary.SyncEngine;
import io.tributary.transport.http.TestClient.Response;

/** The dashboard's files: served from the jar without the token, only the known names, same-origin only. */
class HttpApiDashboardTest {

	private static final String TOKEN = "dash-s3cret";

	private final ApiFixture fixture = new ApiFixture();
	private TestClient anonymous;

	@BeforeEach
	void start() {
		SyncEngine engine = fixture.engine("node-a");
		anonymous = new TestClient(fixture.serve(HttpApi.builder(engine).token(TOKEN).build()));
	}

	@AfterEach
	void stop() {
		fixture.close();
	}

	@Test
	void pageScriptAndChartLibraryAreServedWithoutTheToken() {
		Response page = anonymous.get("/dashboard");
		assertEquals(200, page.status());
		assertTrue(page.headers().get("Content-Type").startsWith("text/html"), page.headers().toString());
		assertTrue(page.body().contains("type=\"password\"") && page.body().contains("/dashboard/lib/uPlot.iife.min.js"),
				page.body());
		String policy = page.headers().get("Content-Security-Policy");
		assertTrue(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"), policy);

		Response script = anonymous.get("/dashboard/dashboard.js");
		assertEquals(200, script.status());
		assertTrue(script.headers().get("Content-Type").startsWith("text/javascript"));
		assertTrue(script.body().contains("sessionStorage") && !script.body().contains("localStorage.setItem"),
				"the token is kept for the session only");

		Response chart = anonymous.get("/dashboard/lib/uPlot.iife.min.js");
		assertEquals(200, chart.status());
		assertTrue(chart.body().contains("uPlot"));
		assertEquals(200, anonymous.get("/dashboard/lib/uPlot.min.css").status());
		assertEquals(200, anonymous.get("/dashboard/dashboard.css").status());
		assertEquals(200, anonymous.get("/dashboard/favicon.svg").status());
	}

	@Test
	void otherNamesAreNotFoundAndTheDataStillNeedsTheToken() {
		for (String path : new String[] { "/dashboard/secret.txt", "/dashboard/lib/uPlot.esm.js",
				"/dashboard/..%2Fdashboard.js", "/dashboard/lib/..%2F..%2FMETA-INF%2FMANIFEST.MF" }) {
			Response r = anonymous.get(path);
			assertEquals(404, r.status(), path);
			assertEquals("not_found", r.error(), path);
		}
		assertEquals(401, anonymous.get("/api/stats").status());
		assertEquals(405, anonymous.withToken(TOKEN).post("/dashboard", "{}").status());
		assertEquals(200, anonymous.withToken(TOKEN).get("/api/help").status());
		assertTrue(anonymous.withToken(TOKEN).get("/api/help").body().contains("\"/dashboard\""));
	}
}
