package com.zentrix.video.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for the sidecar's event intake, for tests of mod_zentrix_events: checks the signature (over
 * the whole body, a batch included), records every request, answers as planned (202 unless told
 * otherwise) and, when asked to, adds {@code X-Zentrix-Want-Snapshot: 1} to its answers. A batch
 * ({@code {"events":[...]}}, docs/protocol.md "Batches") is taken whole or not at all, as the sidecar
 * does: {@link #requests}/{@link #accepted} list its events one by one, {@link #deliveries} keeps the
 * requests as they came.
 */
final class EventReceiver {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EVENTS = Duration.ofSeconds(10);
    /** A planned "status" that never answers (until the receiver stops). */
    static final int HANG = -1;

    private final String secret;
    private int port;
    private HttpServer server;
    private final Deque<Integer> plan = new ArrayDeque<>();
    private Predicate<JsonNode> wantSnapshot;
    private final List<JsonNode> requests = new ArrayList<>();
    private final List<JsonNode> accepted = new ArrayList<>();
    private final List<String> badSignatures = new ArrayList<>();
    private final List<Delivery> deliveries = new ArrayList<>();
    private Predicate<JsonNode> badEvent;

    /** One request as it came: its events (one, or a batch's), whether it was a batch, the answer's status. */
    record Delivery(List<JsonNode> events, boolean batch, int status) {
        List<String> ids() {
            return events.stream().map(e -> e.path("id").asText()).toList();
        }
    }
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

    /** {@code sha256=<hex HMAC-SHA256(secret, timestamp + "." + payload)>}, as the protocol signs. */
    static String signature(String secret, String timestamp, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(payload));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
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
        wantSnapshot = null;
        badEvent = null;
    }

    /**
     * Events {@code which} accepts are refused with 400, as the sidecar refuses an invalid event: alone,
     * and in a batch, which is then refused whole, naming it ({@code events[i]: …}); null: none.
     */
    synchronized void refuse(Predicate<JsonNode> which) {
        badEvent = which;
    }

    /** Every request as it came, in arrival order. */
    synchronized List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Answers to the events {@code which} accepts carry {@code X-Zentrix-Want-Snapshot: 1}; null: none. */
    synchronized void wantSnapshot(Predicate<JsonNode> which) {
        wantSnapshot = which;
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

    /** Every accepted event, snapshots included, in arrival order. */
    synchronized List<JsonNode> allAccepted() {
        return List.copyOf(accepted);
    }

    /** Accepted snapshot events, in arrival order. */
    synchronized List<JsonNode> snapshots() {
        return accepted.stream().filter(e -> "snapshot".equals(e.path("type").asText())).toList();
    }

    /** Waits for {@code count} accepted events of a room, in arrival order. */
    List<JsonNode> awaitAccepted(String roomJid, int count) {
        await().atMost(EVENTS).until(() -> accepted(roomJid).size() >= count);
        return accepted(roomJid);
    }

    /** Waits until at least {@code count} snapshots have been accepted; returns all of them. */
    List<JsonNode> awaitSnapshots(int count) {
        await().atMost(EVENTS).until(() -> snapshots().size() >= count);
        return snapshots();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String timestamp = exchange.getRequestHeaders().getFirst("X-Zentrix-Timestamp");
        String signature = exchange.getRequestHeaders().getFirst("X-Zentrix-Signature");
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        JsonNode root = JSON.readTree(body);
        boolean batch = root.has("events");
        List<JsonNode> events = new ArrayList<>();
        if (batch) {
            root.get("events").forEach(events::add);
        } else {
            events.add(root);
        }
        int status;
        boolean askForSnapshot;
        CountDownLatch hangUntil;
        String refusal = "field 'room.jid' is missing";
        synchronized (this) {
            hangUntil = hung;
            askForSnapshot = wantSnapshot != null && events.stream().anyMatch(wantSnapshot);
            requests.addAll(events);
            int bad = -1;
            for (int i = 0; badEvent != null && bad < 0 && i < events.size(); i++) {
                if (badEvent.test(events.get(i))) bad = i;
            }
            if (!validSignature(timestamp, body, signature) || !"application/json".equals(contentType)) {
                badSignatures.add((batch ? "batch " : "") + events.get(0).path("id").asText() + " ts=" + timestamp
                        + " sig=" + signature + " type=" + contentType);
                status = 401;
            } else if (batch && (events.size() > 500 || events.stream()
                    .anyMatch(e -> "snapshot".equals(e.path("type").asText())))) {
                status = 400;
                refusal = "a snapshot travels on its own, not in a batch (or more than 500 events)";
            } else if (bad >= 0) {
                status = 400;
                refusal = (batch ? "events[" + bad + "]: " : "") + "field 'seq' must be positive";
            } else {
                Integer planned = plan.poll();
                status = planned != null ? planned : 202;
            }
            if (status == 202) {
                accepted.addAll(events);
            }
            deliveries.add(new Delivery(List.copyOf(events), batch, status));
        }
        if (status == HANG) {
            awaitQuietly(hangUntil);
            exchange.close();
            return;
        }
        String answer = switch (status) {
            case 202 -> batch ? "{\"accepted\":" + events.size() + ",\"duplicates\":0}" : "{\"accepted\":true}";
            case 400 -> JSON.createObjectNode().put("error", "bad_event").put("message", refusal).toString();
            case 401 -> "{\"error\":\"unauthorized\"}";
            default -> "{\"error\":\"unavailable\"}";
        };
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (askForSnapshot) {
            exchange.getResponseHeaders().set("X-Zentrix-Want-Snapshot", "1");
        }
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
        if (timestamp == null || signature == null || !timestamp.matches("\\d{1,15}")) {
            return false;
        }
        long skew = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp));
        byte[] expected = signature(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII);
        return skew <= 5 && MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    }
}
