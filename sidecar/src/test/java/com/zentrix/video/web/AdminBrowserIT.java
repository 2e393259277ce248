package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Browser;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The admin pages (audit log, retention policy) and the session page's hold / delete panel, in a real browser. */
class AdminBrowserIT extends BrowserTestBase {
    static final String A = "olena@meet.zentrix.local";
    static long s1;
    static long s2;
    static long s3;

    @BeforeAll
    static void start() throws Exception {
        sidecar = browserSidecar().start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, A, "olena-password");
        archive.user("ivan", Role.ADMIN, null, "ivan-password");
        s1 = archive.recordedSession("window-1", A, "Петро Іваненко", 2.0);
        s2 = archive.recordedSession("window-2", A, "Ганна Шевчук", 2.0);
        s3 = archive.recordedSession("window-3", A, "Марко Вовчок", 2.0);
        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        for (long s : List.of(s1, s2)) {
            assertEquals(200, olena.get("/api/v1/sessions/" + s).statusCode());
            assertEquals(201, olena.post("/api/v1/sessions/" + s + "/notes", "{\"body\":\"=1+1, нотатка\"}").statusCode());
        }
        browser = Browser.start();
    }

    @Override
    String evidencePrefix() {
        return "admin-";
    }

    /** The i18n key an element shows now (read in one step: the page may replace the element meanwhile). */
    String status(String css) {
        return (String) browser.js("var e = document.querySelector(arguments[0]); return e ? e.getAttribute('data-i18n') : null;", css);
    }

    @Test
    void anAdminFiltersTheAuditByActionAndExportsTheSameRowsAsCsv() {
        browser.logIn("ivan", "ivan-password");
        browser.visible("#nav-audit").click();
        browser.until(d -> "audit.count".equals(status("#audit-status")));
        browser.find("#audit-action").sendKeys("note_add");
        WebElement old = browser.find("#audit-table");
        browser.find("#audit-apply").click();
        browser.until(ExpectedConditions.stalenessOf(old));
        browser.until(d -> "audit.count".equals(status("#audit-status")));
        assertTrue(browser.driver().getCurrentUrl().contains("action=note_add"), "filters are kept in the address");

        List<String> actions = browser.all("#audit-rows tr .audit-action").stream().map(WebElement::getText).toList();
        assertEquals(2, actions.size(), "one row per note: " + actions);
        assertTrue(actions.stream().allMatch("note_add"::equals), actions.toString());
        assertEquals(2, sidecar.number("SELECT count(*) FROM audit WHERE action = 'note_add'"));
        assertEquals("#" + s2, browser.find("#audit-rows tr:first-child a").getText(), "newest first, linked to its session");
        assertTrue(browser.find("#audit-rows tr:first-child .audit-user").getText().contains("olena"));

        String href = browser.find("#audit-csv").getAttribute("href");
        assertTrue(href.contains("audit.csv?action=note_add"), href);
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) browser.jsAsync("var done = arguments[arguments.length - 1];"
                + "fetch(arguments[0], {credentials: 'same-origin'}).then(function (r) { return r.text().then(function (t) {"
                + " done({status: r.status, type: r.headers.get('content-type'), body: t}); }); }, function (e) { done({status: 0, body: String(e)}); });",
                href);
        assertEquals(200L, ((Number) r.get("status")).longValue(), String.valueOf(r.get("body")));
        assertTrue(String.valueOf(r.get("type")).startsWith("text/csv"), String.valueOf(r.get("type")));
        List<String> lines = Arrays.stream(((String) r.get("body")).split("\r\n")).filter(l -> !l.isBlank()).toList();
        assertTrue(lines.get(0).startsWith("id,at_ms,user_id,username,action,session_id"), lines.get(0));
        assertEquals(3, lines.size(), "header and the same two rows: " + lines);
        assertTrue(lines.stream().skip(1).allMatch(l -> l.contains(",olena,note_add,")), lines.toString());
    }

    @Test
    void anAdminChangesTheRetentionDefaultAndItStaysAfterAReload() {
        browser.logIn("ivan", "ivan-password");
        browser.visible("#nav-retention").click();
        WebElement days = browser.visible("#retention-default");
        assertEquals("365", days.getAttribute("value"));
        assertEquals("retention.source.config", status("#retention-source"));
        days.clear();
        days.sendKeys("120");
        browser.find("#retention-save").click();
        browser.until(d -> "retention.saved".equals(status("#retention-status")));
        assertEquals("retention.source.admin", status("#retention-source"));

        ApiClient ivan = new ApiClient(sidecar.baseUrl()).loggedIn("ivan", "ivan-password");
        JsonNode policy = ApiClient.json(ivan.get("/api/v1/retention"));
        assertEquals(120, policy.get("default_days").asInt());
        assertEquals("admin", policy.get("source").asText());
        assertEquals(1825, policy.get("sensitive_days").asInt(), "the other values are kept");

        browser.driver().navigate().refresh();
        assertEquals("120", browser.visible("#retention-default").getAttribute("value"), "persists after a reload");

        // a bad value is refused with a clear message, and nothing changes
        WebElement sensitive = browser.find("#retention-sensitive");
        sensitive.clear();
        sensitive.sendKeys("-5");
        browser.find("#retention-save").click();
        browser.until(d -> "retention.badDays".equals(status("#retention-error")));
        assertEquals(1825, ApiClient.json(ivan.get("/api/v1/retention")).get("sensitive_days").asInt());

        browser.find("#retention-reset").click();
        browser.until(d -> "retention.resetDone".equals(status("#retention-status")));
        assertEquals("365", browser.find("#retention-default").getAttribute("value"));
        assertEquals("config", ApiClient.json(ivan.get("/api/v1/retention")).get("source").asText());
    }

    @Test
    void anAdminPutsASessionOnLegalHoldWithAReasonAndDeletesAnother() {
        browser.logIn("ivan", "ivan-password");
        browser.driver().get(sidecar.baseUrl() + "/#/sessions/" + s2);
        browser.visible("#legal-hold-toggle").click();
        browser.visible("#admin-reason").sendKeys("судова справа 12/345");
        browser.find("#admin-reason-submit").click();
        browser.until(ExpectedConditions.textToBe(org.openqa.selenium.By.cssSelector("#legal-hold-state .hold-reason"), "судова справа 12/345"));
        assertEquals("hold.release", status("#legal-hold-toggle"));
        assertFalse(browser.find("#delete-recording").isEnabled(), "a held session cannot be deleted");
        assertEquals(1, sidecar.number("SELECT legal_hold FROM sessions WHERE id = ?", s2));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'legal_hold_set' AND session_id = ? AND detail LIKE ?",
                s2, "%12/345%"));
        browser.driver().navigate().refresh();
        assertEquals("судова справа 12/345", browser.visible("#legal-hold-state .hold-reason").getText(), "shown after a reload");

        browser.driver().get(sidecar.baseUrl() + "/#/sessions/" + s3);
        browser.visible("#delete-recording").click();
        browser.visible("#admin-reason").sendKeys("запит клієнта");
        browser.find("#admin-reason-submit").click();
        browser.visible("#admin-confirm").click();
        browser.visible("#deleted-state");
        assertTrue(browser.find("#deleted-state").getText().contains("запит клієнта"), browser.find("#deleted-state").getText());
        assertTrue(browser.all("#player").isEmpty(), "no player for a deleted recording");
        assertEquals(1, sidecar.number("SELECT count(*) FROM sessions WHERE id = ? AND status = 'deleted'", s3));
    }

    @Test
    void anOperatorSeesNoAdminLinksAndIsNotAllowedOnTheAdminPages() {
        browser.logIn("olena", "olena-password");
        assertFalse(browser.find("#nav-audit").isDisplayed());
        assertFalse(browser.find("#nav-retention").isDisplayed());
        browser.driver().get(sidecar.baseUrl() + "/#/admin/audit");
        browser.until(d -> "admin.forbidden.title".equals(status("main h1")));
        assertTrue(browser.all("#audit-table, #audit-csv").isEmpty(), "no audit data on the page");
        browser.driver().get(sidecar.baseUrl() + "/#/admin/retention");
        browser.until(d -> "admin.forbidden.title".equals(status("main h1")));
        browser.driver().get(sidecar.baseUrl() + "/#/sessions/" + s1);
        browser.visible("#notes");
        assertTrue(browser.all("#admin-actions").isEmpty(), "no hold or delete buttons for operators");
    }
}
