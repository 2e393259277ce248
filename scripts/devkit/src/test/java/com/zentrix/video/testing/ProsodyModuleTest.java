package com.zentrix.video.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zentrix.video.testing.XmppClients.Client;
import com.zentrix.video.testing.XmppClients.Participant;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mod_zentrix_events in a real Prosody, driven by real Smack clients, posting to a small signed-event
 * receiver. One Prosody serves every test; each test uses its own rooms.
 */
class ProsodyModuleTest {

    // Non-ASCII on purpose: Lua and Java must agree that the key is the secret's UTF-8 bytes.
    private static final String SECRET = "test-secret-ÿ-42";
    private static final Duration EVENTS = Duration.ofSeconds(10);

    private static EventReceiver receiver;
    private static ProsodyServer prosody;
    private static XmppClients clients;

    @BeforeAll
    static void startProsody() throws Exception {
        receiver = EventReceiver.start(SECRET);
        prosody = ProsodyServer.builder()
                .eventsUrl(receiver.url())
                .eventsSecret(SECRET)
                .recorderHost(true)
                .adminShell(true)
                // Keeps the outage tests short: 0.5 s, then 1 s between attempts; 1 s request timeout.
                .mucOption("zentrix_retry_max_delay = 1")
                .mucOption("zentrix_request_timeout = 1")
                .start();
        prosody.register("op1", "op1-password");
        prosody.register("recorder", prosody.recorderDomain(), "recorder-password");
        clients = new XmppClients(prosody);
    }

    @AfterAll
    static void stopProsody() {
        if (prosody != null) {
            prosody.close();
        }
        if (receiver != null) {
            receiver.stop();
        }
    }

    @BeforeEach
    void receiverAccepts() throws IOException {
        receiver.ensureRunning();
        receiver.clearPlan();
    }

    @AfterEach
    void noSignatureFailures() {
        assertTrue(receiver.badSignatures().isEmpty(), "badly signed requests: " + receiver.badSignatures());
    }

    @Test
    void operatorAndGuestVisitAreReportedInOrderWithTheirIdentity() throws Exception {
        String room = prosody.roomJid("reception1");
        long before = System.currentTimeMillis();
        String guestJid;
        try (Client operator = clients.user("op1", "op1-password"); Client guest = clients.guest()) {
            guestJid = guest.bareJid();
            Participant op = operator.join(room, "0a1b2c3d", null);
            Participant visitor = guest.join(room, "9f8e7d6c", "Олена Коваль");
            visitor.leave();
            op.leave();
        }
        List<JsonNode> events = receiver.awaitAccepted(room, 6);
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
        assertEquals("op1@" + prosody.domain(), opJoin.get("jid").asText());
        assertEquals(prosody.domain(), opJoin.get("host").asText());
        assertEquals("authenticated", opJoin.get("kind").asText());
        assertEquals("moderator", opJoin.get("role").asText(), "the creator is owner, hence moderator");
        assertEquals("owner", opJoin.get("affiliation").asText());
        assertFalse(opJoin.has("display_name"), "no nick element, no display_name");
        assertFalse(opJoin.has("jwt"));

        JsonNode guestJoin = events.get(2).get("occupant");
        assertEquals(guestJid, guestJoin.get("jid").asText());
        assertEquals(prosody.guestDomain(), guestJoin.get("host").asText());
        assertEquals("guest", guestJoin.get("kind").asText());
        assertEquals("Олена Коваль", guestJoin.get("display_name").asText());
        assertEquals("participant", guestJoin.get("role").asText());
        assertEquals("none", guestJoin.get("affiliation").asText());

        assertEquals(guestJoin, events.get(3).get("occupant"), "the leave repeats what was seen at join");
        assertEquals(opJoin, events.get(4).get("occupant"), "role/affiliation at leave are those at join");

        // The same JID again is a new room instance with its own sequence.
        try (Client operator = clients.user("op1", "op1-password")) {
            operator.join(room, "0a1b2c3d", null).leave();
        }
        List<JsonNode> again = receiver.awaitAccepted(room, 9).subList(6, 9);
        assertEquals(List.of(1, 2, 3), again.stream().map(e -> e.get("seq").asInt()).toList());
        assertNotEquals(instance, again.get(0).at("/room/instance").asText());
    }

