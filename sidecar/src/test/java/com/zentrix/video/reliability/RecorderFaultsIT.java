package com.zentrix.video.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recorder faults with real Prosody, clients, stand-ins and files: what the session shows, and how it recovers. */
class RecorderFaultsIT {
    @TempDir static Path dir;
    static Flow flow;

    @BeforeAll
    static void start() throws Exception {
        flow = new Flow(dir, b -> b.set("zentrix.finalize.timeout", "2 s").set("zentrix.finalize.sweep-after", "6 s")
                .set("zentrix.finalize.sweep-interval", "1 s").set("zentrix.jibri.request-timeout", "3 s"), 2);
    }

    @AfterAll
    static void stop() {
        flow.close();
    }

    @AfterEach
    void heal() throws InterruptedException {
        for (JibriStandIn j : flow.jibris) {
            j.skipFinalize(false).failStart500(false).dieMidRecordingAfter(null).loseStops(0).answerStartsLate(0, Duration.ZERO);
            j.awaitIdle(Duration.ofSeconds(20));
        }
    }

    static List<Map<String, Object>> sessions(String room) {
        return flow.sidecar.db().withHandle(h -> h.createQuery("SELECT * FROM sessions WHERE room_name = :r ORDER BY id")
                .bind("r", room).mapToMap().list());
    }

    static Map<String, Object> awaitStatus(String room, String status, Duration within) {
        await().atMost(within).until(() -> {
            List<Map<String, Object>> s = sessions(room);
            return !s.isEmpty() && status.equals(s.get(s.size() - 1).get("status"));
        });
        return sessions(room).get(sessions(room).size() - 1);
    }

