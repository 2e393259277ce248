package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Browser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The archive UI in a real browser (Debian's Chromium via chromedriver) against the real sidecar,
 * served under the base path /recordings, with real recordings made by ffmpeg.
 */
class ArchiveBrowserIT extends BrowserTestBase {
    static final String A = "olena@meet.zentrix.local";
    static final String B = "taras@meet.zentrix.local";
    static final String BASE_PATH = "/recordings";
    static long a1;
    static long a2;
    static long a3;
    static long b1;

    @BeforeAll
    static void start() throws Exception {
        sidecar = browserSidecar().set("zentrix.http.base-path", BASE_PATH).start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, A, "olena-password");
        archive.user("taras", Role.OPERATOR, B, "taras-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        a1 = archive.recordedSession("window-1", A, "Петро Іваненко", 8.0);
        a2 = archive.recordedSession("window-1", A, "Ганна Шевчук", 3.0);
        a3 = archive.recordedSession("window-4", A, "Марко Вовчок", 2.0);
        b1 = archive.recordedSession("window-2", B, "Остап Вишня", 2.0);
        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        assertEquals(201, olena.post("/api/v1/sessions/" + a1 + "/notes", "{\"body\":\"Клієнт показав довідку\",\"at_ms\":5000}").statusCode());
        browser = Browser.start();
    }

    @Override
    String evidencePrefix() {
        return "";
    }

    void logIn(String user, String password) {
        submitLogin(user, password);
        listLoaded();
    }

    void listLoaded() {
        browser.until(d -> {
            String key = d.findElements(By.cssSelector("#list-status")).stream()
                    .map(e -> e.getAttribute("data-i18n")).findFirst().orElse("");
            return Set.of("list.count", "list.empty", "list.noMatch", "review.empty").contains(key);
        });
    }

    Set<Long> cardIds() {
        Set<Long> ids = new HashSet<>();
        for (WebElement card : browser.all("#session-list li.card")) ids.add(Long.parseLong(card.getAttribute("data-session-id")));
        return ids;
    }

    void openSession(long id) {
        browser.find("li.card[data-session-id='" + id + "'] a.card-link").click();
        browser.visible("#notes");
    }

    double currentTime() {
        return ((Number) browser.js("return document.getElementById('player').currentTime;")).doubleValue();
    }

    @Test
    void operatorASeesOnlyHerOwnSessions() {
        logIn("olena", "olena-password");
        assertEquals(Set.of(a1, a2, a3), cardIds());
        String page = browser.find("main").getText();
        assertTrue(page.contains("Петро Іваненко") && page.contains("window-1"), page);
        assertFalse(page.contains("Остап Вишня"), "operator B's client must not appear");
        assertTrue(page.contains("записано"), "status label in Ukrainian: " + page);
        assertFalse(browser.find("#nav-review").isDisplayed(), "operators have no review queue");
        assertTrue(browser.driver().getCurrentUrl().startsWith(sidecar.baseUrl() + "/"), "served under " + BASE_PATH);

        browser.driver().get(sidecar.baseUrl() + "/#/sessions/" + b1);
        browser.until(ExpectedConditions.textToBe(By.cssSelector("main h1"), "Сесію не знайдено"));
        assertFalse(browser.find("main").getText().contains("Остап Вишня"), "not even by typing its address");

        browser.find("#logout").click();
        browser.visible("#login-username");
        browser.driver().navigate().refresh();
        browser.visible("#login-username");
        assertTrue(browser.all("#session-list").isEmpty(), "logged out for good");
    }

    @Test
    void filtersSortingAndLoadMoreWork() {
        logIn("olena", "olena-password");
        browser.driver().get(sidecar.baseUrl() + "/#/?limit=2");
        browser.until(d -> browser.all("#session-list li.card").size() == 2 && browser.find("#load-more").isDisplayed());
        browser.find("#load-more").click();
        browser.until(d -> browser.all("#session-list li.card").size() == 3 && !browser.find("#load-more").isDisplayed());
        assertEquals(Set.of(a1, a2, a3), cardIds(), "each session once over the pages");

        browser.find("#filter-q").sendKeys("Іваненко");
        applyFilters();
        assertEquals(Set.of(a1), cardIds(), "free text finds the client's name");
        assertTrue(browser.driver().getCurrentUrl().contains("q="), "filters are kept in the address");

        browser.find("#filter-q").clear();
        new Select(browser.find("#filter-sort")).selectByValue("duration");
        new Select(browser.find("#filter-order")).selectByValue("asc");
        applyFilters();
        assertEquals(List.of(a3, a2, a1), cardOrder(), "shortest first");

        new Select(browser.find("#filter-status")).selectByValue("technical_error");
        applyFilters();
        assertEquals("list.noMatch", browser.find("#list-status").getAttribute("data-i18n"));
        assertEquals(List.of(), cardOrder());
    }

    void applyFilters() {
        WebElement old = browser.find("#session-list");
        browser.find("#filter-apply").click();
        browser.until(ExpectedConditions.stalenessOf(old));
        listLoaded();
    }

    List<Long> cardOrder() {
        return browser.all("#session-list li.card").stream().map(e -> Long.parseLong(e.getAttribute("data-session-id"))).toList();
    }

    @Test
    void anOperatorEditsAndDeletesHerOwnNoteButNotOthers() {
        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        long mine = ApiClient.json(olena.post("/api/v1/sessions/" + a1 + "/notes", "{\"body\":\"Чернетка нотатки\"}")).get("id").asLong();
        ApiClient sofia = new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
        long theirs = ApiClient.json(sofia.post("/api/v1/sessions/" + a1 + "/notes", "{\"body\":\"Коментар супервізора\"}")).get("id").asLong();

        logIn("olena", "olena-password");
        openSession(a1);
        String other = "li.note[data-note-id='" + theirs + "']";
        assertEquals("Коментар супервізора", browser.find(other + " .note-body").getText());
        assertTrue(browser.all(other + " .note-edit, " + other + " .note-delete").isEmpty(), "no buttons on someone else's note");

        String own = "li.note[data-note-id='" + mine + "']";
        browser.find(own + " .note-edit").click();
        WebElement area = browser.visible("#note-edit-" + mine);
        area.clear();
        area.sendKeys("Виправлена нотатка");
        browser.find(own + " button[type='submit']").click();
        browser.until(ExpectedConditions.textToBe(By.cssSelector(own + " .note-body"), "Виправлена нотатка"));
        assertEquals("Виправлена нотатка", sidecar.db().withHandle(h -> h.createQuery("SELECT body FROM notes WHERE id = :n")
                .bind("n", mine).mapTo(String.class).one()));

        browser.find(own + " .note-delete").click();
        browser.visible(own + " .note-delete-confirm").click();
        browser.until(d -> browser.all(own).isEmpty());
        assertEquals(0, sidecar.number("SELECT count(*) FROM notes WHERE id = ?", mine));
        assertEquals(1, sidecar.number("SELECT count(*) FROM notes WHERE id = ?", theirs));
    }

    @Test
    void playingTheRecordingAndClickingANoteSeeksThePlayer() {
        logIn("olena", "olena-password");
        openSession(a1);
        WebElement video = browser.visible("#player");
        Object played = browser.jsAsync("var done = arguments[arguments.length - 1]; var v = arguments[0]; v.muted = true;"
                + "v.play().then(function () { done('playing'); }, function (e) { done(String(e)); });", video);
        assertEquals("playing", played);
        browser.until(d -> currentTime() > 0.3);
        browser.js("arguments[0].pause();", video);

        WebElement note = browser.find(".note-seek[data-at-ms='5000']");
        assertTrue(note.getText().contains("0:05") && note.getText().contains("Клієнт показав довідку"), note.getText());
        note.click();
        browser.until(d -> Math.abs(currentTime() - 5.0) <= 0.5
                && Boolean.FALSE.equals(browser.js("return document.getElementById('player').seeking;")));
        assertEquals(5.0, currentTime(), 0.5);
    }

    @Test
    void aNoteAtTheCurrentMomentAndAFlagBothStayAfterAReload() {
        logIn("olena", "olena-password");
        openSession(a2);
        WebElement video = browser.visible("#player");
        browser.until(d -> ((Number) browser.js("return arguments[0].readyState;", video)).intValue() >= 1);
        browser.js("arguments[0].currentTime = 1.5;", video);
        browser.until(ExpectedConditions.textToBe(By.id("note-at-time"), "0:01"));
        assertTrue(browser.find("#note-at-now").isSelected(), "notes are pinned to the current moment by default");
        browser.find("#note-new").sendKeys("Клієнт просив копію рішення");
        browser.find("#note-add").click();
        browser.until(d -> !browser.all("#note-list .note-seek").isEmpty());
        browser.find("#flag-sensitive").click();
        // A sensitive session opens only with a reason (which the audit keeps): the page asks for one.
        browser.visible("#access-reason").sendKeys("перевірка позначки");
        browser.find("#reason-submit").click();
        browser.until(d -> browser.all("#flags .flag-meta").stream().anyMatch(e -> e.getText().contains("olena")));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'view' AND session_id = ? AND detail LIKE ?",
                a2, "%перевірка позначки%"), "the reason is in the audit trail");

        // The reason went in a POST body and serves this login: a reload opens the page without asking
        // again, still audited with it, and no URL the page requests carries it (URLs reach server logs).
        String viewsWithReason = "SELECT count(*) FROM audit WHERE action = 'view' AND session_id = ? AND detail LIKE ?";
        long viewsBefore = sidecar.number(viewsWithReason, a2, "%перевірка позначки%");
        browser.driver().navigate().refresh();
        browser.visible("#notes");
        assertTrue(browser.all("#access-reason").isEmpty(), "no second reason within the same login");
        String src = browser.visible("#player").getAttribute("src");
        assertFalse(src.contains("reason") || src.contains("%D0"), src);
        browser.until(d -> sidecar.number(viewsWithReason, a2, "%перевірка позначки%") > viewsBefore);
        WebElement note = browser.visible("#note-list .note-seek");
        assertEquals("1500", note.getAttribute("data-at-ms"));
        assertTrue(note.getText().contains("Клієнт просив копію рішення"), note.getText());
        assertTrue(note.getText().contains("0:01"), note.getText());
        assertTrue(browser.find("#flag-sensitive").isSelected(), "the flag is still set after a reload");
        assertFalse(browser.find("#flag-needs_review").isSelected());
        assertEquals(1, sidecar.number("SELECT sensitive FROM sessions WHERE id = ?", a2));
        assertEquals(1500, sidecar.number("SELECT at_ms FROM notes WHERE session_id = ?", a2));
    }

    @Test
    void aNoteWithAScriptTagIsShownAsTextAndNeverRuns() {
        String hostile = "<script>window.zvPwned = 1; alert('x')</script><img src=x onerror=\"window.zvPwned = 2\"> <b>bold?</b>";
        logIn("olena", "olena-password");
        openSession(a3);
        browser.find("#note-at-now").click(); // a note without a moment
        browser.find("#note-new").sendKeys(hostile);
        browser.find("#note-add").click();
        browser.until(d -> !browser.all("#note-list .note-text").isEmpty());
        for (int round = 0; round < 2; round++) {
            assertThrows(NoAlertPresentException.class, () -> browser.driver().switchTo().alert(), "no alert was opened");
            assertEquals(hostile, browser.find("#note-list .note-body").getText());
            assertEquals(0L, browser.js("return document.querySelectorAll('#note-list script, #note-list img, #note-list b').length;"));
            assertEquals(true, browser.js("return typeof window.zvPwned === 'undefined';"), "no injected code ran");
            browser.driver().navigate().refresh();
            browser.visible("#note-list .note-text");
        }
    }

    @Test
    void aSupervisorSeesEverySessionAndWorksTheReviewQueue() {
        ApiClient taras = new ApiClient(sidecar.baseUrl()).loggedIn("taras", "taras-password");
        assertEquals(200, taras.put("/api/v1/sessions/" + b1 + "/flags", "{\"needs_review\":true}").statusCode());

        logIn("sofia", "sofia-password");
        assertTrue(cardIds().containsAll(Set.of(a1, a2, a3, b1)), "a supervisor sees every operator's sessions: " + cardIds());
        browser.visible("#nav-review").click();
        listLoaded();
        assertTrue(cardIds().contains(b1), "the flagged session waits in the queue");
        WebElement card = browser.find("li.card[data-session-id='" + b1 + "']");
        card.findElement(By.cssSelector(".mark-reviewed")).click();
        browser.until(ExpectedConditions.stalenessOf(card));
        assertFalse(cardIds().contains(b1));
        assertEquals(0, sidecar.number("SELECT needs_review FROM sessions WHERE id = ?", b1));
        assertEquals("sofia", sidecar.db().withHandle(h -> h.createQuery(
                "SELECT u.username FROM sessions s JOIN users u ON u.id = s.reviewed_by WHERE s.id = :s").bind("s", b1)
                .mapTo(String.class).one()));

        browser.driver().navigate().refresh();
        listLoaded();
        assertFalse(cardIds().contains(b1), "still reviewed after a reload");
    }

    @Test
    void ukrainianByDefaultEnglishOnRequestAndTheChoiceIsRemembered() {
        assertEquals("Увійти", browser.visible("#login-submit").getText());
        assertEquals("Ім'я користувача", browser.find("label[for='login-username']").getText());
        assertEquals("Обліковий запис Jitsi", browser.find("#login-method-jitsi + span").getText());
        assertEquals("uk", browser.js("return document.documentElement.lang;"));

        browser.find("#lang-switch").click();
        browser.until(ExpectedConditions.textToBe(By.id("login-submit"), "Log in"));
        assertEquals("Username", browser.find("label[for='login-username']").getText());
        assertEquals("Jitsi account", browser.find("#login-method-jitsi + span").getText());
        assertEquals("en", browser.js("return document.documentElement.lang;"));

        browser.driver().navigate().refresh();
        assertEquals("Log in", browser.visible("#login-submit").getText(), "the language is remembered");
        logIn("olena", "olena-password");
        assertEquals("Sessions", browser.find("main h1").getText());
        assertTrue(browser.find("main").getText().contains("recorded"));
        assertEquals("Log out", browser.find("#logout").getText());

        browser.find("#lang-switch").click();
        browser.until(ExpectedConditions.textToBe(By.cssSelector("main h1"), "Сесії"));
        assertTrue(browser.find("main").getText().contains("записано"), "cards switch language in place too");
        assertEquals("Вийти", browser.find("#logout").getText());
    }

    @Test
    void at360PixelsWideNothingScrollsSideways() {
        browser.viewport(360, 740);
        assertEquals(360L, browser.js("return window.innerWidth;"));
        browser.visible("#login-submit");
        assertNoSidewaysScroll("login");
        logIn("olena", "olena-password");
        assertNoSidewaysScroll("session list");
        openSession(a1);
        browser.visible("#player");
        assertNoSidewaysScroll("session page");
        assertTrue(browser.find("#player").getSize().getWidth() <= 360);
    }

    void assertNoSidewaysScroll(String page) {
        long scroll = ((Number) browser.js("return document.documentElement.scrollWidth;")).longValue();
        assertTrue(scroll <= 360, page + " is " + scroll + " px wide at 360 px");
    }

    @Test
    void theKeyboardReachesTheLoginFieldsAndButtonsWithAVisibleFocus() {
        browser.visible("#login-submit");
        List<String> reached = new ArrayList<>();
        for (int i = 0; i < 12 && !reached.contains("login-submit"); i++) {
            new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
            @SuppressWarnings("unchecked")
            Map<String, Object> focus = (Map<String, Object>) browser.js("var e = document.activeElement, s = getComputedStyle(e);"
                    + "return {id: e.id, tag: e.tagName, visible: e.matches(':focus-visible'), style: s.outlineStyle, width: s.outlineWidth,"
                    + " top: e.getBoundingClientRect().top};");
            reached.add(String.valueOf(focus.get("id")));
            assertEquals(true, focus.get("visible"), "keyboard focus is :focus-visible on " + focus);
            assertNotEquals("none", focus.get("style"), "an outline shows on " + focus);
            assertNotEquals("0px", focus.get("width"), "an outline shows on " + focus);
            if ("skip-link".equals(focus.get("id"))) {
                assertTrue(((Number) focus.get("top")).doubleValue() >= 0, "the skip link comes into view when focused");
            }
        }
        assertEquals("skip-link", reached.get(0), "the skip link comes first: " + reached);
        int user = reached.indexOf("login-username");
        int password = reached.indexOf("login-password");
        int method = reached.indexOf("login-method-local");
        int submit = reached.indexOf("login-submit");
        assertTrue(user > 0 && password > user && method > password && submit > method, "tab order: " + reached);

        // and the whole login works from the keyboard alone
        browser.find("#login-username").sendKeys("olena");
        browser.find("#login-password").sendKeys("olena-password", Keys.ENTER);
        listLoaded();
        assertEquals(Set.of(a1, a2, a3), cardIds());
    }

    @Test
    void aWrongPasswordAndTheRateLimitAreExplained() {
        browser.visible("#login-username").sendKeys("mallory");
        browser.find("#login-password").sendKeys("guess-0");
        browser.find("#login-submit").click();
        browser.until(d -> "error.bad_credentials".equals(browser.find("#login-error").getAttribute("data-i18n")));
        assertEquals("Неправильне ім'я користувача або пароль.", browser.find("#login-error").getText());
        assertEquals("", browser.find("#login-password").getAttribute("value"), "the wrong password is cleared");
        ApiClient guesser = new ApiClient(sidecar.baseUrl());
        for (int i = 1; i < 5; i++) assertEquals(401, guesser.login("mallory", "guess-" + i, "local").statusCode());

        browser.find("#login-password").sendKeys("guess-again");
        browser.find("#login-submit").click();
        browser.until(d -> "error.too_many_attempts".equals(browser.find("#login-error").getAttribute("data-i18n")));
        assertTrue(browser.find("#login-error").getText().contains("Зачекайте хвилину"));
    }
}
