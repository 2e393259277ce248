package com.zentrix.video.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each alert as JSON ({@code room, session, reason, detail, since, raised}) to the configured URL,
 * on its own executor, retrying a few times with growing pauses; nothing waits for it. No URL, no call.
 */
public final class AlertWebhook {
    private static final Logger log = LoggerFactory.getLogger(AlertWebhook.class);

    private final String url;
    private final int attempts;
    private final Duration timeout;
    private final ObjectMapper json;
    private final ScheduledExecutorService executor;
    private final HttpClient http;

    public AlertWebhook(String url, int attempts, Duration timeout, ObjectMapper json, ScheduledExecutorService executor) {
        this.url = url == null ? "" : url.strip();
        this.attempts = Math.max(1, attempts);
        this.timeout = timeout;
        this.json = json;
        this.executor = executor;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public void send(Alert a) {
        if (url.isEmpty()) return;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("room", a.room());
        body.put("session", a.session());
        body.put("reason", a.reason());
        body.put("detail", a.detail());
        body.put("since", java.time.Instant.ofEpochMilli(a.sinceMs()).toString());
        body.put("raised", java.time.Instant.ofEpochMilli(a.raisedMs()).toString());
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        executor.execute(() -> attempt(a, bytes, 1));
    }

    private void attempt(Alert a, byte[] body, int n) {
        String failure;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                log.info("alert webhook delivered room={} session={} reason={} attempt={}", a.room(), a.session(), a.reason(), n);
                return;
            }
            failure = "HTTP " + status;
        } catch (IOException | IllegalArgumentException e) {
            failure = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (n >= attempts) {
            log.error("alert webhook gave up room={} session={} reason={} after {} attempts: {}", a.room(), a.session(),
                    a.reason(), n, failure);
            return;
        }
        long pause = 500L << (n - 1);
        log.warn("alert webhook failed room={} session={} attempt={} ({}); retrying in {} ms", a.room(), a.session(), n, failure, pause);
        executor.schedule(() -> attempt(a, body, n + 1), pause, TimeUnit.MILLISECONDS);
    }
}
