package com.zentrix.video.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.testing.XmppClients.Client;
import com.zentrix.video.testing.XmppClients.Participant;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mod_zentrix_events in a real Prosody, driven by real Smack clients, posting to a small signed-event
 * receiver ({@link ModuleBench}). One Prosody serves every test; each test uses its own rooms.
 */
class ProsodyModuleTest {

    // Non-ASCII on purpose: Lua and Java must agree that the key is the secret's UTF-8 bytes.
    private static final String SECRET = "test-secret-ÿ-42";
    private static final Duration EVENTS = Duration.ofSeconds(10);

    // Keeps the outage tests short: 0.5 s, then 1 s between attempts; 1 s request timeout.
    @RegisterExtension
    static final ModuleBench bench = new ModuleBench(SECRET, b -> b
            .mucOption("zentrix_retry_max_delay = 1")
            .mucOption("zentrix_request_timeout = 1"));

    @Test
    void operatorAndGuestVisitAreReportedInOrderWithTheirIdentity() throws Exception {
        String room = bench.prosody().roomJid("reception1");
        long before = System.currentTimeMillis();
        String guestJid;
        try (Client operator = bench.operator(); Client guest = bench.clients().guest()) {
            guestJid = guest.bareJid();
            Participant op = operator.join(room, "0a1b2c3d", null);
            Participant visitor = guest.join(room, "9f8e7d6c", "Олена Коваль");
            visitor.leave();
            op.leave();
        }
        List<JsonNode> events = bench.receiver().awaitAccepted(room, 6);
        long after = System.currentTimeMillis();

        assertEquals(List.of("occupant-joined", "room-created", "occupant-joined", "occupant-left",
                "occupant-left", "room-destroyed"), types(events), "Prosody 0.12 fires the creator's join first");
        String instance = events.get(0).at("/room/instance").asText();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            assertEquals(i + 1, e.get("seq").asInt(), "seq of " + e);
            assertEquals(instance, e.at("/room/instance").asText());
            assertEquals(room, e.at("/room/jid").asText());
            assertEquals("reception1", e.at("/room/name").asText());
            assertTrue(ids.add(e.get("id").asText()), "ids are unique");
            long ts = e.get("ts").asLong();
            assertTrue(ts >= before - 1000 && ts <= after + 1000, "ts " + ts + " within the test");
        }
        assertTrue(events.get(1).path("occupant").isMissingNode(), "room events carry no occupant");

        JsonNode opJoin = events.get(0).get("occupant");
        assertEquals(room + "/0a1b2c3d", opJoin.get("nick").asText());
        assertEquals("0a1b2c3d", opJoin.get("endpoint").asText());
        assertEquals("op1@" + bench.prosody().domain(), opJoin.get("jid").asText());
        assertEquals(bench.prosody().domain(), opJoin.get("host").asText());
        assertEquals("authenticated", opJoin.get("kind").asText());
        assertEquals("moderator", opJoin.get("role").asText(), "the creator is owner, hence moderator");
        assertEquals("owner", opJoin.get("affiliation").asText());
        assertFalse(opJoin.has("display_name"), "no nick element, no display_name");
        assertFalse(opJoin.has("jwt"));

        JsonNode guestJoin = events.get(2).get("occupant");
        assertEquals(guestJid, guestJoin.get("jid").asText());
        assertEquals(bench.prosody().guestDomain(), guestJoin.get("host").asText());
        assertEquals("guest", guestJoin.get("kind").asText());
        assertEquals("Олена Коваль", guestJoin.get("display_name").asText());
        assertEquals("participant", guestJoin.get("role").asText());
        assertEquals("none", guestJoin.get("affiliation").asText());

        assertEquals(guestJoin, events.get(3).get("occupant"), "the leave repeats what was seen at join");
        assertEquals(opJoin, events.get(4).get("occupant"), "role/affiliation at leave are those at join");

