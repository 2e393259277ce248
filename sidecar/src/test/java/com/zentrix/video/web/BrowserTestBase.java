package com.zentrix.video.web;

import com.zentrix.video.testing.Browser;
import com.zentrix.video.testing.Sidecar;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every browser test shares: a sidecar in a temp folder (no recorder, cookies over plain http) that
 * the test class starts in its {@code @BeforeAll}, one Chromium for the class, a fresh visit before each
 * test (default viewport, no cookies), the screenshot and console kept after it, and the login form.
 */
abstract class BrowserTestBase {
    @TempDir static Path dir;
    static Sidecar sidecar;
    static Browser browser;

    /** The sidecar every browser test starts from; the class adds its own settings before start(). */
    static Sidecar.Builder browserSidecar() {
        return Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false);
    }

    @AfterAll
    static void stopBrowserAndSidecar() {
        if (browser != null) browser.close();
        if (sidecar != null) sidecar.close();
        browser = null;
        sidecar = null;
    }

    @BeforeEach
    void firstVisit() {
        browser.viewport(null, null);
        browser.fresh(sidecar.baseUrl());
    }

    /** Leaves a screenshot of each test's last page in target/browser-screenshots/, and the console in the log. */
    @AfterEach
    void keepEvidence(TestInfo test) {
        browser.keepEvidence(evidencePrefix() + test.getTestMethod().orElseThrow().getName());
    }

    /** Names this class's screenshots apart from the others'. */
    abstract String evidencePrefix();

    /** Fills and sends the login form; the caller waits for the page it expects. */
    void submitLogin(String user, String password) {
        browser.visible("#login-username").sendKeys(user);
        browser.find("#login-password").sendKeys(password);
        browser.find("#login-submit").click();
    }
}