    @Test
    void healthCheckRoomsAreNotReported() throws Exception {
        String marker = prosody.roomJid("after-health-check");
        try (Client operator = clients.user("op1", "op1-password")) {
            operator.join(prosody.roomJid("__jicofo-health-check-5d1e6a"), "0a1b2c3d", null).leave();
            operator.join(marker, "0a1b2c3d", null).leave();
        }
        receiver.awaitAccepted(marker, 4);
        assertTrue(receiver.allRequests().stream()
                        .noneMatch(e -> e.at("/room/jid").asText().startsWith("__jicofo-health-check")),
                "no health-check event was sent");
    }

    @Test
    void serverErrorsAreRetriedAndTheEventIsDeliveredOnceInOrder() throws Exception {
        String room = prosody.roomJid("retry1");
        receiver.plan(503, 503);
        try (Client guest = clients.guest()) {
            guest.join(room, "1234abcd", "Guest").leave();
        }
        List<JsonNode> events = receiver.awaitAccepted(room, 4);
        assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());
        String firstId = events.get(0).get("id").asText();
        List<String> attempts = receiver.requests(room).stream().map(e -> e.get("id").asText()).toList();
        assertEquals(List.of(firstId, firstId, firstId), attempts.subList(0, 3), "two 503s, then accepted");
        assertEquals(6, attempts.size(), "every other event went through first time");
        assertTrue(prosody.log().contains("id=" + firstId + " type=occupant-joined room=" + room
                + " failed (HTTP 503"), "each failure is logged with room and id");
    }

    @Test
    void eventsWaitWhileTheSidecarIsDownAndArriveInOrder() throws Exception {
        String room = prosody.roomJid("outage1");
        receiver.stop();
        try (Client operator = clients.user("op1", "op1-password"); Client guest = clients.guest()) {
            Participant op = operator.join(room, "0a1b2c3d", null);
            guest.join(room, "5e6f7a8b", "Walk-in").leave();
            op.leave();
        }
        // Three refused attempts: 0.5 s, then 1 s twice (capped by zentrix_retry_max_delay).
        await().atMost(EVENTS).until(() -> prosody.logLines("warn").stream()
                .filter(line -> line.contains("room=" + room) && line.contains("transport error")).count() >= 3);
        receiver.ensureRunning();
        List<JsonNode> events = receiver.awaitAccepted(room, 6);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), events.stream().map(e -> e.get("seq").asInt()).toList());
        assertEquals(6, receiver.requests(room).size(), "each event arrived exactly once");
    }

    @Test
    void undeliveredEventsSurviveAHotReloadOfTheModule() throws Exception {
        String room = prosody.roomJid("reload1");
        receiver.stop();
        try (Client guest = clients.guest()) {
            guest.join(room, "4e10ad00", null).leave();
        }
        await().atMost(EVENTS).until(() -> prosody.logLines("warn").stream()
                .anyMatch(line -> line.contains("room=" + room) && line.contains("transport error")));
        String output = prosody.reloadEventsModule();
        assertTrue(output.contains("OK"), output);
        assertTrue(prosody.log().contains("Took over 4 undelivered event(s)"), "handed over on reload");
        receiver.ensureRunning();
        List<JsonNode> events = receiver.awaitAccepted(room, 4);
        assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());

        // Room state lives on the room object, so a reload does not restart a live room's sequence.
        try (Client operator = clients.user("op1", "op1-password")) {
            Participant op = operator.join(room, "0a1b2c3d", null);
            receiver.awaitAccepted(room, 6);
            prosody.reloadEventsModule();
            op.leave();
        }
        List<JsonNode> all = receiver.awaitAccepted(room, 8);
        assertEquals(List.of(1, 2, 3, 4), all.subList(4, 8).stream().map(e -> e.get("seq").asInt()).toList());
        assertEquals(all.get(4).at("/room/instance"), all.get(7).at("/room/instance"));
        assertEquals("moderator", all.get(6).at("/occupant/role").asText(), "join identity kept over the reload");
    }

    @Test
    void refusedEventIsLoggedAsErrorAndTheNextOneIsStillSent() throws Exception {
        String room = prosody.roomJid("refused1");
        receiver.plan(400);
        try (Client guest = clients.guest()) {
            guest.join(room, "c0ffee00", null).leave();
        }
        List<JsonNode> accepted = receiver.awaitAccepted(room, 3);
        assertEquals(List.of(2, 3, 4), accepted.stream().map(e -> e.get("seq").asInt()).toList(),
                "the refused seq 1 is not retried; the rest follow");
        String refusedId = receiver.requests(room).get(0).get("id").asText();
        await().atMost(EVENTS).until(() -> prosody.logLines("error").stream().anyMatch(line ->
                line.contains("id=" + refusedId) && line.contains("room=" + room) && line.contains("HTTP 400")
                        && line.contains("field 'room.jid' is missing")));
        assertEquals(4, receiver.requests(room).size(), "the 400 was not retried");
    }

    @Test
    void focusRecorderAndPhoneParticipantsAreClassified() throws Exception {
        String room = prosody.roomJid("kinds1");
        ExtensionElement jigasi = StandardExtensionElement.builder("initiator", "http://jitsi.org/protocol/jigasi")
                .build();
        try (Client focus = clients.user("op1", "op1-password");
             Client recorder = clients.user("recorder", prosody.recorderDomain(), "recorder-password");
             Client phone = clients.guest()) {
            Participant f = focus.join(room, "focus", null);
            recorder.join(room, "r3c0rd3r", null).leave();
            phone.join(room, "ph0ne001", "+49 30 1234", jigasi).leave();
            f.leave();
        }
        List<JsonNode> joins = receiver.awaitAccepted(room, 8).stream()
                .filter(e -> e.get("type").asText().equals("occupant-joined")).toList();
        assertEquals(List.of("focus", "hidden", "jigasi"),
                joins.stream().map(e -> e.at("/occupant/kind").asText()).toList());
        assertEquals("recorder@" + prosody.recorderDomain(), joins.get(1).at("/occupant/jid").asText());
    }

    @Test
    void aHangingRequestTimesOutAndIsRetried() throws Exception {
        String room = prosody.roomJid("timeout1");
        receiver.plan(EventReceiver.HANG);
        try (Client guest = clients.guest()) {
            guest.join(room, "71de0071", null).leave();
        }
        List<JsonNode> events = receiver.awaitAccepted(room, 4);
        assertEquals(List.of(1, 2, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());
        String firstId = events.get(0).get("id").asText();
        assertEquals(2, receiver.requests(room).stream().filter(e -> e.get("id").asText().equals(firstId)).count(),
                "the hung attempt and the retry");
        assertTrue(prosody.logLines("warn").stream().anyMatch(line -> line.contains("id=" + firstId)
                && line.contains("timed out after 1s")));
    }

    @Test
    void aFullQueueDropsTheOldestWaitingEvent() throws Exception {
        receiver.stop();
        try (ProsodyServer small = ProsodyServer.builder()
                .domain("small.zentrix.local")
                .eventsUrl(receiver.url())
                .eventsSecret(SECRET)
                .mucOption("zentrix_queue_max = 2")
                .mucOption("zentrix_retry_max_delay = 1")
                .start();
             Client guest = new XmppClients(small).guest()) {
            String room = small.roomJid("overflow1");
            // joined is in flight (refused, retrying); created, left, destroyed wait: created is dropped.
            guest.join(room, "0f0f0f0f", null).leave();
            await().atMost(EVENTS).until(() -> small.logLines("error").stream().anyMatch(line ->
                    line.contains("dropped the oldest event") && line.contains("type=room-created")
                            && line.contains("room=" + room)));
            receiver.ensureRunning();
            List<JsonNode> events = receiver.awaitAccepted(room, 3);
            assertEquals(List.of("occupant-joined", "occupant-left", "room-destroyed"), types(events));
            assertEquals(List.of(1, 3, 4), events.stream().map(e -> e.get("seq").asInt()).toList());
        }
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("type").asText()).toList();
    }

    /** A stand-in for the sidecar's intake: checks the signature, records, answers as planned. */
    static final class EventReceiver {
        private static final ObjectMapper JSON = new ObjectMapper();
        /** A planned "status" that never answers (until the receiver stops). */
        static final int HANG = -1;

        private final String secret;
        private int port;
        private HttpServer server;
        private final Deque<Integer> plan = new ArrayDeque<>();
        private final List<JsonNode> requests = new ArrayList<>();
        private final List<JsonNode> accepted = new ArrayList<>();
        private final List<String> badSignatures = new ArrayList<>();
        private final ExecutorService handlers = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "event-receiver");
            thread.setDaemon(true);
            return thread;
        });
        private CountDownLatch hung = new CountDownLatch(1);

        private EventReceiver(String secret) {
            this.secret = secret;
        }

        static EventReceiver start(String secret) throws IOException {
            EventReceiver r = new EventReceiver(secret);
            r.listen(0);
            return r;
        }

        private void listen(int p) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 16);
            server.createContext("/api/v1/events", this::handle);
            server.setExecutor(handlers);
            server.start();
            port = server.getAddress().getPort();
        }

        String url() {
            return "http://127.0.0.1:" + port + "/api/v1/events";
        }

        synchronized void plan(Integer... statuses) {
            plan.addAll(List.of(statuses));
        }

        synchronized void clearPlan() {
            plan.clear();
        }

        /** Closes the port: the module sees connection refused (a transport error). */
        synchronized void stop() {
            if (server != null) {
                server.stop(0);
                server = null;
            }
            hung.countDown();
            hung = new CountDownLatch(1);
        }

        synchronized void ensureRunning() throws IOException {
            if (server == null) {
                listen(port);
            }
        }

        synchronized List<JsonNode> allRequests() {
            return List.copyOf(requests);
        }

        synchronized List<JsonNode> requests(String roomJid) {
            return requests.stream().filter(e -> roomJid.equals(e.at("/room/jid").asText())).toList();
        }

        synchronized List<String> badSignatures() {
            return List.copyOf(badSignatures);
        }

        private synchronized List<JsonNode> accepted(String roomJid) {
            return accepted.stream().filter(e -> roomJid.equals(e.at("/room/jid").asText())).toList();
        }

        /** Waits for {@code count} accepted events of a room, in arrival order. */
        List<JsonNode> awaitAccepted(String roomJid, int count) {
            await().atMost(EVENTS).until(() -> accepted(roomJid).size() >= count);
            return accepted(roomJid);
        }

        private void handle(HttpExchange exchange) throws IOException {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String timestamp = exchange.getRequestHeaders().getFirst("X-Zentrix-Timestamp");
            String signature = exchange.getRequestHeaders().getFirst("X-Zentrix-Signature");
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            JsonNode event = JSON.readTree(body);
            int status;
            String answer;
            CountDownLatch hangUntil;
            synchronized (this) {
                hangUntil = hung;
                requests.add(event);
                if (!validSignature(timestamp, body, signature) || !"application/json".equals(contentType)) {
                    badSignatures.add(event.path("id").asText() + " ts=" + timestamp + " sig=" + signature
                            + " type=" + contentType);
                    status = 401;
                } else {
                    Integer planned = plan.poll();
                    status = planned != null ? planned : 202;
                }
                if (status == 202) {
                    accepted.add(event);
                }
            }
            if (status == HANG) {
                awaitQuietly(hangUntil);
                exchange.close();
                return;
            }
            answer = switch (status) {
                case 202 -> "{\"accepted\":true}";
                case 400 -> "{\"error\":\"bad_event\",\"message\":\"field 'room.jid' is missing\"}";
                case 401 -> "{\"error\":\"unauthorized\"}";
                default -> "{\"error\":\"unavailable\"}";
            };
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }

        private static void awaitQuietly(CountDownLatch latch) {
            try {
                latch.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private boolean validSignature(String timestamp, byte[] body, String signature) {
            if (timestamp == null || signature == null || !signature.startsWith("sha256=")) {
                return false;
            }
            long skew = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp));
            if (skew > 5) {
                return false;
            }
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
                byte[] expected = mac.doFinal(body);
                byte[] given = HexFormat.of().parseHex(signature.substring("sha256=".length()));
                return MessageDigest.isEqual(expected, given)
                        && signature.equals("sha256=" + HexFormat.of().formatHex(expected));
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                return false;
            }
        }
    }
}
