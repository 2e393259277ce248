package com.zentrix.video.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.CrashFlow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.SidecarProcess;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar jar as a real process, SIGKILLed in the middle of calls and kept down for a minute while
 * the calls go on in a real Prosody; after the restart every room's recording state is right, no
 * session is lost or doubled, and every file is ingested once.
 */
class CrashRecoveryIT {
    @TempDir static Path dir;
    static CrashFlow flow;
    static SidecarProcess sidecar;
    static XmppClients xmpp;

    @BeforeAll
    static void start() throws Exception {
        flow = new CrashFlow(dir, 3, j -> j, s -> s, "olena", "taras", "ivan");
        sidecar = flow.sidecar;
        xmpp = flow.xmpp;
    }

    @AfterAll
    static void stop() {
        if (flow != null) flow.close();
    }

    static List<Map<String, Object>> sessions(String room) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT * FROM sessions WHERE room_name = :r ORDER BY id")
                .bind("r", room).mapToMap().list());
    }

    static String status(String room) {
        List<Map<String, Object>> s = sessions(room);
        return s.isEmpty() ? null : (String) s.get(s.size() - 1).get("status");
    }

    @Test
    void aSigkillAndAMinuteDownLoseNoSessionNoEventAndNoFile() throws Exception {
        try (XmppClients.Client opA = xmpp.user("olena", "olena-pass"); XmppClients.Client opB = xmpp.user("taras", "taras-pass");
             XmppClients.Client opC = xmpp.user("ivan", "ivan-pass");
             XmppClients.Client clientA = xmpp.guest(); XmppClients.Client clientB = xmpp.guest();
             XmppClients.Client clientC = xmpp.guest()) {
            // Two conversations are being recorded; a third room has only its operator.
            opA.join(xmpp.roomJid("crash-a"), "olena", "Олена");
            XmppClients.Participant a = clientA.join(xmpp.roomJid("crash-a"), "ca", "Клієнт А");
            opB.join(xmpp.roomJid("crash-b"), "taras", "Тарас");
            clientB.join(xmpp.roomJid("crash-b"), "cb", "Клієнт Б");
            opC.join(xmpp.roomJid("crash-c"), "ivan", "Іван");
            await().atMost(Duration.ofSeconds(20)).until(() -> "recording".equals(status("crash-a")) && "recording".equals(status("crash-b")));
            long sessionB = ((Number) sessions("crash-b").get(0).get("id")).longValue();
            Thread.sleep(1000);

            sidecar.kill();
            Instant down = Instant.now();
            // While it is down: A's client leaves; a client arrives in C and stays.
            a.leave();
            clientC.join(xmpp.roomJid("crash-c"), "cc", "Клієнт В");
            Thread.sleep(Math.max(0, Duration.ofSeconds(60).minus(Duration.between(down, Instant.now())).toMillis()));
            sidecar.start();

            // A: the client left while we were down -> its session ends, its recorder stops, its file arrives.
            await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(status("crash-a")));
            // B: still talking -> the same session goes on with the same recorder.
            // C: a client came while we were down -> a new session records.
            await().atMost(Duration.ofSeconds(30)).until(() -> "recording".equals(status("crash-c")));
            assertEquals(1, sessions("crash-b").size(), "B kept one session");
            assertEquals("recording", status("crash-b"));
            assertEquals(1, sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", sessionB), "B's recorder was never restarted");
            assertEquals(1, sessions("crash-a").size());
            assertEquals(1, sessions("crash-c").size());
            // Every event Prosody queued while we were down reaches the journal too (its retry backs off
            // to 30 s, so the snapshot usually puts things right before the replay arrives).
            await().atMost(Duration.ofSeconds(40)).until(() ->
                    sidecar.number("SELECT count(*) FROM events WHERE room_jid LIKE 'crash-c@%' AND type = 'occupant-joined'") >= 2
                    && sidecar.number("SELECT count(*) FROM events WHERE room_jid LIKE 'crash-a@%' AND type = 'occupant-left'") >= 1);
            assertEquals(1, sessions("crash-c").size(), "the replayed events did not start a second session");
            assertEquals("recording", status("crash-b"));
        }
        // Everyone leaves: all sessions end ok, each recording's file ingested exactly once.
        await().atMost(Duration.ofSeconds(40)).until(() -> "ok".equals(status("crash-b")) && "ok".equals(status("crash-c")));
        assertEquals(0, sidecar.number("SELECT count(*) FROM sessions WHERE status NOT IN ('ok')"), sidecar.log());
        assertEquals(sidecar.number("SELECT count(*) FROM recordings WHERE status = 'ingested'"),
                sidecar.number("SELECT count(DISTINCT recording_id) FROM files WHERE kind = 'media'"));
        assertEquals(0, sidecar.number("SELECT count(*) FROM (SELECT recording_id FROM files WHERE kind = 'media' GROUP BY recording_id HAVING count(*) > 1)"),
                "no file ingested twice");
    }

    @Test
    void aStopNotSeenThroughBeforeASigkillIsAskedAgainAfterTheRestart() throws Exception {
        String room = "crash-stop";
        // Every stop is lost on the way until the restart: only the restarted sidecar can end this recorder.
        for (JibriStandIn j : flow.jibris) j.loseStops(1000);
        long id;
        try (XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client client = xmpp.guest()) {
            op.join(xmpp.roomJid(room), "olena", "Олена");
            client.join(xmpp.roomJid(room), "cs", "Клієнт");
            await().atMost(Duration.ofSeconds(20)).until(() -> "recording".equals(status(room)));
            id = ((Number) sessions(room).get(0).get("id")).longValue();
            Thread.sleep(1000);
            client.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> Stream.of(flow.jibris).mapToInt(JibriStandIn::stopsLost).sum() >= 1
                    && sidecar.number("SELECT count(*) FROM sessions WHERE id = ? AND ended_ms IS NOT NULL", id) == 1);
            sidecar.kill();
            for (JibriStandIn j : flow.jibris) j.loseStops(0);
            assertTrue(Stream.of(flow.jibris).anyMatch(j -> j.phase() == JibriStandIn.Phase.RECORDING), "still recording at the kill");
            sidecar.start();
            // The operator is still in the room: nothing but the sidecar would ever stop this recorder.
            for (JibriStandIn j : flow.jibris) j.awaitIdle(Duration.ofSeconds(20));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(status(room)));
        assertEquals(1, sessions(room).size());
        assertEquals(1, sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", id), "one recorder");
        assertEquals(1, sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media' AND media_error IS NULL", id),
                "its file ingested once");
    }
}
