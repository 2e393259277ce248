package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Browser;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The dashboard in a real browser against the real sidecar (under a base path): sessions generated on
 * a few days through the real schema (its triggers keep the figures), the uPlot chart drawn with one
 * point per day, the same days in the table and in the API, operators' own figures, English, 360 px.
 */
class DashboardBrowserIT extends BrowserTestBase {
    static final String A = "olena@meet.zentrix.local";
    static final String B = "taras@meet.zentrix.local";
    static final ZoneId KYIV = ZoneId.of("Europe/Kyiv");
    static final String HOSTILE_ROOM = "<img src=x onerror=\"window.zvPwned=1\">window-9";
    static LocalDate today;
    /** Days ago -> sessions that started that day (all operators), and olena's. */
    static final Map<Integer, Integer> ALL = new TreeMap<>(Map.of(1, 3, 3, 1, 5, 2, 20, 4));
    static final Map<Integer, Integer> OLENA = new TreeMap<>(Map.of(1, 2, 3, 1, 5, 0, 20, 4));

    @BeforeAll
    static void start() {
        sidecar = browserSidecar().set("zentrix.http.base-path", "/recordings").start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, A, "olena-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        today = LocalDate.now(KYIV);
        sidecar.db().useTransaction(h -> {
            for (var e : ALL.entrySet()) {
                LocalDate day = today.minusDays(e.getKey());
                for (int i = 0; i < e.getValue(); i++) {
                    boolean hers = i < OLENA.get(e.getKey());
                    long start = day.atTime(9 + i, 15).atZone(KYIV).toInstant().toEpochMilli();
                    long end = start + 10 * 60_000L;
                    h.createUpdate("INSERT INTO sessions (room_jid, room_name, operator_jid, operator_name, started_ms, ended_ms, "
                                    + "status, conversation_ms, recorded_ms, updated_ms) VALUES ('x@conference.meet.zentrix.local', :r, :o, :on, "
                                    + ":s, :e, :st, :c, :rec, :s)")
                            .bind("r", i == 0 ? HOSTILE_ROOM : "window-" + (i % 2 + 1))
                            .bind("o", hers ? A : B).bind("on", hers ? "Олена Коваль" : "Тарас Мельник")
                            .bind("s", start).bind("e", end).bind("st", i == 1 ? "technical_error" : "ok")
                            .bind("c", end - start).bind("rec", i == 1 ? 0 : end - start).execute();
                }
            }
        });
        browser = Browser.start();
    }

    @Override
    String evidencePrefix() {
        return "dashboard-";
    }

    void logIn(String user, String password) {
        submitLogin(user, password);
        browser.visible("#session-list");
    }

    void openDashboard() {
        browser.visible("#nav-dashboard").click();
        dashboardLoaded();
    }

    void dashboardLoaded() {
        browser.until(d -> "dash.loaded".equals(browser.find("#dash-status").getAttribute("data-i18n")));
        browser.visible("#daily-chart canvas");
    }

    long chartPoints() {
        return ((Number) browser.js("return window.zvChart.data[0].length;")).longValue();
    }

    @SuppressWarnings("unchecked")
    List<Long> chartSessions() {
        return ((List<Object>) browser.js("return Array.from(window.zvChart.data[1]);")).stream()
                .map(o -> ((Number) o).longValue()).toList();
    }

