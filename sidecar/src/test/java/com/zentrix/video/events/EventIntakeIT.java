package com.zentrix.video.events;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zentrix.video.testing.Events;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.web.Signatures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event intake over real HTTP into a real SQLite file: what it accepts, refuses, and orders. */
class EventIntakeIT {
    @TempDir static Path dir;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        // No Jibri listens on port 9: recording attempts fail, which these tests do not care about.
        sidecar = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").start();
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    private static String joined(String room, long seq) {
        return Events.occupant("occupant-joined", room, "inst-" + room, seq, "abcd", "guest1@guest.meet.zentrix.test",
                "guest", "Гість").toString();
    }

    @Test
    void aForgedSignatureIsRefusedAndNothingIsStored() {
        Map<String, Integer> before = sidecar.counts();
        HttpResponse<String> r = sidecar.postSigned("/api/v1/events", joined("forged", 1), "not-the-secret");
        assertEquals(401, r.statusCode());
        assertTrue(r.body().contains("signature does not match"), r.body());

        String body = joined("forged", 1);
        HttpResponse<String> unsigned = sidecar.send(HttpRequest.newBuilder(URI.create(sidecar.eventsUrl()))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(401, unsigned.statusCode());

        String old = Long.toString(System.currentTimeMillis() / 1000 - 3600);
        String sig = new Signatures(Sidecar.PROSODY_SECRET, Duration.ofMinutes(5)).sign(old, body.getBytes());
        HttpResponse<String> stale = sidecar.send(HttpRequest.newBuilder(URI.create(sidecar.eventsUrl()))
                .header(Signatures.TIMESTAMP_HEADER, old).header(Signatures.SIGNATURE_HEADER, sig)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(401, stale.statusCode(), "a replayed old request is refused even with a valid signature");
        assertTrue(stale.body().contains("clock skew"), stale.body());
        assertEquals(before, sidecar.counts());
    }

    @Test
    void malformedEventsGet400SayingWhatIsWrongAndChangeNothing() {
        Map<String, Integer> before = sidecar.counts();
        ObjectNode noRoomJid = Events.room("room-created", "x", "i", 1);
        ((ObjectNode) noRoomJid.get("room")).remove("jid");
        ObjectNode badType = Events.room("room-exploded", "x", "i", 1);
        ObjectNode noOccupant = Events.room("occupant-joined", "x", "i", 1);
        ObjectNode negativeSeq = Events.room("room-created", "x", "i", 1).put("seq", -4);
        ObjectNode badKind = Events.occupant("occupant-joined", "x", "i", 1, "n", "a@b.c", "martian", null);
        Map<String, String> cases = Map.of(
                "{not json", "not valid JSON",
                "[1,2]", "must be a JSON object",
                noRoomJid.toString(), "'room.jid' is missing",
                badType.toString(), "'type' has unknown value",
                noOccupant.toString(), "'occupant' is missing",
                negativeSeq.toString(), "'seq' must be positive",
                badKind.toString(), "'occupant.kind' has unknown value");
        cases.forEach((body, message) -> {
            HttpResponse<String> r = sidecar.postEvent(body);
            assertEquals(400, r.statusCode(), body);
            assertTrue(r.body().contains("bad_event") && r.body().contains(message), body + " -> " + r.body());
        });
        assertEquals(before, sidecar.counts());
    }

    @Test
    void anOversizedBodyIs413() {
        Map<String, Integer> before = sidecar.counts();
        ObjectNode big = Events.room("room-created", "big", "i", 1);
        big.put("padding", "x".repeat(70_000));
        HttpResponse<String> r = sidecar.postEvent(big.toString());
        assertEquals(413, r.statusCode());
        assertEquals(before, sidecar.counts());
    }

    @Test
    void aRepeatedEventIsStoredOnce() {
        String body = Events.room("room-created", "repeat", "inst-repeat", 1).toString();
        assertEquals(202, sidecar.postEvent(body).statusCode());
        HttpResponse<String> again = sidecar.postEvent(body);
        assertEquals(200, again.statusCode());
        assertTrue(again.body().contains("duplicate"));
        assertEquals(1, sidecar.number("SELECT count(*) FROM events WHERE room_jid LIKE 'repeat@%'"));
    }

    @Test
    void aBatchIsTakenWholeOrNotAtAll() {
        String inst = "inst-batch";
        var ok = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        var events = ok.putArray("events");
        for (int i = 1; i <= 20; i++) events.add(Events.occupant("occupant-joined", "batch", inst, i, "n" + i, "g" + i + "@guest.meet.zentrix.test", "guest", null));
        HttpResponse<String> r = sidecar.postEvent(ok.toString());
        assertEquals(202, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"accepted\":20"), r.body());
        assertEquals(20, sidecar.number("SELECT count(*) FROM events WHERE room_instance = ?", inst));
        HttpResponse<String> again = sidecar.postEvent(ok.toString());
        assertTrue(again.body().contains("\"duplicates\":20"), again.body());

        Map<String, Integer> before = sidecar.counts();
        var bad = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        var list = bad.putArray("events");
        list.add(Events.occupant("occupant-joined", "batch2", "inst-batch2", 1, "a", "a@guest.meet.zentrix.test", "guest", null));
        list.add(Events.room("room-exploded", "batch2", "inst-batch2", 2));
        HttpResponse<String> refused = sidecar.postEvent(bad.toString());
        assertEquals(400, refused.statusCode());
        assertTrue(refused.body().contains("events[1]"), refused.body());
        assertEquals(before, sidecar.counts(), "the good event of a refused batch is not stored either");
    }

    @Test
    void eventsThatOvertakeEachOtherAreAppliedInProsodysOrder() {
        String room = "overtake";
        String inst = "inst-overtake";
        String operator = Events.occupant("occupant-joined", room, inst, 1, "op", "olena@meet.zentrix.test", "authenticated", "Олена").toString();
        String client = Events.occupant("occupant-joined", room, inst, 2, "cl", "c1@guest.meet.zentrix.test", "guest", "Петро").toString();
        String clientLeft = Events.occupant("occupant-left", room, inst, 3, "cl", "c1@guest.meet.zentrix.test", "guest", "Петро").toString();
        // Arrival order 3, 1, 2: applied as they came, the leave would be lost and the session never end.
        assertEquals(202, sidecar.postEvent(clientLeft).statusCode());
        assertEquals(202, sidecar.postEvent(operator).statusCode());
        assertEquals(202, sidecar.postEvent(client).statusCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.number(
                "SELECT count(*) FROM sessions WHERE room_name = 'overtake' AND ended_ms IS NOT NULL") == 1);
        assertEquals(1, sidecar.number("SELECT count(*) FROM sessions WHERE room_name = 'overtake'"));
    }
}
