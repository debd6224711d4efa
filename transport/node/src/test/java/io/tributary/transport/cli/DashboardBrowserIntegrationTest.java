package io.tributary.transport.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.tributary.transport.http.ApiRoutes;
import io.tributary.transport.http.HttpApi;
import io.tributary.transport.node.SyncNode;
import io.tributary.transport.peer.Backoff;
import io.tributary.transport.peer.UserTokens;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static io.tributary.transport.cli.CliTesting.T;
import static io.tributary.transport.cli.CliTesting.awaitJson;
import static io.tributary.transport.cli.CliTesting.getJson;
import static io.tributary.transport.cli.CliTesting.http;
import static io.tributary.transport.cli.CliTesting.postChanges;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dashboard ({@code /dashboard}) of a node running as its own process, in a real headless Chromium driven
 * through the system's chromedriver: a person types the token and watches the node. Without Chromium the tests are
 * skipped with the packages to install, and fail where {@code CI=true}. With the system property
 * {@code tributary.dashboard.screenshot} set to a file, the peer's test ends by writing a screenshot of the page
 * under a little load there (the docs' docs/images/dashboard.png).
 */
class DashboardBrowserIntegrationTest {

	private static final String TOKEN = "dashboard-it-token";
	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
	private static final String PACKAGES = "apt-get install chromium chromium-driver";

	@TempDir
	Path dir;

	private final List<NodeProcess> children = new ArrayList<>();
	private final List<SyncNode> nodes = new ArrayList<>();
	private WebDriver browser;
	private WebDriverWait wait;

	@BeforeEach
	void browserIsThere() {
		boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
		if (!present && "true".equals(System.getenv("CI"))) {
			fail("the browser tests need Chromium and its driver (" + CHROMIUM + ", " + CHROMEDRIVER + "): " + PACKAGES);
		}
		Assumptions.assumeTrue(present, "skipped: no Chromium here; to run the dashboard's browser tests: " + PACKAGES);
	}

	@AfterEach
	void stop() throws InterruptedException {
		if (browser != null) {
			browser.quit();
		}
		for (NodeProcess p : children) {
			p.close();
		}
		for (SyncNode n : nodes) {
			n.close(Duration.ofSeconds(5)).block(T);
		}
	}

	@Test
	void wrongTokenIsAskedForAgainThenTheNodeAndItsCountsShowLiveForTheSession() throws Exception {
		int port = edge(List.of());
		open(port);
		signIn("not-the-token");
		waitFor(d -> d.findElement(By.id("login-message")).getText().contains("refused"));
		assertTrue(browser.findElement(By.id("login")).isDisplayed(), "asked again");
		assertFalse(browser.findElement(By.id("board")).isDisplayed());
		List<String> refused = severeConsoleEntries();
		assertTrue(refused.stream().allMatch(e -> e.contains("401")), "only the refusal: " + refused);

		signIn(TOKEN);
		waitFor(d -> "edge".equals(d.findElement(By.id("node-id")).getText()));
		assertEquals("live", browser.findElement(By.id("status")).getText());
		assertEquals("0", text("total-events"));
		assertTrue(browser.findElement(By.id("no-peers")).isDisplayed(), "no peers is said");

		assertEquals(5, postChanges(port, TOKEN, "a", 5));
		waitFor(d -> "5".equals(text("total-events")));
		assertEquals(7, postChanges(port, TOKEN, "b", 7));
		waitFor(d -> "12".equals(text("total-events")));
		waitFor(d -> d.findElement(By.id("vector")).getText().matches("(?s).*edge\\s+12.*"));
		waitFor(d -> !d.findElements(By.cssSelector("#signals li")).isEmpty());
		waitFor(d -> text("hash").matches("[0-9a-f]{64}"));

		assertFalse(browser.getCurrentUrl().contains(TOKEN), browser.getCurrentUrl());
		assertEquals(0L, script("return window.localStorage.length"), "nothing in localStorage");
		assertEquals("", script("return document.cookie"), "no cookie");
		assertEquals(TOKEN, script("return window.sessionStorage.getItem('tributary.dashboard.token')"));

		browser.navigate().refresh();
		waitFor(d -> "edge".equals(d.findElement(By.id("node-id")).getText()) && "12".equals(text("total-events")));
		assertFalse(browser.findElement(By.id("login")).isDisplayed(), "the session kept the token");
		assertEquals(3, postChanges(port, TOKEN, "c", 3));
		waitFor(d -> "15".equals(text("total-events")));
		assertEquals(List.of(), severeConsoleEntries(), "no console errors");
	}

	@Test
	void aStoppedNodeIsSaidToBeUnreachableAndThePageGoesOnWhenItIsBack() throws Exception {
		int port = edge(List.of());
		open(port);
		signIn(TOKEN);
		waitFor(d -> "edge".equals(text("node-id")) && "live".equals(text("status")));
		assertEquals(3, postChanges(port, TOKEN, "before", 3));
		waitFor(d -> "3".equals(text("total-events")));

		assertEquals(0, children.get(0).terminate());
		waitFor(d -> "node unreachable: retrying".equals(text("status")));
		assertEquals("3", text("total-events"), "what the page showed stays");
		assertFalse(browser.findElement(By.id("login")).isDisplayed(), "no token asked for: the node is away");

		assertEquals(port, edge(port, List.of()));
		waitFor(d -> "live".equals(text("status")));
		assertEquals(2, postChanges(port, TOKEN, "after", 2));
		waitFor(d -> "5".equals(text("total-events")));
		waitFor(d -> d.findElement(By.id("vector")).getText().matches("(?s).*edge\\s+5.*"));
	}

	@Test
	void peersLagRisesWhileItIsStoppedAndFallsAfterItReturns() throws Exception {
		SyncNode peer = inJvm("peer", 0, null);
		int peerPort = peer.peerPort();
		String address = "127.0.0.1:" + peerPort;
		int port = edge(List.of("--peer", address));
		open(port);
		signIn(TOKEN);
		By lag = By.cssSelector("#peers tr[data-peer='" + address + "'] td.lag");
		waitFor(d -> !d.findElements(lag).isEmpty() && "0".equals(d.findElement(lag).getText())
				&& d.findElement(By.id("peers")).getText().contains("connected"));
		assertFalse(browser.findElement(By.id("no-peers")).isDisplayed());

		peer.close(Duration.ofSeconds(5)).block(T);
		nodes.remove(peer);
		waitFor(d -> d.findElement(By.id("peers")).getText().contains("disconnected"));
		assertEquals(10, postChanges(port, TOKEN, "while-away", 10));
		waitFor(d -> "10".equals(d.findElement(lag).getText()));
		assertEquals(4, postChanges(port, TOKEN, "still-away", 4));
		waitFor(d -> "14".equals(d.findElement(lag).getText()));

		SyncNode back = inJvm("peer", peerPort, dir.resolve("peer"));
		waitFor(d -> "0".equals(d.findElement(lag).getText()));
		awaitJson(back.httpPort(), TOKEN, "/api/stats", s -> s.path("vector").path("edge").asLong() == 14);
		assertEquals(List.of(), severeConsoleEntries(), "no console errors");

		String screenshot = System.getProperty("tributary.dashboard.screenshot");
		if (screenshot != null && !screenshot.isBlank()) {
			post(back.httpPort(), "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"from-peer\","
					+ "\"data\":{}}");
			waitFor(d -> "15".equals(text("total-events")));
			screenshotUnderLoad(port, 15, Path.of(screenshot));
		}
	}

	@Test
	void deadLetterIsReplayedFromThePage() throws Exception {
		SyncNode hub = inJvm("hub", 0, null);
		int port = edge(List.of("--upstream", "127.0.0.1:" + hub.peerPort(), "--upstream-token", "alice-token"));
		open(port);
		signIn(TOKEN);
		waitFor(d -> d.findElement(By.id("no-dead-letters")).isDisplayed());
		post(port, "{\"entityType\":\"todo\",\"operation\":\"create\",\"entityId\":\"b1\",\"data\":{\"n\":1},"
				+ "\"userId\":\"bob\"}");
		post(port, "/api/sync/outsync", "");
		By row = By.cssSelector("#dead-letters tr[data-id='edge:1']");
		waitFor(d -> !d.findElements(row).isEmpty());
		assertTrue(browser.findElement(row).getText().contains("FORBIDDEN"), browser.findElement(row).getText());

		browser.findElement(row).findElement(By.cssSelector("button.replay")).click();
		waitFor(d -> text("dead-letter-message").equals("Replayed edge:1 as edge:2."));
		waitFor(d -> d.findElements(row).isEmpty() && d.findElement(By.id("no-dead-letters")).isDisplayed());
		JsonNode letters = getJson(port, TOKEN, "/api/dead-letters");
		assertEquals(0, letters.path("count").asInt(), letters.toString());
		JsonNode replayed = getJson(port, TOKEN, "/api/changes/edge:2");
		assertEquals("b1", replayed.path("entityId").asText(), replayed.toString());
		assertEquals(List.of(), severeConsoleEntries(), "no console errors");
	}

	@Test
	void dashboardOfAnApiMountedUnderAPrefixReadsTheApiUnderThePrefix() throws Exception {
		SyncNode node = inJvm("edge", 0, null);
		ApiRoutes api = HttpApi.builder(node.engine()).token(TOKEN).build().routes("/ops/sync");
		DisposableServer host = HttpServer.create().host("127.0.0.1").port(0).route(api).bindNow();
		host.onDispose(api);
		try {
			open(host.port(), "/ops/sync/dashboard");
			signIn(TOKEN);
			waitFor(d -> "edge".equals(text("node-id")) && "live".equals(text("status")));
			for (int i = 0; i < 4; i++) {
				node.engine().put("todo", "t" + i, "{\"n\":" + i + "}").block(T);
			}
			waitFor(d -> "4".equals(text("total-events")));
			waitFor(d -> text("hash").matches("[0-9a-f]{64}"));
			assertEquals(List.of(), severeConsoleEntries(), "no console errors: every file and call under the prefix");
		}
		finally {
			host.disposeNow();
		}
	}

	// --- the nodes

	/** Starts the node under test as its own process, {@code edge}, with users alice and bob; its HTTP port. */
	private int edge(List<String> more) throws Exception {
		return edge(0, more);
	}

	/** Starts the node under test on an HTTP port, 0 for any free one; its HTTP port. */
	private int edge(int httpPort, List<String> more) throws Exception {
		List<String> args = new ArrayList<>(List.of("--data", dir.resolve("edge").toString(), "--http-port",
				Integer.toString(httpPort),
				"--peer-port", "0", "--token", TOKEN, "--node-id", "edge", "--user-token",
				"alice-token=alice,bob-token=bob"));
		args.addAll(more);
		NodeProcess p = NodeProcess.start(dir.resolve("edge-" + children.size() + ".err"), Map.of(),
				args.toArray(new String[0]));
		children.add(p);
		return p.awaitHttpPort();
	}

	/** A node in this JVM whose upstream sessions accept alice's token for alice's events only. */
	private SyncNode inJvm(String id, int peerPort, Path data) {
		SyncNode node = SyncNode.builder().dataDir(data != null ? data : dir.resolve(id)).nodeId(id).httpPort(0)
				.peerPort(peerPort).token(TOKEN).users(UserTokens.of(Map.of("alice-token", "alice")))
				.backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), 0.5)).start().block(T);
		nodes.add(node);
		return node;
	}

	private static void post(int port, String body) {
		post(port, "/api/changes", body);
	}

	private static void post(int port, String path, String body) {
		int status = http(port, TOKEN).headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
				.post().uri(path).send(body.isEmpty() ? Mono.empty() : ByteBufFlux.fromString(Mono.just(body)))
				.response().map(res -> res.status().code()).block(T);
		assertTrue(status == 200 || status == 201, path + " answered " + status);
	}

	// --- the browser

	private void open(int port) {
		open(port, "/dashboard");
	}

	private void open(int port, String page) {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--window-size=1280,1400", "--user-data-dir=" + dir.resolve("chromium-profile"));
		LoggingPreferences logs = new LoggingPreferences();
		logs.enable(LogType.BROWSER, Level.ALL);
		options.setCapability("goog:loggingPrefs", logs);
		// the system's driver: Selenium Manager is never asked to find or download one
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
				.usingAnyFreePort().build();
		browser = new ChromeDriver(service, options);
		// the page rebuilds its tables as new figures arrive: an element read between two rebuilds is read again
		wait = new WebDriverWait(browser, T);
		wait.ignoring(StaleElementReferenceException.class);
		browser.get("http://127.0.0.1:" + port + page);
		waitFor(d -> d.findElement(By.id("token")).isDisplayed());
	}

	/** Types the token into the password field and submits, as a person would. */
	private void signIn(String token) {
		WebElement field = browser.findElement(By.id("token"));
		assertEquals("password", field.getAttribute("type"));
		field.clear();
		field.sendKeys(token);
		browser.findElement(By.id("sign-in")).click();
	}

	private String text(String id) {
		return browser.findElement(By.id(id)).getText();
	}

	private Object script(String js) {
		return ((JavascriptExecutor) browser).executeScript(js);
	}

	private void waitFor(Function<WebDriver, Boolean> condition) {
		wait.until(condition);
	}

	/** The console's errors since the last call. */
	private List<String> severeConsoleEntries() {
		List<String> severe = new ArrayList<>();
		for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
			if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
				severe.add(e.getMessage());
			}
		}
		return severe;
	}

	/** Writes in small batches for a few seconds, so that the chart has a shape, then takes the screenshot. */
	private void screenshotUnderLoad(int port, int before, Path target) throws Exception {
		if (target.getParent() != null) {
			Files.createDirectories(target.getParent());
		}
		int total = before;
		for (int second = 0; second < 20; second++) {
			int n = 5 + (second * 7) % 13;
			total += postChanges(port, TOKEN, "load" + second + "-", n);
			String expected = Integer.toString(total);
			// one batch a second, paced by the page showing the last one
			new WebDriverWait(browser, Duration.ofSeconds(5)).ignoring(StaleElementReferenceException.class)
					.until(d -> expected.equals(text("total-events")));
			// the next batch in the page's next second
			Object shownIn = script("return Math.floor(Date.now() / 1000)");
			new WebDriverWait(browser, Duration.ofSeconds(3)).pollingEvery(Duration.ofMillis(50))
					.until(d -> !shownIn.equals(script("return Math.floor(Date.now() / 1000)")));
		}
		Path png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
		Files.copy(png, target, StandardCopyOption.REPLACE_EXISTING);
	}
}
