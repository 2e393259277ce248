package com.zentrix.video.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.FocusStandIn;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.SidecarProcess;
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

/**
 * Recording through Jicofo (xmpp mode) across a sidecar crash: the sidecar jar as a real process,
 * SIGKILLed mid-call and started again, a real Prosody with our module, Smack clients, a
 * {@link FocusStandIn} answering the Jibri IQ as Jicofo does and driving a {@link JibriStandIn} that runs
 * the real finalize script. After the restart the sidecar learns from the module's snapshot (the focus's
 * jibri-recording-status) whether the recording it had asked for still runs.
 */
class FocusRestartIT {
    @TempDir static Path dir;
    static SidecarProcess sidecar;
    static ProsodyServer prosody;
    static XmppClients xmpp;
    static String sidecarUrl;
    JibriStandIn jibri;

    @BeforeAll
    static void start() throws Exception {
        int port = Sidecar.freePort();
        int prosodyHttp = Sidecar.freePort();
        sidecarUrl = Sidecar.baseUrl(port);
        Path conf = Sidecar.builder(dir).port(port)
                .set("zentrix.jibri.mode", "xmpp")
                .set("zentrix.jibri.focus.control-url", "http://127.0.0.1:" + prosodyHttp + "/zentrix_events/jibri")
                .set("zentrix.recording.prewarm.rooms", List.of("warm-*"))
                .set("zentrix.prosody.snapshot-url", "http://127.0.0.1:" + prosodyHttp + "/zentrix_events/rooms")
                .set("zentrix.prosody.reconcile-interval", "3 s").set("zentrix.recording.restart-wait", "2 s")
                .set("zentrix.finalize.sweep-interval", "1 s").set("zentrix.finalize.sweep-after", "3 s")
                .writeConfig(dir.resolve("zentrix.conf"));
        sidecar = new SidecarProcess(conf, dir.resolve("sidecar.log"), port, dir.resolve("zentrix.db")).start();
        prosody = ProsodyServer.builder().eventsUrl(sidecarUrl + "/api/v1/events").eventsSecret(Sidecar.PROSODY_SECRET)
                .httpPort(prosodyHttp).recorderHost(true).start();
        prosody.register("olena", "olena-pass");
        prosody.register("focus", "focus-pass");
        xmpp = new XmppClients(prosody);
    }

    @AfterAll
    static void stop() {
        if (prosody != null) prosody.close();
        if (sidecar != null) sidecar.close();
    }

    @AfterEach
    void closeJibri() {
        if (jibri != null) jibri.close();
    }

    /** A Jibri as Jicofo's brewery would hand out: records into the sidecar's folder, runs the real finalize. */
    private JibriStandIn jibri() throws Exception {
        jibri = Flow.jibri(dir.resolve("jibri-recordings"), sidecarUrl).finalizeEnvironment("ZENTRIX_FINALIZE_SYNC_SECONDS", "2")
                .jibriId("jibri-xmpp").joinDelay(Duration.ofMillis(300)).start();
        return jibri;
    }

