package com.zentrix.video.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.testing.XmppClients.Client;
import com.zentrix.video.testing.XmppClients.Participant;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Occupancy snapshots of mod_zentrix_events in a real Prosody with real Smack clients: the signed
 * {@code GET /zentrix_events/rooms} endpoint and the {@code snapshot} event sent at load, on reload,
 * after a queue overflow and when the sidecar asks for one.
 */
class SnapshotTest {

    private static final String SECRET = "snapshot-secret-ÿ-7";
    private static final Duration EVENTS = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final ModuleBench bench = new ModuleBench(SECRET, b -> b
            .domain("snap.zentrix.local")
            .mucOption("zentrix_retry_max_delay = 1"));

    @Test
    void prosodyStartingSendsASnapshotOfNoRooms() {
        JsonNode first = bench.receiver().awaitSnapshots(1).get(0);
        assertEquals(first, bench.receiver().allAccepted().get(0), "the snapshot is the first event after start");
        assertEquals(Set.of("id", "type", "ts", "rooms"), fieldNames(first), "no seq or room at the top level");
        assertTrue(first.get("rooms").isArray() && first.get("rooms").isEmpty(), "rooms: [] " + first);
        assertTrue(bench.prosody().logLines("info").stream().anyMatch(line ->
                line.contains("Queueing snapshot id=" + first.get("id").asText() + " (module loaded)")));
    }

    @Test
    void roomsEndpointListsExactlyThePresentOccupantsWithTheirKinds() throws Exception {
        String room = bench.prosody().roomJid("present1");
        try (Client operator = bench.operator();
             Client focus = bench.operator();
             Client recorder = bench.recorder();
             Client guest = bench.clients().guest()) {
            operator.join(room, "0a1b2c3d", null);
            focus.join(room, "focus", null);
            recorder.join(room, "r3c0rd3r", null);
            Participant visitor = guest.join(room, "9f8e7d6c", "Олена Коваль");
            operator.join(bench.prosody().roomJid("__jicofo-health-check-77"), "0a1b2c3d", null);
            List<JsonNode> events = bench.receiver().awaitAccepted(room, 5);

            JsonNode snapshot = getRooms();
            long now = System.currentTimeMillis();
            assertTrue(Math.abs(now - snapshot.get("ts").asLong()) < 5000, "ts is milliseconds: " + snapshot);
            assertFalse(snapshot.toString().contains("__jicofo-health-check"), "health-check rooms are skipped");
            JsonNode listed = roomIn(snapshot, room);
            assertEquals("present1", listed.get("name").asText());
            assertEquals(events.get(0).at("/room/instance").asText(), listed.get("instance").asText());
            assertEquals(5, listed.get("seq").asInt(), "the last seq assigned in the room");
            Map<String, JsonNode> byEndpoint = occupantsByEndpoint(listed);
            assertEquals(Set.of("0a1b2c3d", "focus", "r3c0rd3r", "9f8e7d6c"), byEndpoint.keySet());
            assertEquals("authenticated", byEndpoint.get("0a1b2c3d").get("kind").asText());
            assertEquals("focus", byEndpoint.get("focus").get("kind").asText());
            assertEquals("hidden", byEndpoint.get("r3c0rd3r").get("kind").asText());
            assertEquals("guest", byEndpoint.get("9f8e7d6c").get("kind").asText());
            for (JsonNode join : events) {
                if (join.get("type").asText().equals("occupant-joined")) {
                    JsonNode occupant = join.get("occupant");
                    assertEquals(occupant, byEndpoint.get(occupant.get("endpoint").asText()),
                            "an occupant is listed exactly as its join event described it");
                }
            }
            assertEquals("Олена Коваль", byEndpoint.get("9f8e7d6c").get("display_name").asText());

            visitor.leave();
            bench.receiver().awaitAccepted(room, 6);
            JsonNode after = roomIn(getRooms(), room);
            assertEquals(6, after.get("seq").asInt());
            assertEquals(Set.of("0a1b2c3d", "focus", "r3c0rd3r"), occupantsByEndpoint(after).keySet(),
                    "the leaver is gone");
        }
        await().atMost(EVENTS).until(() -> !getRooms().toString().contains(room));
    }