    static List<Long> expected(Map<Integer, Integer> perDay, LocalDate from, LocalDate to) {
        List<Long> out = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.add((long) perDay.getOrDefault((int) (today.toEpochDay() - d.toEpochDay()), 0));
        }
        return out;
    }

    int apiDays(ApiClient client, LocalDate from, LocalDate to) {
        HttpResponse<String> r = client.get("/api/v1/analytics/daily?from=" + from + "&to=" + to);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode rows = ApiClient.json(r).get("rows");
        return rows.size();
    }

    @Test
    void aSupervisorSeesTheChartWithOnePointPerDayAndTheSameDaysInTheTable() {
        logIn("sofia", "sofia-password");
        openDashboard();
        assertEquals("page", browser.find("#nav-dashboard").getAttribute("aria-current"));
        ApiClient sofia = new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");

        // the default range: the last 30 days
        LocalDate from = today.minusDays(29);
        assertEquals(30, chartPoints());
        assertEquals(30, browser.all("#daily-table tbody tr").size());
        assertEquals(30, apiDays(sofia, from, today));
        assertEquals(expected(ALL, from, today), chartSessions());
        assertEquals(from.toString(), browser.find("#dash-from").getAttribute("value"));

        // a chosen range of a week
        LocalDate weekAgo = today.minusDays(6);
        browser.js("arguments[0].value = arguments[1];", browser.find("#dash-from"), weekAgo.toString());
        browser.js("arguments[0].value = arguments[1];", browser.find("#dash-to"), today.toString());
        browser.find("#dash-apply").click();
        browser.until(d -> browser.driver().getCurrentUrl().contains("from=" + weekAgo));
        dashboardLoaded();
        browser.until(d -> chartPoints() == 7);
        assertEquals(7, browser.all("#daily-table tbody tr").size());
        assertEquals(7, apiDays(sofia, weekAgo, today));
        assertEquals(expected(ALL, weekAgo, today), chartSessions());
        @SuppressWarnings("unchecked")
        List<Double> rates = ((List<Object>) browser.js("return Array.from(window.zvChart.data[2]);")).stream()
                .map(o -> o == null ? null : ((Number) o).doubleValue()).toList();
        assertEquals(expectedErrorRates(weekAgo), rates, "the technical-error rate per day (%), the chart's second line");

        // period cards, headline, tables
        assertEquals("3", browser.find("li.period[data-period='yesterday'] .period-value").getText());
        assertEquals("0", browser.find("li.period[data-period='today'] .period-value").getText());
        assertEquals("6", browser.find("li.period[data-period='range'] .period-value").getText());
        assertFalse(browser.find("#headline-box .headline-coverage .headline-value").getText().isBlank());
        String ops = browser.find("#operators-table").getText();
        // an operator with an account is named as the account is; one without, as their newest session says
        assertTrue(ops.contains("olena") && ops.contains("Тарас Мельник"), ops);
        assertTrue(browser.find("#rooms-table").getText().contains(HOSTILE_ROOM), "the room's name is shown as text");
        assertEquals(0L, browser.js("return document.querySelectorAll('main img').length;"));
        assertEquals(true, browser.js("return typeof window.zvPwned === 'undefined';"));
        assertEquals(24, browser.all("#hours-table tbody tr").size());

        // every table's CSV, for the same range
        for (String t : List.of("summary", "daily", "operators", "rooms", "hours")) {
            String href = browser.find("#" + t + "-csv").getAttribute("href");
            assertTrue(href.contains("from=" + weekAgo) && href.contains("to=" + today) && href.contains(".csv?"), href);
            HttpResponse<String> csv = sofia.get(href.substring(sidecar.baseUrl().length()));
            assertEquals(200, csv.statusCode(), href);
            assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"), href);
        }

        // the live board: polled, nothing in use in this test, no alert
        browser.until(d -> "live.empty".equals(browser.find("#live-status").getAttribute("data-i18n")));
        assertEquals("alert", browser.find("#live-alerts").getAttribute("role"));
        assertTrue(browser.all("#live-alerts .live-alert").isEmpty());
    }

    /** The second session of each day is a technical error, the others ok: errors ÷ (ok + errors), in %. */
    static List<Double> expectedErrorRates(LocalDate from) {
        List<Double> out = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(today); d = d.plusDays(1)) {
            int n = ALL.getOrDefault((int) (today.toEpochDay() - d.toEpochDay()), 0);
            out.add(n == 0 ? null : Math.round((n > 1 ? 1.0 : 0.0) / n * 1000) / 10.0);
        }
        return out;
    }

    @Test
    void anOperatorSeesHerOwnFigures() {
        logIn("olena", "olena-password");
        openDashboard();
        assertTrue(browser.find("#dash-own").isDisplayed(), "says the figures are her own");
        assertEquals(expected(OLENA, today.minusDays(29), today), chartSessions());
        assertFalse(browser.find("#operators-table").getText().contains("Тарас Мельник"));
    }

    @Test
    void inEnglishAt360PixelsWithTheKeyboard() {
        browser.viewport(360, 740);
        browser.visible("#lang-switch").click();
        browser.until(ExpectedConditions.textToBe(By.id("login-submit"), "Log in"));
        logIn("sofia", "sofia-password");
        browser.driver().get(sidecar.baseUrl() + "/#/dashboard");
        dashboardLoaded();
        assertEquals("Dashboard", browser.find("main h1").getText());
        assertEquals("Live now", browser.find("#live-title").getText());
        assertEquals("Sessions per day", browser.find("#daily-title").getText());
        assertEquals("Yesterday", browser.find("li.period[data-period='yesterday'] h3").getText());
        assertEquals("Download CSV", browser.find("#daily-csv").getText());
        assertTrue(browser.find("#daily-chart").getText().contains("sessions"), "the chart's legend is in English");
        assertEquals(30, chartPoints());
        long scroll = ((Number) browser.js("return document.documentElement.scrollWidth;")).longValue();
        assertTrue(scroll <= 360, "the dashboard is " + scroll + " px wide at 360 px");
        assertTrue(browser.find("#daily-chart canvas").getSize().getWidth() <= 360);
        // wide tables scroll inside their own box, which the keyboard can reach
        assertEquals("0", browser.find("#hours .table-wrap").getAttribute("tabindex"));

        browser.find("#lang-switch").click();
        browser.until(ExpectedConditions.textToBe(By.cssSelector("main h1"), "Панель показників"));
        assertEquals("Учора", browser.find("li.period[data-period='yesterday'] h3").getText());
        browser.until(d -> browser.find("#daily-chart").getText().contains("сесій"));
    }
}
