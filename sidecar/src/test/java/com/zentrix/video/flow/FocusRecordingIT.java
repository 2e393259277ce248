package com.zentrix.video.flow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.FocusStandIn;
import com.zentrix.video.testing.Media;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recording the way Jitsi records (zentrix.jibri.mode = "xmpp"), all real but Jicofo: a real Prosody
 * with our module, the sidecar, Smack clients, and a {@link FocusStandIn} at {@code room/focus} that
 * answers the Jibri IQ and publishes jibri-recording-status as Jicofo does.
 */
class FocusRecordingIT {
    @TempDir static Path dir;
    static Sidecar sidecar;
    static ProsodyServer prosody;
    static XmppClients xmpp;

    @BeforeAll
    static void start() throws Exception {
        int prosodyHttp = Sidecar.freePort();
        sidecar = Sidecar.builder(dir)
                .set("zentrix.jibri.mode", "xmpp")
                .set("zentrix.jibri.focus.control-url", "http://127.0.0.1:" + prosodyHttp + "/zentrix_events/jibri")
                .set("zentrix.recording.prewarm.rooms", List.of("warm-*"))
                .start();
        prosody = ProsodyServer.builder().eventsUrl(sidecar.eventsUrl()).eventsSecret(Sidecar.PROSODY_SECRET)
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

    private static List<Map<String, Object>> sessions(String room) {
        return sidecar.sessions(room);
    }

    private static Map<String, Object> awaitStatus(String room, String status) {
        return sidecar.awaitLastSession(room, status, Duration.ofSeconds(20));
    }

    private static List<FocusStandIn.Request> requests(FocusStandIn focus, String action) {
        return focus.requests().stream().filter(r -> action.equals(r.action())).toList();
    }

    private static List<String> history(Object sessionId) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT status FROM session_history WHERE session_id = :s ORDER BY id")
                .bind("s", sessionId).mapTo(String.class).list());
    }

    /** The operator joins; the focus stand-in makes them owner (moderator), as Jicofo does for accounts. */
    private static XmppClients.Participant joinAsModerator(FocusStandIn focus, XmppClients.Client op, String room)
            throws XmppClients.ClientException {
        XmppClients.Participant operator = op.join(prosody.roomJid(room), "olena", "Олена");
        await().atMost(Duration.ofSeconds(5)).until(() -> focus.isModerator(operator.occupantJid()));
        return operator;
    }

    /** What Jibri does after a stop: the MP4 in a folder named after Jicofo's session id, then finalize. */
    private static void finalizeRecording(String jibriSessionId, String room) throws Exception {
        Path folder = sidecar.recordingsDir().resolve(jibriSessionId);
        Media.mp4(folder.resolve(room + "_2026-11-24-10-00-00.mp4"), 2);
        var r = sidecar.postSigned("/api/v1/finalize", "{\"directory\":\"" + folder + "\"}", Sidecar.FINALIZE_SECRET);
        assertEquals(202, r.statusCode(), r.body());
    }

    @Test
    void aModeratorOperatorRecordsThroughJicofoAndTheFileArrivesUnderJicofosSessionId() throws Exception {
        String room = "desk1";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain());
             XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client guest = xmpp.guest()) {
            XmppClients.Participant operator = joinAsModerator(focus, op, room);
            XmppClients.Participant client = guest.join(prosody.roomJid(room), "citizen", "Петро");

            await().atMost(Duration.ofSeconds(5)).until(() -> !requests(focus, "start").isEmpty());
            FocusStandIn.Request start = requests(focus, "start").get(0);
            assertEquals(operator.occupantJid(), start.from(), "sent from the operator's in-room JID");
            assertEquals("file", start.attributes().get("recording_mode"));
            assertTrue(start.attributes().get("app_data").contains("\"file_recording_metadata\""), start.attributes().toString());
            assertTrue(start.answer().startsWith("result "), start.answer());

            Map<String, Object> recording = awaitStatus(room, "recording");
            String jicofoId = focus.currentSession();
            assertEquals(jicofoId, sidecar.db().withHandle(h -> h.createQuery(
                    "SELECT jibri_session_id FROM recordings WHERE session_id = :s").bind("s", recording.get("id"))
                    .mapTo(String.class).one()), "the recording carries Jicofo's session id");

            client.leave();
            await().atMost(Duration.ofSeconds(10)).until(() -> !requests(focus, "stop").isEmpty());
            FocusStandIn.Request stop = requests(focus, "stop").get(0);
            assertEquals(operator.occupantJid(), stop.from());
            assertEquals(jicofoId, stop.attributes().get("session_id"));
            awaitStatus(room, "stopping");
            finalizeRecording(jicofoId, room);
            Map<String, Object> done = awaitStatus(room, "ok");
            List<String> h = history(done.get("id"));
            assertEquals(List.of("starting", "recording", "stopping", "ok"), h.stream().distinct().toList(), h.toString());
        }
    }

    @Test
    void inAPrewarmRoomTheRecorderIsStartedThroughJicofoWhileTheOperatorWaits() throws Exception {
        String room = "warm-desk1";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain());
             XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client guest = xmpp.guest()) {
            XmppClients.Participant operator = joinAsModerator(focus, op, room);
            // Jicofo makes the operator a moderator after the join: a start sent first is refused and retried.
            Map<String, Object> warm = awaitStatus(room, "recording");
            assertNull(warm.get("client_name"), "no client yet");
            assertTrue(warm.get("prewarm_ms") != null);
            int starts = requests(focus, "start").size();
            assertEquals(operator.occupantJid(), requests(focus, "start").get(starts - 1).from());
            String jicofoId = focus.currentSession();

            XmppClients.Participant client = guest.join(prosody.roomJid(room), "citizen", "Петро");
            await().atMost(Duration.ofSeconds(5)).until(() -> sidecar.sessions(room).get(0).get("client_joined_ms") != null);
            assertEquals(starts, requests(focus, "start").size(), "the warm recorder goes on: no second start");
            client.leave();
            // Jicofo takes a stop only from a moderator in the room, so the operator stays; and, still
            // waiting, gets a warm-up for the next client.
            await().atMost(Duration.ofSeconds(10)).until(() -> !requests(focus, "stop").isEmpty());
            assertEquals(jicofoId, requests(focus, "stop").get(0).attributes().get("session_id"));
            finalizeRecording(jicofoId, room);
            await().atMost(Duration.ofSeconds(20)).until(() -> "ok".equals(sidecar.sessions(room).get(0).get("status")));
            assertEquals("Петро", sidecar.sessions(room).get(0).get("client_name"));
            await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.sessions(room).size() == 2);
            assertNull(sidecar.sessions(room).get(1).get("client_name"), "the next warm-up");
        }
    }

    @Test
    void anOperatorWhoIsNotAModeratorIsRefusedWithAClearReason() throws Exception {
        String room = "desk2";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain())
                .grantOwners(false);
             XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client guest = xmpp.guest()) {
            op.join(prosody.roomJid(room), "olena", "Олена");
            guest.join(prosody.roomJid(room), "citizen", "Марія");
            Map<String, Object> s = awaitStatus(room, "technical_error");
            String reason = (String) s.get("reason");
            assertTrue(reason.contains("not-allowed") && reason.contains("not a moderator"), reason);
            assertTrue(requests(focus, "start").get(0).answer().contains("not-allowed"), focus.requests().toString());
        }
    }

    @Test
    void aJicofoRefusalNamesItsReason() throws Exception {
        String room = "desk3";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain())
                .refuseStarts("resource-constraint", "all Jibris are busy");
             XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client guest = xmpp.guest()) {
            XmppClients.Participant operator = joinAsModerator(focus, op, room);
            guest.join(prosody.roomJid(room), "citizen", "Остап");
            Map<String, Object> s = awaitStatus(room, "technical_error");
            assertTrue(((String) s.get("reason")).contains("resource-constraint: all Jibris are busy"), (String) s.get("reason"));
            focus.refuseStarts(null, null);
            awaitStatus(room, "recording");
        }
    }

    @Test
    void aJibriFailureMidCallIsATechnicalErrorAndTheRecordingIsRetried() throws Exception {
        String room = "desk4";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain());
             XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client guest = xmpp.guest()) {
            XmppClients.Participant operator = joinAsModerator(focus, op, room);
            guest.join(prosody.roomJid(room), "citizen", "Ганна");
            Map<String, Object> s = awaitStatus(room, "recording");
            String first = focus.currentSession();

            focus.failCurrent("error");
            Map<String, Object> failed = awaitStatus(room, "technical_error");
            assertTrue(((String) failed.get("reason")).contains("failure_reason=error"), (String) failed.get("reason"));
            await().atMost(Duration.ofSeconds(10)).until(() -> requests(focus, "start").size() >= 2);
            awaitStatus(room, "recording");
            String second = focus.currentSession();
            assertNotEquals(first, second);
            assertEquals(2L, sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", s.get("id")));
            assertEquals("failed", sidecar.db().withHandle(h -> h.createQuery(
                    "SELECT status FROM recordings WHERE jibri_session_id = :j").bind("j", first).mapTo(String.class).one()));
        }
    }
}
