package com.zentrix.video.live;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.XmppClients;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live board with real Prosody, real XMPP clients and a recorder that cannot start (its URL is
 * dead): the client is in the room, nothing records, the board shows the alert and the webhook (a JDK
 * HttpServer here, failing its first call) receives it after a retry.
 */
class LiveAlertIT {
    @TempDir static Path dir;
    static Flow flow;
    static HttpServer receiver;
    static final List<String> bodies = new CopyOnWriteArrayList<>();
    static final AtomicInteger calls = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean first = calls.incrementAndGet() == 1;
            if (!first) bodies.add(body);
            ex.sendResponseHeaders(first ? 503 : 204, -1);
            ex.close();
        });
        receiver.start();
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts";
        flow = new Flow(dir, b -> b.set("zentrix.auth.cookie-secure", false).set("zentrix.live.webhook.url", hook)
                .set("zentrix.live.alert-after", "1 s").set("zentrix.live.check-interval", "200 ms"),
                0, "http://127.0.0.1:" + Sidecar.freePort() + "/jibri/api/v1.0");
        Archive archive = new Archive(flow.sidecar);
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        archive.user("olena", Role.OPERATOR, "olena@" + flow.prosody.domain(), "olena-password");
        archive.user("taras", Role.OPERATOR, "taras@" + flow.prosody.domain(), "taras-password");
    }

    @AfterAll
    static void stop() {
        if (flow != null) flow.close();
        if (receiver != null) receiver.stop(0);
    }

    static JsonNode board(String user, String password) {
        return ApiClient.json(new ApiClient(flow.sidecar.baseUrl()).loggedIn(user, password).get("/api/v1/live"));
    }

    @Test
    void aClientWithNothingRecordingRaisesTheAlertOnTheBoardAndAtTheWebhook() throws Exception {
        String room = "window-alert";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена Коваль");
            guest.join(flow.room(room), "citizen", "Петро Іваненко");

            await().atMost(Duration.ofSeconds(20)).until(() -> !bodies.isEmpty());
            JsonNode alert = new ObjectMapper().readTree(bodies.get(0));
            assertEquals(room, alert.get("room").asText());
            assertEquals("technical_error", alert.get("reason").asText());
            long session = alert.get("session").asLong();
            assertEquals("technical_error", flow.sidecar.db().withHandle(h -> h.createQuery("SELECT status FROM sessions WHERE id = :id")
                    .bind("id", session).mapTo(String.class).one()));
            assertTrue(calls.get() >= 2, "the first delivery failed and was retried");

            JsonNode rooms = board("sofia", "sofia-password").get("rooms");
            JsonNode r = null;
            for (JsonNode x : rooms) if (x.get("room").asText().equals(room)) r = x;
            assertEquals(1, r.get("clients").asInt());
            assertEquals(1, r.get("staff").asInt());
            assertEquals(session, r.get("session").asLong());
            assertFalse(r.get("recording").asBoolean());
            assertEquals("technical_error", r.get("alert").get("reason").asText());
            assertTrue(r.get("since_ms").asLong() > 0);

            assertEquals(1, board("olena", "olena-password").get("rooms").size(), "her own room");
            assertEquals(0, board("taras", "taras-password").get("rooms").size(), "not his room");
            int delivered = bodies.size();
            // raised once per episode, not on every check
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> bodies.size() == delivered);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> board("sofia", "sofia-password").get("alerts").asInt() == 0);
    }
}