    private FocusStandIn focus(String room) throws Exception {
        return FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain())
                .recordWith(jibri(), Duration.ofSeconds(2));
    }

    private static List<Map<String, Object>> sessions(String room) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT * FROM sessions WHERE room_name = :r ORDER BY id")
                .bind("r", room).mapToMap().list());
    }

    private static Object last(String room, String column) {
        List<Map<String, Object>> s = sessions(room);
        return s.isEmpty() ? null : s.get(s.size() - 1).get(column);
    }

    private static long requests(FocusStandIn focus, String action) {
        return focus.requests().stream().filter(r -> action.equals(r.action())).count();
    }

    private static XmppClients.Participant joinAsModerator(FocusStandIn focus, XmppClients.Client op, String room)
            throws Exception {
        XmppClients.Participant operator = op.join(prosody.roomJid(room), "olena", "Олена");
        await().atMost(Duration.ofSeconds(5)).until(() -> focus.isModerator(operator.occupantJid()));
        return operator;
    }

    /** The operator (a moderator, as Jicofo makes accounts) and a client are in a call being recorded. */
    private record Call(XmppClients.Participant operator, XmppClients.Participant client, Object sessionId, String jicofoId) {}

    private static Call recordedCall(FocusStandIn focus, XmppClients.Client op, XmppClients.Client guest, String room,
            String clientName) throws Exception {
        XmppClients.Participant operator = joinAsModerator(focus, op, room);
        XmppClients.Participant client = guest.join(prosody.roomJid(room), "citizen", clientName);
        await().atMost(Duration.ofSeconds(20)).until(() -> "recording".equals(last(room, "status")));
        return new Call(operator, client, last(room, "id"), focus.currentSession());
    }

    /** The sidecar is back and has applied Prosody's snapshot (fetched at start, then every 3 s). */
    private static void awaitReconciledAfterRestart() {
        await().atMost(Duration.ofSeconds(20)).until(() -> sidecar.log().split("reconciled with snapshot").length > reconciledBefore);
    }

    private static int reconciledBefore;

    private static void restart() throws Exception {
        reconciledBefore = sidecar.log().split("reconciled with snapshot").length;
        sidecar.start();
    }

    private static void assertEachRecordingIngestedOnce(Object sessionId) {
        assertEquals(0, sidecar.number("SELECT count(*) FROM (SELECT recording_id FROM files WHERE kind = 'media' "
                + "AND recording_id IN (SELECT id FROM recordings WHERE session_id = ?) GROUP BY recording_id HAVING count(*) > 1)",
                sessionId), "no file ingested twice");
        assertTrue(sidecar.number("SELECT count(*) FROM files f JOIN recordings r ON r.id = f.recording_id "
                + "WHERE r.session_id = ? AND f.kind = 'media'", sessionId) >= 1, "the file was ingested");
    }

    @Test
    void aRecordingJicofoStillRunsIsAdoptedAfterASigkillAndStoppedThroughTheFocusWhenTheClientLeaves() throws Exception {
        String room = "xr-adopt";
        try (FocusStandIn focus = focus(room); XmppClients.Client op = xmpp.user("olena", "olena-pass");
             XmppClients.Client guest = xmpp.guest()) {
            Call call = recordedCall(focus, op, guest, room, "Петро");
            String jicofoId = call.jicofoId();
            Object sessionId = call.sessionId();

            sidecar.kill();
            jibri.awaitRecording(Duration.ofSeconds(5)); // Jicofo's recorder goes on without us
            restart();
            awaitReconciledAfterRestart();

            assertEquals(1, sessions(room).size(), "no second session");
            assertEquals("recording", last(room, "status"));
            assertEquals(1, requests(focus, "start"), "no second start IQ at the focus");
            assertEquals(1L, sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", sessionId));
            assertEquals(jicofoId, focus.currentSession(), "the same recording runs");
            assertTrue(sidecar.log().contains("reconcile: recorder still runs room=" + room), "adopted through the snapshot");

            call.client().leave();
            await().atMost(Duration.ofSeconds(15)).until(() -> requests(focus, "stop") == 1);
            FocusStandIn.Request stop = focus.requests().stream().filter(r -> "stop".equals(r.action())).findFirst().orElseThrow();
            assertEquals(call.operator().occupantJid(), stop.from(), "stopped through the focus as the operator");
            assertEquals(jicofoId, stop.attributes().get("session_id"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(last(room, "status")));
            assertEquals(1, sessions(room).size());
            assertEachRecordingIngestedOnce(sessionId);
            assertEquals(1, requests(focus, "start"));
        }
    }

    @Test
    void aCallThatEndedWhileTheSidecarWasDownIsClosedWithItsFile() throws Exception {
        String room = "xr-ended";
        try (FocusStandIn focus = focus(room); XmppClients.Client op = xmpp.user("olena", "olena-pass");
             XmppClients.Client guest = xmpp.guest()) {
            Call call = recordedCall(focus, op, guest, room, "Ганна");
            Object sessionId = call.sessionId();

            sidecar.kill();
            // Everyone leaves; the Jibri, alone, ends the call (empty-call check), its finalize cannot reach
            // us; then the focus leaves and the room is gone.
            call.client().leave();
            call.operator().leave();
            await().atMost(Duration.ofSeconds(20)).until(() -> jibri.lastOutcome().isPresent() && focus.currentSession() == null);
            assertEquals("call-ended", jibri.lastOutcome().get().endReason());
            restart();

            await().atMost(Duration.ofSeconds(40)).until(() -> "ok".equals(last(room, "status")));
            assertEquals(1, sessions(room).size());
            assertEquals(1, requests(focus, "start"), "no new recording for a call that is over");
            assertEquals(0, requests(focus, "stop"), "nobody was left to stop it, and nothing to stop");
            assertEachRecordingIngestedOnce(sessionId);
            assertTrue(last(room, "ended_ms") != null);
        }
    }

    @Test
    void aRecordingThatFailedWhileTheSidecarWasDownIsATechnicalErrorAndIsStartedAgain() throws Exception {
        String room = "xr-failed";
        try (FocusStandIn focus = focus(room); XmppClients.Client op = xmpp.user("olena", "olena-pass");
             XmppClients.Client guest = xmpp.guest()) {
            Call call = recordedCall(focus, op, guest, room, "Остап");
            String first = call.jicofoId();
            Object sessionId = call.sessionId();

            sidecar.kill();
            // The Jibri fails while the call goes on: Jicofo publishes off with failure_reason=error. The
            // event that says so cannot reach us; after the restart only the snapshot tells.
            focus.failCurrent("error");
            jibri.awaitIdle(Duration.ofSeconds(20));
            restart();

            await().atMost(Duration.ofSeconds(30)).until(() -> requests(focus, "start") == 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> "recording".equals(last(room, "status")));
            assertEquals(1, sessions(room).size(), "the same session records again");
            assertEquals(2L, sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", sessionId));
            List<String> history = sidecar.db().withHandle(h -> h.createQuery(
                    "SELECT coalesce(reason, '') FROM session_history WHERE session_id = :s AND status = 'technical_error'")
                    .bind("s", sessionId).mapTo(String.class).list());
            assertTrue(history.stream().anyMatch(r -> r.contains("failure_reason=error")), history.toString());
            // What the failed recorder captured before it failed is kept: its folder is swept in.
            await().atMost(Duration.ofSeconds(20)).until(() -> "ingested".equals(sidecar.db().withHandle(h -> h.createQuery(
                    "SELECT status FROM recordings WHERE jibri_session_id = :j").bind("j", first).mapTo(String.class).one())));

            call.client().leave();
            await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(last(room, "status")));
            assertEquals(1, sessions(room).size());
        }
    }
}
