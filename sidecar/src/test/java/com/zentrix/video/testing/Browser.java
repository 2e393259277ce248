package com.zentrix.video.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its own chromedriver (both from apt: nothing is downloaded),
 * with a fresh profile per browser. Waits are explicit (WebDriverWait), never sleeps.
 */
public final class Browser implements AutoCloseable {
    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(50);

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Browser start() {
        for (String f : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!new File(f).canExecute()) throw new IllegalStateException(f + " is missing: apt-get install chromium chromium-driver");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("zv-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-sync", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // An explicit driver path means Selenium Manager is never asked to find (or fetch) one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, options), profile);
    }

    public WebDriver driver() {
        return driver;
    }

    /**
     * Opens {@code base + "/"} as a first-time visitor: no cookies, nothing in localStorage. (The
     * clearing happens on a plain JSON page of the same origin, so no UI is running meanwhile.)
     */
    public void fresh(String base) {
        driver.get(base + "/api/v1/health");
        driver.manage().deleteAllCookies();
        js("try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}");
        driver.get(base + "/");
    }

    /** Emulates a screen this many CSS pixels wide (a phone at 360), or the desktop default (null). */
    public void viewport(Integer width, Integer height) {
        if (width == null) {
            driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        } else {
            driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", true));
        }
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Runs a script that ends by calling its last argument (the callback) with a result. */
    public Object jsAsync(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    public <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, POLL).until(condition);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits for a visible element. */
    public WebElement visible(String css) {
        return until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    /** Saves what the browser shows now as a PNG (for the test report). */
    public Path screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** After a test: a screenshot of its last page in target/browser-screenshots/{name}.png, and the console in the log. */
    public void keepEvidence(String name) {
        screenshot(Path.of("target", "browser-screenshots", name + ".png"));
        String log = console();
        if (!log.isBlank()) System.out.println("browser console during " + name + ":\n" + log);
    }

    /** The browser console since the last call (for a failing test's report). */
    public String console() {
        StringBuilder sb = new StringBuilder();
        try {
            driver.manage().logs().get(LogType.BROWSER).forEach(e -> sb.append(e.getLevel()).append(' ').append(e.getMessage()).append('\n'));
        } catch (RuntimeException e) {
            sb.append("(console not available: ").append(e.getMessage()).append(")");
        }
        return sb.toString();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> walk = Files.walk(profile)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp folder left behind is harmless
            }
        }
    }
}
