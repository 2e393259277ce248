package com.zentrix.video.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.WebhookReceiver;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delayed alert: real Prosody, real XMPP clients, a Jibri stand-in that accepts the start and then
 * takes its time to join (as a real one does), and a real HTTP receiver for the webhook. A client
 * present while nothing records for longer than zentrix.live.alert-after raises {@code not_recording}
 * on the board as soon as the delay is over, and the signed webhook carries it; a recorder that starts
 * capturing within the delay raises nothing.
 */
class NotRecordingAlertIT {
    static final String SECRET = "not-recording-test-secret";
    static final Duration ALERT_AFTER = Duration.ofSeconds(5);
    static final Duration CHECK = Duration.ofMillis(200);
    @TempDir static Path dir;
    static Flow flow;
    static WebhookReceiver receiver;
    static ApiClient sofia;

    @BeforeAll
    static void start() throws Exception {
        receiver = new WebhookReceiver(SECRET, 0);
        flow = new Flow(dir, receiver.alerting(ALERT_AFTER.toMillis() + " ms", CHECK.toMillis() + " ms"), 1);
        new Archive(flow.sidecar).user("sofia", Role.SUPERVISOR, null, "sofia-password");
        sofia = new ApiClient(flow.sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
    }

    @AfterAll
    static void stop() {
        if (flow != null) flow.close();
        if (receiver != null) receiver.close();
    }

    /** The room's entry on the supervisor's live board, or null. */
    static JsonNode room(String name) {
        JsonNode board = ApiClient.json(sofia.get("/api/v1/live"));
        for (JsonNode r : board.get("rooms")) if (r.get("room").asText().equals(name)) return r;
        return null;
    }

    static boolean alerted(String name) {
        JsonNode r = room(name);
        return r != null && !r.get("alert").isNull();
    }

    /** The webhook bodies the receiver accepted for this room. */
    static List<JsonNode> delivered(String name) {
        ObjectMapper json = new ObjectMapper();
        return receiver.accepted().stream().map(b -> {
            try {
                return json.readTree(b);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).filter(a -> a.get("room").asText().equals(name)).toList();
    }

    @Test
    void aClientWithNothingRecordingPastTheDelayRaisesNotRecordingAtOnceOnTheBoardAndAtTheWebhook() throws Exception {
        String name = "window-slow-recorder";
        flow.jibris[0].awaitIdle(Duration.ofSeconds(30));
        flow.jibris[0].joinDelay(Duration.ofSeconds(60)); // the start is accepted, but nothing captures for a minute
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(name), "olena", "Олена Коваль");
            guest.join(flow.room(name), "citizen", "Петро Іваненко");
            long joined = System.currentTimeMillis();
            // Watch the board until the alert shows, noting when it was last seen without one.
            AtomicLong quiet = new AtomicLong();
            AtomicLong seen = new AtomicLong();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                long t = System.currentTimeMillis();
                JsonNode x = room(name);
                if (x == null || x.get("session").isNull()) return false;
                if (x.get("alert").isNull()) {
                    quiet.set(t);
                    return false;
                }
                seen.set(System.currentTimeMillis()); // the answer's end: the alert was up by then
                return true;
            });
            JsonNode r = room(name);
            assertEquals("not_recording", r.get("alert").get("reason").asText());
            assertEquals(false, r.get("recording").asBoolean());
            assertEquals(1, r.get("clients").asInt());
            long since = r.get("alert").get("since_ms").asLong();
            assertTrue(since >= joined - 1000, "the episode starts when the client is there");
            // Not before the delay: the board showed no alert well into the episode, and none before its end.
            assertTrue(quiet.get() >= since + ALERT_AFTER.toMillis() / 2, "seen quiet until " + (quiet.get() - since) + " ms");
            assertTrue(seen.get() >= since + ALERT_AFTER.toMillis(), "shown " + (seen.get() - since) + " ms into the episode");
            // At once after it: within a few check intervals (generous: the host is shared).
            assertTrue(seen.get() - (since + ALERT_AFTER.toMillis()) < 2500, "shown " + (seen.get() - since) + " ms into the episode");

            await().atMost(Duration.ofSeconds(10)).until(() -> !delivered(name).isEmpty());
            JsonNode hook = delivered(name).get(0);
            assertEquals("not_recording", hook.get("reason").asText());
            assertEquals(r.get("session").asLong(), hook.get("session").asLong());
            long raised = Instant.parse(hook.get("raised").asText()).toEpochMilli();
            long sinceHook = Instant.parse(hook.get("since").asText()).toEpochMilli();
            assertEquals(since, sinceHook);
            assertTrue(raised - sinceHook >= ALERT_AFTER.toMillis(), "not before the delay");
            assertTrue(raised - sinceHook < ALERT_AFTER.toMillis() + 3000, "at the first checks after it");
            assertTrue(receiver.calls().stream().allMatch(WebhookReceiver.Call::signedRight), "signed");
            assertEquals("starting", flow.sidecar.db().withHandle(h -> h.createQuery("SELECT status FROM sessions WHERE id = :id")
                    .bind("id", hook.get("session").asLong()).mapTo(String.class).one()));
        } finally {
            flow.jibris[0].joinDelay(Duration.ofMillis(300));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !alerted(name));
    }

    @Test
    void aRecorderThatStartsWithinTheDelayRaisesNothing() throws Exception {
        String name = "window-quick-recorder";
        flow.jibris[0].awaitIdle(Duration.ofSeconds(30));
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(name), "olena", "Олена Коваль");
            guest.join(flow.room(name), "citizen", "Петро Іваненко");
            await().atMost(ALERT_AFTER).until(() -> room(name) != null && room(name).get("recording").asBoolean());
            // Past the delay and a few checks more: still no alert, nothing posted.
            await().during(ALERT_AFTER.plusSeconds(1)).atMost(ALERT_AFTER.plusSeconds(3)).until(() -> !alerted(name));
            assertTrue(delivered(name).isEmpty(), "no webhook for a room that records");
        }
    }
}
