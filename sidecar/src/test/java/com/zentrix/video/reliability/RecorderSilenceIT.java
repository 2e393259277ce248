package com.zentrix.video.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recorders that go silent, with real Prosody, clients, stand-ins and files: a Jibri whose one ON
 * webhook was lost (Jibri never repeats it), and a Jibri process that dies outright (no webhook, no
 * answer at all). Neither may leave a session showing the wrong thing for ever.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecorderSilenceIT {
    static final Duration ASSUME_CAPTURING_AFTER = Duration.ofSeconds(4);
    @TempDir static Path dir;
    static Flow flow;

    @BeforeAll
    static void start() throws Exception {
        flow = new Flow(dir, b -> b.set("zentrix.jibri.assume-capturing-after", ASSUME_CAPTURING_AFTER.toMillis() + " ms")
                .set("zentrix.jibri.unreachable-after", "3 s").set("zentrix.prosody.reconcile-interval", "1 s"), 2);
    }

    @AfterAll
    static void stop() {
        flow.close();
    }

    static Map<String, Object> latest(String room) {
        List<Map<String, Object>> s = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT * FROM sessions WHERE room_name = :r ORDER BY id").bind("r", room).mapToMap().list());
        return s.isEmpty() ? Map.of() : s.get(s.size() - 1);
    }

    static Map<String, Object> awaitStatus(String room, String status, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> status.equals(latest(room).get("status")));
        return latest(room);
    }

    static JibriStandIn capturing() {
        return Stream.of(flow.jibris).filter(j -> j.phase() == JibriStandIn.Phase.RECORDING).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void aRecorderWhoseOnWebhookWasLostIsTakenAsCapturingOnceStillBusyPastJibrisJoinTimeout() throws Exception {
        for (JibriStandIn j : flow.jibris) j.loseOnWebhooks(1);
        String room = "lost-on";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Клієнт");
            await().atMost(Duration.ofSeconds(15)).until(() -> Stream.of(flow.jibris).anyMatch(j -> j.phase() == JibriStandIn.Phase.RECORDING));
            JibriStandIn used = capturing();
            long id = ((Number) latest(room).get("id")).longValue();
            // The recorder captures, but nothing told the sidecar: the session honestly says it is starting.
            assertEquals("starting", latest(room).get("status"));
            Map<String, Object> s = awaitStatus(room, "recording", Duration.ofSeconds(20));
            // The last 'starting' entry is the recorder's acceptance ("recorder … is joining the call").
            long acceptedMs = flow.sidecar.number("SELECT max(at_ms) FROM session_history WHERE session_id = ? AND status = 'starting'", id);
            long recordingMs = flow.sidecar.number("SELECT min(at_ms) FROM session_history WHERE session_id = ? AND status = 'recording'", id);
            assertTrue(recordingMs - acceptedMs >= ASSUME_CAPTURING_AFTER.toMillis(),
                    "taken as capturing only after the wait: " + (recordingMs - acceptedMs) + " ms");
            assertEquals(1, flow.sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", id), "the same recorder, not a new one");
            assertEquals(used.baseUrl(), flow.sidecar.db().withHandle(h -> h.createQuery("SELECT jibri_url FROM recordings WHERE session_id = :s")
                    .bind("s", id).mapTo(String.class).one()));
            assertEquals(JibriStandIn.Phase.RECORDING, used.phase());
            assertEquals(id, ((Number) s.get("id")).longValue());
        }
        Map<String, Object> done = awaitStatus(room, "ok", Duration.ofSeconds(30));
        assertEquals(1, flow.sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media' AND media_error IS NULL",
                ((Number) done.get("id")).longValue()), "its file is in the archive");
    }

    @Test
    @Order(2)
    void aJibriThatDiesOutrightIsTakenAsGoneAndTheRecordingMovesToAnotherJibri() throws Exception {
        for (JibriStandIn j : flow.jibris) j.loseOnWebhooks(0).awaitIdle(Duration.ofSeconds(20));
        String room = "jibri-dies";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Клієнт");
            Map<String, Object> s = awaitStatus(room, "recording", Duration.ofSeconds(15));
            long id = ((Number) s.get("id")).longValue();
            JibriStandIn dead = capturing();
            dead.close(); // the process is gone: no OFF webhook, no answer to health or stopService

            Map<String, Object> broken = awaitStatus(room, "technical_error", Duration.ofSeconds(20));
            assertTrue(((String) broken.get("reason")).contains("unreachable"), (String) broken.get("reason"));
            awaitStatus(room, "recording", Duration.ofSeconds(20));
            assertEquals(id, ((Number) latest(room).get("id")).longValue(), "the same conversation, the same session");
            List<String> urls = flow.sidecar.db().withHandle(h -> h.createQuery(
                    "SELECT jibri_url FROM recordings WHERE session_id = :s ORDER BY id").bind("s", id).mapTo(String.class).list());
            assertEquals(2, urls.size(), urls.toString());
            assertEquals(dead.baseUrl(), urls.get(0));
            assertNotEquals(dead.baseUrl(), urls.get(1), "the retry went to the Jibri that is alive");
        }
    }
}
