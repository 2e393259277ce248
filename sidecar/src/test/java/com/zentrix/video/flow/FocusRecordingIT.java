package com.zentrix.video.flow;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.recording.SessionSettler;
import com.zentrix.video.testing.FocusStandIn;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
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
                .httpPort(prosodyHttp).recorderHost(true)
                // Two operators who log in with a Jitsi JWT (what token authentication leaves on their sessions):
                // one whose token grants recording, one whose token withholds it.
                .testTokens("{ ivanka = { user = { id = \"u-ivanka\", name = \"Іванка\", moderator = true },"
                        + " features = { recording = \"true\" } },"
                        + " marko = { user = { id = \"u-marko\", name = \"Марко\", moderator = true },"
                        + " features = { recording = \"false\" } } }")
                .start();
        prosody.register("olena", "olena-pass");
        prosody.register("ivanka", "ivanka-pass");
        prosody.register("marko", "marko-pass");
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
    void aTokenWithoutTheRecordingFeatureIsRefusedByTheModuleAndOneWithItRecords() throws Exception {
        String refused = "desk-jwt-1";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(refused), prosody.domain());
             XmppClients.Client op = xmpp.user("marko", "marko-pass"); XmppClients.Client guest = xmpp.guest()) {
            op.join(prosody.roomJid(refused), "marko", "Марко");
            guest.join(prosody.roomJid(refused), "citizen", "Софія");
            Map<String, Object> s = awaitStatus(refused, "technical_error");
            String reason = (String) s.get("reason");
            assertTrue(reason.contains("no-recording-feature") && reason.contains("context.features.recording"), reason);
            assertEquals("u-marko", s.get("operator_user_id"), "a JWT operator, linked by the token's user id");
            assertEquals(List.of(), requests(focus, "start"), "no Jibri IQ left the module for a token without the feature");
        }
        String allowed = "desk-jwt-2";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(allowed), prosody.domain());
             XmppClients.Client op = xmpp.user("ivanka", "ivanka-pass"); XmppClients.Client guest = xmpp.guest()) {
            XmppClients.Participant operator = op.join(prosody.roomJid(allowed), "ivanka", "Іванка");
            await().atMost(Duration.ofSeconds(5)).until(() -> focus.isModerator(operator.occupantJid()));
            guest.join(prosody.roomJid(allowed), "citizen", "Тарас");
            awaitStatus(allowed, "recording");
            assertEquals(operator.occupantJid(), requests(focus, "start").get(0).from());
        }
    }

    @Test
    void pendingKeepsTheSessionStartingUntilJicofoSaysOnThenOffEndsIt() throws Exception {
        String room = "desk-pending";
        try (FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain())
                .onDelay(null);
             XmppClients.Client op = xmpp.user("olena", "olena-pass"); XmppClients.Client guest = xmpp.guest()) {
            joinAsModerator(focus, op, room);
            guest.join(prosody.roomJid(room), "citizen", "Богдан");
            // Jicofo accepted and published "pending": the event reaches the sidecar's journal...
            await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.number("SELECT count(*) FROM events WHERE type = "
                    + "'recording-status' AND room_jid = ? AND body LIKE '%\"pending\"%'", prosody.roomJid(room)) > 0);
            Map<String, Object> starting = sessions(room).get(0);
            // ...and the session stays 'starting': a recorder that is still joining records nothing yet.
            assertEquals("starting", sidecar.sessions(room).get(0).get("status"));
            assertFalse(history(starting.get("id")).contains("recording"));

            focus.publishOn();
            awaitStatus(room, "recording");
            assertEquals(1, requests(focus, "start").size(), "one start: pending was not taken for a failure");
        }
        // Everyone left: the stop goes to the focus, Jicofo says off, the session waits for its file.
        Map<String, Object> s = awaitStatus(room, "stopping");
        List<String> h = history(s.get("id"));
        assertTrue(h.indexOf("starting") < h.indexOf("recording") && h.indexOf("recording") < h.indexOf("stopping"), h.toString());
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

    /** A Jibri that Jicofo (the focus stand-in) drives: records into the sidecar's folder, runs the real finalize. */
    private static JibriStandIn jibri() throws Exception {
        return Flow.jibri(sidecar.recordingsDir(), sidecar.baseUrl()).jibriId("jibri-brewery-1").joinDelay(Duration.ofMillis(300))
                .start();
    }

    private static List<String> reasons(Object sessionId) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT coalesce(reason, '') FROM session_history WHERE session_id = :s ORDER BY id")
                .bind("s", sessionId).mapTo(String.class).list());
    }

    /**
     * The operator warms up alone and leaves before any client came. Nobody is left whom Jicofo takes a
     * stop from: the module sends none, and the session says so. Returns Jicofo's session id.
     */
    private static String warmUpAndLeave(FocusStandIn focus, JibriStandIn jibri, XmppClients.Client op, String room)
            throws Exception {
        XmppClients.Participant operator = joinAsModerator(focus, op, room);
        Map<String, Object> warm = awaitStatus(room, "recording");
        String jicofoId = focus.currentSession();
        jibri.awaitRecording(Duration.ofSeconds(10));
        operator.leave();
        await().atMost(Duration.ofSeconds(10)).until(() -> reasons(warm.get("id")).stream().anyMatch(r -> r.contains("no moderator left")));
        return jicofoId;
    }

    @Test
    void aWarmUpTheOperatorLeftEndsByJibrisEmptyCallCheckAndIsKept() throws Exception {
        String room = "warm-left";
        try (JibriStandIn jibri = jibri();
             FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain())
                     .recordWith(jibri, Duration.ofSeconds(2));
             XmppClients.Client op = xmpp.user("olena", "olena-pass")) {
            warmUpAndLeave(focus, jibri, op, room);
            assertEquals(0, requests(focus, "stop").size(), "no stop reached Jicofo");
            // Jibri, alone, ends the call: off, finalize, and the warm-up is kept.
            Map<String, Object> done = awaitStatus(room, "ok");
            assertEquals(SessionSettler.WARM_UP_ONLY, done.get("reason"));
            assertEquals("call-ended", jibri.lastOutcome().orElseThrow().endReason());
            assertEquals(1L, sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media' AND deleted_ms IS NULL",
                    done.get("id")));
            assertEquals(1, sessions(room).size());
        }
    }

    @Test
    void anOperatorReturningBeforeJibriEndsTheOldWarmUpStopsItAndWarmsUpAnew() throws Exception {
        String room = "warm-back";
        try (JibriStandIn jibri = jibri();
             FocusStandIn focus = FocusStandIn.join(xmpp, "focus", "focus-pass", prosody.roomJid(room), prosody.domain())
                     .recordWith(jibri, Duration.ofMinutes(5));
             XmppClients.Client op = xmpp.user("olena", "olena-pass")) {
            String firstJicofo = warmUpAndLeave(focus, jibri, op, room);

            // Back long before Jibri's empty-call check would end it: the stop is asked as the returning operator.
            XmppClients.Participant back = joinAsModerator(focus, op, room);
            await().atMost(Duration.ofSeconds(15)).until(() -> requests(focus, "stop").stream().anyMatch(r -> r.answer().startsWith("result")));
            FocusStandIn.Request stop = requests(focus, "stop").stream().filter(r -> r.answer().startsWith("result")).findFirst().orElseThrow();
            assertEquals(back.occupantJid(), stop.from());
            assertEquals(firstJicofo, stop.attributes().get("session_id"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(sessions(room).get(0).get("status")));
            assertEquals(SessionSettler.WARM_UP_ONLY, sessions(room).get(0).get("reason"));
            // The new warm-up gets its own recording once Jicofo has let the old one go.
            await().atMost(Duration.ofSeconds(30)).until(() -> sessions(room).size() == 2 && "recording".equals(sessions(room).get(1).get("status")));
            assertNotEquals(firstJicofo, focus.currentSession());
            assertEquals(1, requests(focus, "stop").stream().filter(r -> r.answer().startsWith("result")).count(), "one stop taken");
            back.leave();
        }
    }
}