    @Test
    void aMissingOrWrongSignatureGets401AndNothingElse() throws Exception {
        String room = bench.prosody().roomJid("secret1");
        try (Client guest = bench.clients().guest()) {
            guest.join(room, "5ec2e700", "Private Person");
            long now = System.currentTimeMillis() / 1000;
            String path = "/zentrix_events/rooms";
            String rightSignature = EventReceiver.signature(SECRET, String.valueOf(now),
                    ("GET " + path).getBytes(StandardCharsets.UTF_8));
            List<HttpResponse<String>> refused = List.of(
                    get(null, null),
                    get(String.valueOf(now), null),
                    get(null, rightSignature),
                    get("x" + now, rightSignature),
                    signedGet(now, "wrong-secret", "GET " + path),
                    signedGet(now, SECRET, "GET /zentrix_events/other"),
                    signedGet(now, SECRET, "POST " + path),
                    signedGet(now - 310, SECRET, "GET " + path),
                    signedGet(now + 310, SECRET, "GET " + path));
            for (HttpResponse<String> response : refused) {
                assertEquals(401, response.statusCode(), response.body());
                assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
                JsonNode body = JSON.readTree(response.body());
                assertEquals("unauthorized", body.get("error").asText());
                assertFalse(response.body().contains("secret1") || response.body().contains("Private"),
                        "nothing about rooms leaks: " + response.body());
            }
            assertEquals(200, signedGet(now - 290, SECRET, "GET " + path).statusCode(), "within the allowed skew");
            assertTrue(bench.prosody().logLines("warn").stream().anyMatch(line ->
                    line.contains("Refused occupancy request from 127.0.0.1: wrong signature")));
        }
    }

    @Test
    void reloadingTheModuleSendsASnapshotWithTheOccupants() throws Exception {
        String room = bench.prosody().roomJid("reload2");
        try (Client operator = bench.operator(); Client guest = bench.clients().guest()) {
            operator.join(room, "0a1b2c3d", null);
            guest.join(room, "7e57ab1e", "Walk-in");
            List<JsonNode> events = bench.receiver().awaitAccepted(room, 3);
            int before = bench.receiver().snapshots().size();
            String output = bench.prosody().reloadEventsModule();
            assertTrue(output.contains("OK"), output);
            JsonNode snapshot = bench.receiver().awaitSnapshots(before + 1).get(before);
            assertTrue(bench.prosody().log().contains("Queueing snapshot id=" + snapshot.get("id").asText()
                    + " (module reloaded)"));
            JsonNode listed = roomIn(snapshot, room);
            assertEquals(events.get(0).at("/room/instance").asText(), listed.get("instance").asText(),
                    "a reload keeps the room's instance");
            assertEquals(3, listed.get("seq").asInt());
            assertEquals(Set.of("0a1b2c3d", "7e57ab1e"), occupantsByEndpoint(listed).keySet());
            assertEquals(events.get(2).get("occupant"), occupantsByEndpoint(listed).get("7e57ab1e"));
        }
    }

    @Test
    void someoneWhoJoinedBeforeTheModuleWasLoadedIsListedFromTheirPresence() throws Exception {
        String room = bench.prosody().roomJid("early1");
        String muc = "'zentrix_events', '" + bench.prosody().mucDomain() + "'";
        assertTrue(bench.prosody().shell("module:unload(" + muc + ")").contains("OK"));
        try (Client guest = bench.clients().guest()) {
            Participant visitor = guest.join(room, "ea71ea71", "Early Bird");
            int before = bench.receiver().snapshots().size();
            assertTrue(bench.prosody().shell("module:load(" + muc + ")").contains("OK"));
            JsonNode listed = roomIn(bench.receiver().awaitSnapshots(before + 1).get(before), room);
            assertEquals(0, listed.get("seq").asInt(), "no event was sent for this room");
            JsonNode occupant = occupantsByEndpoint(listed).get("ea71ea71");
            assertEquals("Early Bird", occupant.get("display_name").asText());
            assertEquals("guest", occupant.get("kind").asText());
            assertEquals("moderator", occupant.get("role").asText(), "the creator, as Prosody sees it now");
            assertEquals(guest.bareJid(), occupant.get("jid").asText());

            visitor.leave();
            List<JsonNode> events = bench.receiver().awaitAccepted(room, 2);
            assertEquals(List.of("occupant-left", "room-destroyed"), events.stream()
                    .map(e -> e.get("type").asText()).toList());
            assertEquals(occupant, events.get(0).get("occupant"), "the leave repeats what the snapshot listed");
            assertEquals(listed.get("instance").asText(), events.get(0).at("/room/instance").asText());
        }
    }

    @Test
    void anAnswerAskingForASnapshotGetsOneAndOnlyOne() throws Exception {
        String room = bench.prosody().roomJid("ask1");
        try (Client guest = bench.clients().guest()) {
            int before = bench.receiver().snapshots().size();
            // Every answer about this room asks, and so does the answer to the snapshot itself.
            bench.receiver().wantSnapshot(e -> room.equals(e.at("/room/jid").asText())
                    || "snapshot".equals(e.path("type").asText()));
            Participant visitor = guest.join(room, "a5ca5ca5", null);
            JsonNode snapshot = bench.receiver().awaitSnapshots(before + 1).get(before);
            String id = snapshot.get("id").asText();
            List<JsonNode> events = bench.receiver().awaitAccepted(room, 2);
            assertTrue(bench.prosody().log().contains("Queueing snapshot id=" + id
                    + " (requested by the sidecar in its answer to event id=" + events.get(0).get("id").asText()
                    + ")"), "asked by the answer to the join");
            List<JsonNode> all = bench.receiver().allAccepted();
            assertTrue(all.indexOf(snapshot) > all.indexOf(events.get(1)),
                    "queued behind the room-created that was already waiting");
            JsonNode listed = roomIn(snapshot, room);
            assertEquals(2, listed.get("seq").asInt());
            assertEquals(Set.of("a5ca5ca5"), occupantsByEndpoint(listed).keySet());
            await().atMost(EVENTS).until(() -> bench.prosody().log().contains(
                    "Ignoring x-zentrix-want-snapshot on the answer to snapshot id=" + id));

            bench.receiver().wantSnapshot(null);
            visitor.leave();
            bench.receiver().awaitAccepted(room, 4);
            assertEquals(before + 1, bench.receiver().snapshots().size(),
                    "room-created's answer found one waiting; the snapshot's answer does not ask again");
        }
    }

