package com.zentrix.video.flow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.Media;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic recording end to end, with everything real: Smack clients in a real Prosody running our
 * module, the sidecar, Jibri stand-ins writing real MP4s and running the real finalize script.
 * Grace period 2 s (Sidecar fixture default).
 */
class RecordingFlowIT {
    private static final Duration GRACE = Duration.ofSeconds(2);
    @TempDir static Path dir;
    static Flow flow;
    static Sidecar sidecar;

    @BeforeAll
    static void start() throws Exception {
        // Two stand-ins, and a third Jibri URL where nothing listens (a Jibri that is down).
        flow = new Flow(dir, 2, "http://127.0.0.1:" + Sidecar.freePort() + "/jibri/api/v1.0");
        sidecar = flow.sidecar;
    }

    @AfterAll
    static void stop() {
        flow.close();
    }

    @AfterEach
    void healJibris() throws InterruptedException {
        for (JibriStandIn j : flow.jibris) {
            j.busyAlways(false);
            j.awaitIdle(Duration.ofSeconds(20));
        }
    }

    private static List<JibriStandIn.StartRequest> startsFor(String room) {
        return java.util.Arrays.stream(flow.jibris).flatMap(j -> j.startRequests().stream())
                .filter(r -> r.status() == 200 && room.equals(r.body().path("callParams").path("callUrlInfo").path("callName").asText()))
                .toList();
    }

    private static List<JibriStandIn.StopRequest> stopsFor(String jibriSessionId) {
        return java.util.Arrays.stream(flow.jibris).flatMap(j -> j.stopRequests().stream())
                .filter(r -> jibriSessionId.equals(r.sessionId())).toList();
    }

    private static List<Map<String, Object>> sessions(String room) {
        return sidecar.sessions(room);
    }

    private static Map<String, Object> awaitStatus(String room, String status) {
        return sidecar.awaitLastSession(room, status, Duration.ofSeconds(30));
    }

    @Test
    void operatorFirstThenClientRecordsTheConversationAndStopsAfterTheGracePeriod() throws Exception {
        String room = "reception1";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass");
             XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена Коваль");
            Thread.sleep(1500); // an operator waiting alone must not be recorded
            assertTrue(startsFor(room).isEmpty(), "no recording while only the operator is in the room");

            Instant joined = Instant.now();
            XmppClients.Participant client = guest.join(flow.room(room), "citizen", "Петро Іваненко");
            java.util.List<String> chat = new java.util.concurrent.CopyOnWriteArrayList<>();
            client.muc().addMessageListener(m -> { if (m.getBody() != null) chat.add(m.getFrom() + "|" + m.getBody()); });
            await().atMost(Duration.ofSeconds(5)).until(() -> !startsFor(room).isEmpty());
            JibriStandIn.StartRequest start = startsFor(room).get(0);
            long startLatency = Duration.between(joined, start.receivedAt()).toMillis();
            assertTrue(startLatency < 1000, "start request " + startLatency + " ms after the client's join");
            assertEquals("file", start.body().get("sinkType").asText());
            assertEquals("https://meet.zentrix.local", start.body().at("/callParams/callUrlInfo/baseUrl").asText());

            awaitStatus(room, "recording");
            // Participants are told: the room itself says so in the chat, in Ukrainian and English.
            await().atMost(Duration.ofSeconds(5)).until(() -> !chat.isEmpty());
            assertEquals(flow.room(room) + "|" + sidecar.config().privacy().noticeText(), chat.get(0));
            assertTrue(chat.get(0).contains("записується") && chat.get(0).contains("recorded"), chat.get(0));
            Thread.sleep(3000);
            Instant left = Instant.now();
            client.leave();
            await().atMost(Duration.ofSeconds(10)).until(() -> !stopsFor(start.sessionId()).isEmpty());
            long stopDelay = Duration.between(left, stopsFor(start.sessionId()).get(0).receivedAt()).toMillis();
            assertTrue(stopDelay >= GRACE.toMillis() - 100 && stopDelay < GRACE.toMillis() + 1500,
                    "stop " + stopDelay + " ms after the client left (grace " + GRACE.toMillis() + " ms)");
        }

        Map<String, Object> s = awaitStatus(room, "ok");
        assertEquals(1, sessions(room).size());
        assertEquals("olena@meet.zentrix.local", s.get("operator_jid"));
        assertEquals("Петро Іваненко", s.get("client_name"));
        JsonNode detail = sidecar.getJson("/api/v1/sessions/" + s.get("id"));
        JsonNode media = null;
        for (JsonNode f : detail.get("files")) if (f.get("kind").asText().equals("media")) media = f;
        assertTrue(media != null, detail.toString());
        Path archived = sidecar.archiveDir().resolve(media.get("path").asText());
        assertEquals(Media.sha256(archived), media.get("sha256").asText());

