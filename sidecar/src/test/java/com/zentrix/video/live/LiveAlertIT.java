package com.zentrix.video.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.WebhookReceiver;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import com.zentrix.video.testing.Browser;
import org.junit.jupiter.api.AfterAll;
import org.openqa.selenium.WebElement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live board with real Prosody, real XMPP clients and a recorder that cannot start (its URL is
 * dead): the client is in the room, nothing records, the board shows the alert and the webhook (a real
 * HTTP receiver, failing its first call and checking the signature as docs/analytics.md says) receives
 * it after a retry.
 */
class LiveAlertIT {
    static final String SECRET = "alert-webhook-test-secret";
    @TempDir static Path dir;
    static Flow flow;
    static WebhookReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        receiver = new WebhookReceiver(SECRET, 1);
        flow = new Flow(dir, receiver.alerting("1 s", "200 ms"), 0, "http://127.0.0.1:" + Sidecar.freePort() + "/jibri/api/v1.0");
        Archive archive = new Archive(flow.sidecar);
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        archive.user("olena", Role.OPERATOR, "olena@" + flow.prosody.domain(), "olena-password");
        archive.user("taras", Role.OPERATOR, "taras@" + flow.prosody.domain(), "taras-password");
    }

    @AfterAll
    static void stop() {
        if (flow != null) flow.close();
        if (receiver != null) receiver.close();
    }

    static JsonNode board(String user, String password) {
        return ApiClient.json(new ApiClient(flow.sidecar.baseUrl()).loggedIn(user, password).get("/api/v1/live"));
    }

    @Test
    void aClientWithNothingRecordingRaisesTheAlertOnTheBoardAndAtTheWebhook() throws Exception {
        String room = "window-alert";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена Коваль");
            guest.join(flow.room(room), "citizen", "Петро Іваненко");

            await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.accepted().isEmpty());
            JsonNode alert = new ObjectMapper().readTree(receiver.accepted().get(0));
            assertEquals(room, alert.get("room").asText());
            assertEquals("technical_error", alert.get("reason").asText());
            long session = alert.get("session").asLong();
            assertEquals("technical_error", flow.sidecar.db().withHandle(h -> h.createQuery("SELECT status FROM sessions WHERE id = :id")
                    .bind("id", session).mapTo(String.class).one()));
            assertTrue(receiver.calls().size() >= 2, "the first delivery failed and was retried");
            for (WebhookReceiver.Call c : receiver.calls()) {
                assertTrue(c.signedRight(), "every attempt is signed: " + c);
                assertTrue(Math.abs(Long.parseLong(c.timestamp()) - System.currentTimeMillis() / 1000) < 60, "a fresh timestamp");
            }

            JsonNode rooms = board("sofia", "sofia-password").get("rooms");
            JsonNode r = null;
            for (JsonNode x : rooms) if (x.get("room").asText().equals(room)) r = x;
            assertEquals(1, r.get("clients").asInt());
            assertEquals(1, r.get("staff").asInt());
            assertEquals(session, r.get("session").asLong());
            assertFalse(r.get("recording").asBoolean());
            assertEquals("technical_error", r.get("alert").get("reason").asText());
            assertTrue(r.get("since_ms").asLong() > 0);

            // The supervisor's dashboard shows it in a real browser, named by room, without a reload.
            try (Browser browser = Browser.start()) {
                browser.fresh(flow.sidecar.baseUrl());
                browser.logIn("sofia", "sofia-password");
                browser.visible("#nav-dashboard").click();
                WebElement shown = browser.visible("#live-alerts .live-alert");
                assertEquals(room, shown.findElement(org.openqa.selenium.By.cssSelector(".live-alert-room")).getText());
                assertEquals("live.alert.technical_error", shown.findElement(org.openqa.selenium.By.cssSelector("strong"))
                        .getAttribute("data-i18n"));
                assertTrue(browser.find("#live-rooms [data-room='" + room + "']").getAttribute("class").contains("live-alerting"));
                browser.keepEvidence("live-alert-on-the-dashboard");
            }

            assertEquals(1, board("olena", "olena-password").get("rooms").size(), "her own room");
            assertEquals(0, board("taras", "taras-password").get("rooms").size(), "not his room");
            int delivered = receiver.accepted().size();
            // raised once per episode, not on every check
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> receiver.accepted().size() == delivered);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> board("sofia", "sofia-password").get("alerts").asInt() == 0);
    }
}