    @Test
    void aFullQueueFallsBackToASnapshotOfTheCurrentOccupancy() throws Exception {
        EventReceiver down = EventReceiver.start(SECRET);
        down.stop();
        try (ProsodyServer small = ProsodyServer.builder()
                .domain("small.zentrix.local")
                .eventsUrl(down.url())
                .eventsSecret(SECRET)
                .mucOption("zentrix_queue_max = 2")
                .mucOption("zentrix_retry_max_delay = 1")
                .start()) {
            XmppClients smallClients = new XmppClients(small);
            String room = small.roomJid("overflow2");
            small.register("op2", "op2-password");
            try (Client operator = smallClients.user("op2", "op2-password"); Client guest = smallClients.guest()) {
                // In flight: the start-up snapshot (refused, retrying). Waiting: joined 1, created 2.
                // The guest's join (3) overflows the queue: all three go, one snapshot stands in.
                operator.join(room, "0a1b2c3d", null);
                Participant visitor = guest.join(room, "9f8e7d6c", "Guest");
                await().atMost(EVENTS).until(() -> small.logLines("error").stream().anyMatch(line ->
                        line.contains("Event queue full (2 waiting): dropped 3 undelivered event(s)")
                                && line.contains("type=occupant-joined room=" + room)));
                String error = small.logLines("error").stream()
                        .filter(line -> line.contains("Event queue full")).findFirst().orElseThrow();

                down.ensureRunning();
                List<JsonNode> snapshots = down.awaitSnapshots(2);
                assertTrue(snapshots.get(0).get("rooms").isEmpty(), "first the start-up snapshot, delivered late");
                JsonNode replacement = snapshots.get(1);
                assertTrue(error.endsWith("snapshot id=" + replacement.get("id").asText() + " replaces them"),
                        error);
                JsonNode listed = roomIn(replacement, room);
                assertEquals(3, listed.get("seq").asInt(), "it covers up to the event that overflowed");
                assertEquals(Set.of("0a1b2c3d", "9f8e7d6c"), occupantsByEndpoint(listed).keySet());
                assertEquals("guest", occupantsByEndpoint(listed).get("9f8e7d6c").get("kind").asText());

                visitor.leave();
                List<JsonNode> events = down.awaitAccepted(room, 1);
                assertEquals("occupant-left", events.get(0).get("type").asText());
                assertEquals(4, events.get(0).get("seq").asInt(), "events carry on after the snapshot");
                assertEquals(listed.get("instance").asText(), events.get(0).at("/room/instance").asText());
                assertTrue(down.badSignatures().isEmpty(), "badly signed requests: " + down.badSignatures());
            }
        } finally {
            down.stop();
        }
    }

    private static JsonNode getRooms() throws IOException, InterruptedException {
        HttpResponse<String> response = signedGet(System.currentTimeMillis() / 1000, SECRET,
                "GET /zentrix_events/rooms");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> signedGet(long timestamp, String secret, String payload)
            throws IOException, InterruptedException {
        String ts = String.valueOf(timestamp);
        return get(ts, EventReceiver.signature(secret, ts, payload.getBytes(StandardCharsets.UTF_8)));
    }

    /** A GET as the sidecar sends it: Java's client, Host 127.0.0.1:port, optional signature headers. */
    private static HttpResponse<String> get(String timestamp, String signature)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(bench.prosody().roomsUrl()))
                .timeout(Duration.ofSeconds(5)).GET();
        if (timestamp != null) {
            request.header("X-Zentrix-Timestamp", timestamp);
        }
        if (signature != null) {
            request.header("X-Zentrix-Signature", signature);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode roomIn(JsonNode snapshot, String roomJid) {
        for (JsonNode room : snapshot.get("rooms")) {
            if (roomJid.equals(room.get("jid").asText())) {
                return room;
            }
        }
        throw new AssertionError(roomJid + " not in " + snapshot);
    }

    private static Map<String, JsonNode> occupantsByEndpoint(JsonNode room) {
        return StreamSupport.stream(room.get("occupants").spliterator(), false)
                .collect(Collectors.toMap(o -> o.get("endpoint").asText(), Function.identity()));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