        JibriStandIn.SessionOutcome outcome = java.util.Arrays.stream(flow.jibris).flatMap(j -> j.outcomes().stream())
                .filter(o -> o.sessionId().equals(detail.at("/recordings/0/jibri_session_id").asText())).findFirst().orElseThrow();
        // The real length of what was recorded: the video stream's own duration in the archived file
        // (under CPU load the encoder may fall behind the wall clock, so that is not the yardstick).
        assertEquals(Media.videoStreamSeconds(archived) * 1000, media.get("duration_ms").asLong(), 1000,
                "stored duration vs the real recording");
        long wallMs = Duration.between(outcome.recordingStartedAt(), outcome.endedAt()).toMillis();
        assertTrue(media.get("duration_ms").asLong() <= wallMs + 1000, "never longer than the recorder ran");
        assertEquals(0, outcome.finalizeExitCode(), outcome.finalizeOutput());
        assertTrue(detail.get("coverage").asDouble() > 0.5, detail.toString());
        assertEquals("ok", detail.get("status").asText());
    }

    @Test
    void clientFirstThenOperatorAlsoStarts() throws Exception {
        String room = "reception2";
        try (XmppClients.Client guest = flow.xmpp.guest(); XmppClients.Client op = flow.xmpp.user("taras", "taras-pass")) {
            guest.join(flow.room(room), "early", "Марія");
            Thread.sleep(1000);
            assertTrue(startsFor(room).isEmpty());
            op.join(flow.room(room), "taras", "Тарас");
            await().atMost(Duration.ofSeconds(5)).until(() -> !startsFor(room).isEmpty());
            awaitStatus(room, "recording");
        }
        awaitStatus(room, "ok");
        assertEquals(1, sessions(room).size());
    }

    @Test
    void aClientReconnectingWithinTheGracePeriodKeepsOneSession() throws Exception {
        String room = "reception3";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass")) {
            op.join(flow.room(room), "olena", "Олена");
            try (XmppClients.Client guest = flow.xmpp.guest()) {
                guest.join(flow.room(room), "c1", "Ганна");
                awaitStatus(room, "recording");
            } // the connection drops
            Thread.sleep(GRACE.toMillis() / 3);
            try (XmppClients.Client again = flow.xmpp.guest()) {
                again.join(flow.room(room), "c1-again", "Ганна");
                Thread.sleep(GRACE.toMillis() + 1000);
                assertEquals(1, startsFor(room).size(), "still the first recording");
                assertEquals("recording", sessions(room).get(0).get("status"));
            }
            awaitStatus(room, "ok");
        }
        assertEquals(1, sessions(room).size());
        assertEquals(1, startsFor(room).size());
    }

    @Test
    void aConversationTooShortForTheRecorderToJoinEndsAsATechnicalErrorAtOnce() throws Exception {
        String room = "reception5";
        for (JibriStandIn j : flow.jibris) j.joinDelay(Duration.ofSeconds(5));
        try {
            try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
                op.join(flow.room(room), "olena", "Олена");
                guest.join(flow.room(room), "c", "Короткий");
                await().atMost(Duration.ofSeconds(5)).until(() -> !startsFor(room).isEmpty());
            }
            Map<String, Object> s = awaitStatus(room, "technical_error");
            assertTrue(((String) s.get("reason")).contains("nothing was recorded"), (String) s.get("reason"));
        } finally {
            for (JibriStandIn j : flow.jibris) j.joinDelay(Duration.ofMillis(300));
        }
    }

    @Test
    void twoRoomsAtOnceAreRecordedSeparately() throws Exception {
        try (XmppClients.Client op1 = flow.xmpp.user("olena", "olena-pass");
             XmppClients.Client op2 = flow.xmpp.user("taras", "taras-pass");
             XmppClients.Client g1 = flow.xmpp.guest(); XmppClients.Client g2 = flow.xmpp.guest()) {
            op1.join(flow.room("window-a"), "olena", "Олена");
            op2.join(flow.room("window-b"), "taras", "Тарас");
            g1.join(flow.room("window-a"), "ga", "Клієнт А");
            g2.join(flow.room("window-b"), "gb", "Клієнт Б");
            awaitStatus("window-a", "recording");
            awaitStatus("window-b", "recording");
            assertNotEquals(startsFor("window-a").get(0).sessionId(), startsFor("window-b").get(0).sessionId());
        }
        Map<String, Object> a = awaitStatus("window-a", "ok");
        Map<String, Object> b = awaitStatus("window-b", "ok");
        assertEquals("olena@meet.zentrix.local", a.get("operator_jid"));
        assertEquals("taras@meet.zentrix.local", b.get("operator_jid"));
    }

    @Test
    void whenNoJibriCanRecordTheSessionShowsWhyAndRecoversOnceOneCan() throws Exception {
        String room = "reception4";
        for (JibriStandIn j : flow.jibris) j.busyAlways(true);
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Остап");
            Map<String, Object> failed = awaitStatus(room, "technical_error");
            String reason = (String) failed.get("reason");
            assertTrue(reason.contains("no Jibri could record"), reason);
            assertTrue(reason.contains("busy"), reason);
            assertTrue(reason.contains("connection refused"), "the dead Jibri is named too: " + reason);

            for (JibriStandIn j : flow.jibris) j.busyAlways(false);
            awaitStatus(room, "recording");
        }
        Map<String, Object> s = awaitStatus(room, "ok");
        List<String> history = sidecar.db().withHandle(h -> h.createQuery(
                "SELECT status FROM session_history WHERE session_id = :s ORDER BY id").bind("s", s.get("id")).mapTo(String.class).list());
        assertEquals("starting", history.get(0), history.toString());
        assertTrue(history.indexOf("technical_error") < history.indexOf("recording"), history.toString());
        assertEquals("ok", history.get(history.size() - 1), history.toString());
        assertTrue(((Number) s.get("recorded_ms")).longValue() < ((Number) s.get("conversation_ms")).longValue(),
                "the unrecorded start shows as less than full coverage");
        JsonNode detail = sidecar.getJson("/api/v1/sessions/" + s.get("id"));
        assertFalse(detail.get("gaps").isEmpty(), "the gap before recording began is listed");
    }
}
