package com.zentrix.video.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.web.Signatures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
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
 * Every attempt is signed afresh ({@link Signatures}: HMAC-SHA256 over its timestamp and the body), so
 * a receiver can tell our alerts from forged ones and refuse a replayed one by its age.
 */
public final class AlertWebhook {
    private static final Logger log = LoggerFactory.getLogger(AlertWebhook.class);

    private final String url;
    private final Signatures signatures;
    private final int attempts;
    private final Duration timeout;
    private final ObjectMapper json;
    private final ScheduledExecutorService executor;
    private final HttpClient http;
    private final Clock clock;

    public AlertWebhook(String url, Signatures signatures, int attempts, Duration timeout, ObjectMapper json,
            ScheduledExecutorService executor, Clock clock) {
        this.url = url == null ? "" : url.strip();
        this.signatures = signatures;
        this.clock = clock;
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
            String ts = Long.toString(clock.instant().getEpochSecond());
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Content-Type", "application/json")
                    .header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, signatures.sign(ts, body))
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
