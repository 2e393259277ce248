package com.zentrix.video.testing.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end point of the latency measure: a Jibri HTTP API that is always idle and healthy, accepts every
 * startService at once and notes when it arrived. It records nothing and sends no webhooks; the full
 * {@code JibriStandIn} (ffmpeg, finalize) would put media work on the same two cores as the path measured.
 * Handlers run on the server's dispatcher thread, so the timestamp is taken as soon as the request head
 * has been parsed.
 */
final class TimestampingJibri implements AutoCloseable {
    private static final String API = "/jibri/api/v1.0";
    private static final byte[] HEALTH =
            "{\"status\":{\"busyStatus\":\"IDLE\",\"health\":{\"healthStatus\":\"HEALTHY\",\"details\":{}}}}"
                    .getBytes(StandardCharsets.UTF_8);

    /**
     * One startService: which room, when it arrived (monotonic and wall clock), and when the GET /health
     * before it arrived (the sidecar asks health first; iterations run one at a time, so it is the last one).
     */
    record Arrival(String sessionId, String callName, long nanoTime, long epochMicros, long healthNanoTime) {}

    static {
        // Jibri's HTTP server (Ktor on Jetty) answers with TCP_NODELAY; the JDK server does not by default,
        // and Nagle's algorithm then holds the body behind the head until the client's delayed ACK.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final Map<String, CompletableFuture<Arrival>> starts = new ConcurrentHashMap<>();
    private final AtomicInteger startCount = new AtomicInteger();
    private volatile long lastHealthNanos;
    private final AtomicInteger stopCount = new AtomicInteger();
    private final Object stopMonitor = new Object();

    TimestampingJibri() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext(API + "/health", ex -> {
            lastHealthNanos = System.nanoTime();
            answer(ex, 200, HEALTH);
        });
        server.createContext(API + "/startService", this::start);
        server.createContext(API + "/stopService", this::stop);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + API;
    }

    private void start(HttpExchange ex) throws IOException {
        long nanos = System.nanoTime();
        Instant now = Instant.now();
        byte[] body = ex.getRequestBody().readAllBytes();
        JsonNode start = json.readTree(body);
        String callName = start.path("callParams").path("callUrlInfo").path("callName").asText();
        Arrival a = new Arrival(start.path("sessionId").asText(), callName, nanos,
                now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000, lastHealthNanos);
        starts.computeIfAbsent(callName, k -> new CompletableFuture<>()).complete(a);
        startCount.incrementAndGet();
        answer(ex, 200, null);
    }

    private void stop(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        synchronized (stopMonitor) {
            stopCount.incrementAndGet();
            stopMonitor.notifyAll();
        }
        answer(ex, 200, null);
    }

    private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
        try (ex) {
            if (body == null) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The startService for this room (call name), waiting for it up to the timeout. */
    Arrival awaitStart(String callName, Duration timeout) throws Exception {
        try {
            return starts.computeIfAbsent(callName, k -> new CompletableFuture<>())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("no startService for room " + callName + " within " + timeout, e);
        }
    }

    /** Waits until at least {@code n} stopService calls have arrived; false when the timeout passed first. */
    boolean awaitStops(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (stopMonitor) {
            while (stopCount.get() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(stopMonitor, left);
            }
        }
        return true;
    }

    int starts() {
        return startCount.get();
    }

    int stops() {
        return stopCount.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