    static void conversation(String room, Duration talk) throws Exception {
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Клієнт");
            awaitStatus(room, "recording", Duration.ofSeconds(15));
            Thread.sleep(talk.toMillis());
        }
    }

    @Test
    void aFinalizeThatNeverComesIsATechnicalErrorUntilTheSweeperCompletesIt() throws Exception {
        for (JibriStandIn j : flow.jibris) j.skipFinalize(true);
        conversation("lost-finalize", Duration.ofSeconds(2));
        Map<String, Object> s = awaitStatus("lost-finalize", "technical_error", Duration.ofSeconds(30));
        long id = ((Number) s.get("id")).longValue();
        // The sweeper finds the folder Jibri left (metadata.json written, finalize never ran) and completes it.
        awaitStatus("lost-finalize", "ok", Duration.ofSeconds(30));
        List<String> history = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT coalesce(reason, status) FROM session_history WHERE session_id = :s ORDER BY id").bind("s", id).mapTo(String.class).list());
        assertTrue(history.stream().anyMatch(r -> r.contains("finalize never arrived")), history.toString());
        assertEquals(1, flow.sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media'", id), "ingested once");
        assertEquals(1, flow.sidecar.number("SELECT count(*) FROM handovers h JOIN recordings r ON r.jibri_session_id = h.dir_name "
                + "WHERE r.session_id = ?", id));
    }

    @Test
    void aRecorderDyingMidCallIsATechnicalErrorAndRecordingResumes() throws Exception {
        flow.jibris[0].dieMidRecordingAfter(Duration.ofSeconds(2));
        flow.jibris[1].dieMidRecordingAfter(Duration.ofSeconds(2));
        String room = "dies-mid-call";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Клієнт");
            awaitStatus(room, "recording", Duration.ofSeconds(15));
            Map<String, Object> broken = awaitStatus(room, "technical_error", Duration.ofSeconds(15));
            assertTrue(((String) broken.get("reason")).startsWith("recorder failed"), (String) broken.get("reason"));
            for (JibriStandIn j : flow.jibris) j.dieMidRecordingAfter(null);
            awaitStatus(room, "recording", Duration.ofSeconds(20));
            Thread.sleep(2000);
        }
        Map<String, Object> s = awaitStatus(room, "ok", Duration.ofSeconds(30));
        long id = ((Number) s.get("id")).longValue();
        assertEquals(1, sessions(room).size(), "one conversation, one session");
        assertTrue(flow.sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", id) >= 2, "a second recorder took over");
        assertTrue(flow.sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media' AND media_error IS NOT NULL", id) >= 1,
                "the killed recorder's truncated file is kept, marked unreadable");
        assertTrue(((Number) s.get("recorded_ms")).longValue() < ((Number) s.get("conversation_ms")).longValue());
    }

    @Test
    void aStopLostOnTheWayIsAskedAgainUntilTheRecorderHasStopped() throws Exception {
        for (JibriStandIn j : flow.jibris) j.loseStops(1);
        conversation("lost-stop", Duration.ofSeconds(2));
        // The first stop never reaches the recorder: without another one it would record the empty room on.
        await().atMost(Duration.ofSeconds(15)).until(() -> flow.jibris[0].stopsLost() + flow.jibris[1].stopsLost() == 1);
        for (JibriStandIn j : flow.jibris) j.awaitIdle(Duration.ofSeconds(20));
        Map<String, Object> s = awaitStatus("lost-stop", "ok", Duration.ofSeconds(30));
        long id = ((Number) s.get("id")).longValue();
        JibriStandIn used = flow.jibris[0].stopsLost() == 1 ? flow.jibris[0] : flow.jibris[1];
        List<JibriStandIn.SessionOutcome> outcomes = used.outcomes();
        assertEquals("stopService", outcomes.get(outcomes.size() - 1).endReason(), "stopped by the stop asked again");
        assertEquals(1, flow.sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", id), "one recorder");
        assertEquals(1, flow.sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media' "
                + "AND media_error IS NULL", id), "its file ingested once");
    }

    @Test
    void aJibriAnswering500IsPassedOverForTheNextOne() throws Exception {
        flow.jibris[0].failStart500(true);
        flow.jibris[1].failStart500(false);
        conversation("five-hundred", Duration.ofSeconds(1));
        Map<String, Object> s = awaitStatus("five-hundred", "ok", Duration.ofSeconds(30));
        assertEquals(flow.jibris[1].baseUrl(), flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT jibri_url FROM recordings WHERE session_id = :s").bind("s", s.get("id")).mapTo(String.class).one()));
    }

    @Test
    void aStartAnsweredTooLateIsStoppedAndNoSessionIdGoesToTwoRecorders() throws Exception {
        // Both recorders take their first start but answer after the sidecar's 3 s request timeout.
        for (JibriStandIn j : flow.jibris) j.answerStartsLate(1, Duration.ofSeconds(6));
        String room = "late-answer";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Клієнт");
            // Whichever recorder is asked first takes the start and answers late; the next answer in time.
            await().atMost(Duration.ofSeconds(10)).until(() -> java.util.Arrays.stream(flow.jibris)
                    .anyMatch(j -> j.startRequests().stream().anyMatch(r -> r.status() == 200 && r.rawBody().contains(room))));
            for (JibriStandIn j : flow.jibris) j.answerStartsLate(0, Duration.ZERO);
            // The first recorder's answer times out; a second one, with a new session id, records the call.
            await().atMost(Duration.ofSeconds(40)).until(() -> {
                List<Map<String, Object>> s = sessions(room);
                return !s.isEmpty() && "recording".equals(s.get(0).get("status")) && flow.sidecar.number(
                        "SELECT count(*) FROM recordings WHERE session_id = ? AND status = 'recording' AND id > "
                                + "(SELECT min(id) FROM recordings WHERE session_id = ?)", s.get(0).get("id"), s.get(0).get("id")) == 1;
            });
            Thread.sleep(2000);
        }
        Map<String, Object> s = awaitStatus(room, "ok", Duration.ofSeconds(40));
        long id = ((Number) s.get("id")).longValue();
        for (JibriStandIn j : flow.jibris) j.awaitIdle(Duration.ofSeconds(20));
        assertEquals(1, sessions(room).size(), "one conversation, one session");

        // Every session id was taken by one recorder only (it names the folder the file is written to).
        List<String> taken = java.util.Arrays.stream(flow.jibris).flatMap(j -> j.startRequests().stream())
                .filter(r -> r.status() == 200).map(JibriStandIn.StartRequest::sessionId).toList();
        assertEquals(taken.size(), taken.stream().distinct().count(), "a session id given to two recorders: " + taken);
        // The late one was stopped, not left recording next to its replacement.
        List<String> recorders = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT jibri_session_id FROM recordings WHERE session_id = :s ORDER BY id").bind("s", id).mapTo(String.class).list());
        String late = recorders.get(0);
        assertTrue(java.util.Arrays.stream(flow.jibris).flatMap(j -> j.stopRequests().stream()).anyMatch(r -> late.equals(r.sessionId())),
                "the start that answered late was stopped");
        assertTrue(flow.sidecar.db().withHandle(h -> h.createQuery("SELECT failure FROM recordings WHERE jibri_session_id = :j")
                .bind("j", late).mapTo(String.class).one()).contains("startService timed out"));
        // Whatever the recorders wrote is in the archive, once, and nothing is left in the Jibri folder.
        long written = java.util.Arrays.stream(flow.jibris).flatMap(j -> j.outcomes().stream())
                .filter(o -> recorders.contains(o.sessionId()) && o.metadataWritten()).count();
        assertTrue(written >= 1 && recorders.size() >= 2, recorders.toString());
        // The late recorder's file may come after the session is ok (its attempt had already failed).
        await().atMost(Duration.ofSeconds(20)).until(() -> flow.sidecar.number(
                "SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media'", id) == written);
        try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(flow.jibris[0].recordingsDir())) {
            assertEquals(List.of(), left.filter(p -> recorders.contains(p.getFileName().toString())).toList());
        }
    }
}
