package com.zentrix.video.flow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.recording.SessionSettler;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.Media;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Files;
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
 * Pre-warm end to end, everything real: Prosody with our module, Smack clients, the sidecar, a Jibri
 * stand-in that takes {@link #JOIN_DELAY} to "join the call" and records with ffmpeg (a keyframe every
 * 2 s, as Jibri), the real finalize script, and the real ffmpeg cut at ingest.
 */
class PrewarmIT {
    private static final Duration MARGIN = Duration.ofSeconds(2);
    private static final Duration JOIN_DELAY = Duration.ofSeconds(3);
    @TempDir static Path dir;
    static Flow flow;

    @BeforeAll
    static void start() throws Exception {
        flow = new Flow(dir, b -> b.set("zentrix.recording.prewarm.rooms", List.of("desk-*"))
                .set("zentrix.recording.prewarm.margin", MARGIN.toSeconds() + " s"), 1);
        flow.jibris[0].joinDelay(JOIN_DELAY);
    }

    @AfterAll
    static void stop() {
        if (flow != null) flow.close();
    }

    @AfterEach
    void idle() throws InterruptedException {
        flow.jibris[0].awaitIdle(Duration.ofSeconds(30));
    }

    private static List<Map<String, Object>> sessions(String room) {
        return flow.sidecar.sessions(room);
    }

    private static Map<String, Object> awaitLast(String room, String status) {
        return flow.sidecar.awaitLastSession(room, status, Duration.ofSeconds(60));
    }

    private static List<Map<String, Object>> files(Object sessionId) {
        return flow.sidecar.db().withHandle(h -> h.createQuery("SELECT * FROM files WHERE session_id = :s AND kind = 'media' ORDER BY id")
                .bind("s", sessionId).mapToMap().list());
    }

    private static long ms(Object v) {
        return ((Number) v).longValue();
    }

    @Test
    void inPrewarmModeTheStoredRecordingStartsWithinTheMarginOfTheClientsJoin() throws Exception {
        String room = "desk-1";
        JibriStandIn jibri = flow.jibris[0];
        Instant beforeJoin;
        Instant afterJoin;
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass");
             XmppClients.Client guest = flow.xmpp.guest()) {
            XmppClients.Participant me = op.join(flow.room(room), "olena", "Олена Коваль");
            // The operator waits alone: the recorder is started and joins meanwhile.
            jibri.awaitPhase(JibriStandIn.Phase.RECORDING, Duration.ofSeconds(30));
            awaitLast(room, "recording");
            Map<String, Object> warming = sessions(room).get(0);
            assertNotNull(warming.get("prewarm_ms"));
            assertNull(warming.get("client_name"), "no client yet");
            Thread.sleep(3000); // more waiting: this part must not reach the archive

            beforeJoin = Instant.now();
            XmppClients.Participant client = guest.join(flow.room(room), "citizen", "Петро Іваненко");
            afterJoin = Instant.now();
            await().atMost(Duration.ofSeconds(5)).until(() -> sessions(room).get(0).get("client_joined_ms") != null);
            Thread.sleep(3000); // the conversation
            client.leave();
            me.leave();
        }
        Map<String, Object> s = awaitLast(room, "ok");
        assertEquals(1, sessions(room).size(), "one session: the warm-up became the conversation");
        assertEquals(1, jibri.startRequests().size(), "one recorder start, made while the operator waited");
        assertEquals("Петро Іваненко", s.get("client_name"));
        long joined = ms(s.get("client_joined_ms"));
        assertTrue(joined >= beforeJoin.toEpochMilli() - 5 && joined <= afterJoin.toEpochMilli() + 5,
                "the join time is Prosody's, taken between the join call and its answer");
        await().atMost(Duration.ofSeconds(10)).until(() -> String.valueOf(sessions(room).get(0).get("prewarm_note")).startsWith("cut at"));