        // The same JID again is a new room instance with its own sequence.
        try (Client operator = bench.operator()) {
            operator.join(room, "0a1b2c3d", null).leave();
        }
        List<JsonNode> again = bench.receiver().awaitAccepted(room, 9).subList(6, 9);
        assertEquals(List.of(1, 2, 3), again.stream().map(e -> e.get("seq").asInt()).toList());
        assertNotEquals(instance, again.get(0).at("/room/instance").asText());
    }

    @Test
    void healthCheckRoomsAreNotReported() throws Exception {
        String marker = bench.prosody().roomJid("after-health-check");
        try (Client operator = bench.operator()) {
            operator.join(bench.prosody().roomJid("__jicofo-health-check-5d1e6a"), "0a1b2c3d", null).leave();
            operator.join(marker, "0a1b2c3d", null).leave();
        }
        bench.receiver().awaitAccepted(marker, 4);
        assertTrue(bench.receiver().allRequests().stream()
                        .noneMatch(e -> e.at("/room/jid").asText().startsWith("__jicofo-health-check")),
                "no health-check event was sent");
    }

    @Test
    void serverErrorsAreRetriedAndTheEventIsDeliveredOnceInOrder() throws Exception {
        String room = bench.prosody().roomJid("retry1");
        bench.receiver().plan(503, 503);
        try (Client guest = bench.clients().guest()) {
            guest.join(room, "1234abcd", "Guest").leave();
        }
        List<JsonNode> events = bench.receiver().awaitAccepted(room, 4);
        assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());
        String firstId = events.get(0).get("id").asText();
        List<String> attempts = bench.receiver().requests(room).stream().map(e -> e.get("id").asText()).toList();
        assertEquals(List.of(firstId, firstId, firstId), attempts.subList(0, 3), "two 503s, then accepted");
        assertEquals(6, attempts.size(), "every other event went through first time");
        assertTrue(bench.prosody().log().contains("id=" + firstId + " type=occupant-joined room=" + room
                + " failed (HTTP 503"), "each failure is logged with room and id");
    }

    @Test
    void eventsWaitWhileTheSidecarIsDownAndArriveInOrder() throws Exception {
        String room = bench.prosody().roomJid("outage1");
        bench.receiver().stop();
        try (Client operator = bench.operator(); Client guest = bench.clients().guest()) {
            Participant op = operator.join(room, "0a1b2c3d", null);
            guest.join(room, "5e6f7a8b", "Walk-in").leave();
            op.leave();
        }
        // Three refused attempts: 0.5 s, then 1 s twice (capped by zentrix_retry_max_delay).
        await().atMost(EVENTS).until(() -> bench.prosody().logLines("warn").stream()
                .filter(line -> line.contains("room=" + room) && line.contains("transport error")).count() >= 3);
        bench.receiver().ensureRunning();
        List<JsonNode> events = bench.receiver().awaitAccepted(room, 6);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), events.stream().map(e -> e.get("seq").asInt()).toList());
        assertEquals(6, bench.receiver().requests(room).size(), "each event arrived exactly once");
    }

    @Test
    void undeliveredEventsSurviveAHotReloadOfTheModule() throws Exception {
        String room = bench.prosody().roomJid("reload1");
        bench.receiver().stop();
        try (Client guest = bench.clients().guest()) {
            guest.join(room, "4e10ad00", null).leave();
        }
        await().atMost(EVENTS).until(() -> bench.prosody().logLines("warn").stream()
                .anyMatch(line -> line.contains("room=" + room) && line.contains("transport error")));
        String output = bench.prosody().reloadEventsModule();
        assertTrue(output.contains("OK"), output);
        assertTrue(bench.prosody().log().contains("Took over 4 undelivered event(s)"), "handed over on reload");
        bench.receiver().ensureRunning();
        List<JsonNode> events = bench.receiver().awaitAccepted(room, 4);
        assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());

        // Room state lives on the room object, so a reload does not restart a live room's sequence.
        try (Client operator = bench.operator()) {
            Participant op = operator.join(room, "0a1b2c3d", null);
            bench.receiver().awaitAccepted(room, 6);
            bench.prosody().reloadEventsModule();
            op.leave();
        }
        List<JsonNode> all = bench.receiver().awaitAccepted(room, 8);
        assertEquals(List.of(1, 2, 3, 4), all.subList(4, 8).stream().map(e -> e.get("seq").asInt()).toList());
        assertEquals(all.get(4).at("/room/instance"), all.get(7).at("/room/instance"));
        assertEquals("moderator", all.get(6).at("/occupant/role").asText(), "join identity kept over the reload");
    }

    @Test
    void refusedEventIsLoggedAsErrorAndTheNextOneIsStillSent() throws Exception {
        String room = bench.prosody().roomJid("refused1");
        bench.receiver().plan(400);
        try (Client guest = bench.clients().guest()) {
            guest.join(room, "c0ffee00", null).leave();
        }
        List<JsonNode> accepted = bench.receiver().awaitAccepted(room, 3);
        assertEquals(List.of(2, 3, 4), accepted.stream().map(e -> e.get("seq").asInt()).toList(),
                "the refused seq 1 is not retried; the rest follow");
        String refusedId = bench.receiver().requests(room).get(0).get("id").asText();
        await().atMost(EVENTS).until(() -> bench.prosody().logLines("error").stream().anyMatch(line ->
                line.contains("id=" + refusedId) && line.contains("room=" + room) && line.contains("HTTP 400")
                        && line.contains("field 'room.jid' is missing")));
        assertEquals(4, bench.receiver().requests(room).size(), "the 400 was not retried");
    }

    @Test
    void focusRecorderAndPhoneParticipantsAreClassified() throws Exception {
        String room = bench.prosody().roomJid("kinds1");
        ExtensionElement jigasi = StandardExtensionElement.builder("initiator", "http://jitsi.org/protocol/jigasi")
                .build();
        try (Client focus = bench.operator();
             Client recorder = bench.recorder();
             Client phone = bench.clients().guest()) {
            Participant f = focus.join(room, "focus", null);
            recorder.join(room, "r3c0rd3r", null).leave();
            phone.join(room, "ph0ne001", "+49 30 1234", jigasi).leave();
            f.leave();
        }
        List<JsonNode> joins = bench.receiver().awaitAccepted(room, 8).stream()
                .filter(e -> e.get("type").asText().equals("occupant-joined")).toList();
        assertEquals(List.of("focus", "hidden", "jigasi"),
                joins.stream().map(e -> e.at("/occupant/kind").asText()).toList());
        assertEquals("recorder@" + bench.prosody().recorderDomain(), joins.get(1).at("/occupant/jid").asText());
    }

    @Test
    void aHangingRequestTimesOutAndIsRetried() throws Exception {
        String room = bench.prosody().roomJid("timeout1");
        bench.receiver().plan(EventReceiver.HANG);
        try (Client guest = bench.clients().guest()) {
            guest.join(room, "71de0071", null).leave();
        }
        List<JsonNode> events = bench.receiver().awaitAccepted(room, 4);
        assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());
        String firstId = events.get(0).get("id").asText();
        assertEquals(2, bench.receiver().requests(room).stream()
                        .filter(e -> e.get("id").asText().equals(firstId)).count(),
                "the hung attempt and the retry");
        assertTrue(bench.prosody().logLines("warn").stream().anyMatch(line -> line.contains("id=" + firstId)
                && line.contains("timed out after 1s")));
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }
}