        List<Map<String, Object>> media = files(s.get("id"));
        assertEquals(2, media.size(), media.toString());
        Map<String, Object> original = media.get(0);
        Map<String, Object> cut = media.get(1);
        assertEquals(original.get("id"), cut.get("trimmed_from"));
        assertNotNull(original.get("deleted_ms"), "the original is replaced by the cut");
        assertFalse(Files.exists(flow.sidecar.archiveDir().resolve((String) original.get("path"))));
        Path stored = flow.sidecar.archiveDir().resolve((String) cut.get("path"));
        assertEquals(Media.sha256(stored), cut.get("sha256"));
        assertNull(cut.get("deleted_ms"));
        long trimStart = ms(cut.get("trim_start_ms"));
        assertEquals(ms(original.get("duration_ms")) - trimStart, ms(cut.get("duration_ms")), 300, "the cut keeps the rest");
        // The deletion of the original is on the record.
        Map<String, Object> audit = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT * FROM audit WHERE action = 'prewarm_cut' AND session_id = :s").bind("s", s.get("id")).mapToMap().one());
        assertTrue(String.valueOf(audit.get("detail")).contains((String) original.get("path")), audit.toString());

        // Where the stored file begins on the wall clock: the recorder's first instant plus the cut.
        String jibriSession = flow.sidecar.db().withHandle(h -> h.createQuery("SELECT jibri_session_id FROM recordings WHERE session_id = :s")
                .bind("s", s.get("id")).mapTo(String.class).one());
        Instant zero = jibri.mediaZeroAt(jibriSession);
        assertNotNull(zero);
        long storedStart = zero.toEpochMilli() + trimStart;
        long leadIn = joined - storedStart;
        System.out.printf("pre-warm: recorder began %d ms before the join; stored file starts %d ms before the join "
                + "(margin %d ms); %d ms of waiting cut%n", joined - zero.toEpochMilli(), leadIn, MARGIN.toMillis(), trimStart);
        assertTrue(trimStart >= 1000, "the operator's waiting is cut (" + trimStart + " ms)");
        // Never after the join (no first word lost; 150 ms for how precisely the stand-in knows its start),
        // and at most the margin before it (plus the delay of Jibri's ON, which errs towards keeping more).
        assertTrue(leadIn >= -150, "the stored recording starts " + (-leadIn) + " ms after the client's join");
        assertTrue(leadIn <= MARGIN.toMillis() + 1000, "the stored recording starts " + leadIn + " ms before the client's join");
    }

    @Test
    void aWarmUpNoClientJoinedIsStoppedAndKeptAsWarmUpOnly() throws Exception {
        String room = "desk-2";
        try (XmppClients.Client op = flow.xmpp.user("taras", "taras-pass")) {
            XmppClients.Participant me = op.join(flow.room(room), "taras", "Тарас");
            flow.jibris[0].awaitPhase(JibriStandIn.Phase.RECORDING, Duration.ofSeconds(30));
            me.leave();
        }
        Map<String, Object> s = awaitLast(room, "ok");
        assertEquals(SessionSettler.WARM_UP_ONLY, s.get("reason"));
        assertNull(s.get("client_name"));
        assertEquals(0L, ms(s.get("conversation_ms")));
        List<Map<String, Object>> media = files(s.get("id"));
        assertEquals(1, media.size(), "kept, not cut and not deleted");
        assertNull(media.get(0).get("deleted_ms"));
        assertTrue(Files.exists(flow.sidecar.archiveDir().resolve((String) media.get(0).get("path"))));
    }

    @Test
    void roomsWithoutPrewarmStillWaitForTheClient() throws Exception {
        String room = "reception-9";
        int before = flow.jibris[0].startRequests().size();
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass")) {
            op.join(flow.room(room), "olena", "Олена").leave();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM events WHERE type = 'occupant-left' AND room_jid = :r").bind("r", flow.room(room))
                .mapTo(Integer.class).one()) > 0);
        assertEquals(before, flow.jibris[0].startRequests().size());
        assertTrue(sessions(room).isEmpty());
    }
}
