package com.zentrix.video.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.recording.RecordingNotice;
import com.zentrix.video.web.Signatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recording notice through mod_zentrix_events' {@code POST <base>/notice} (signed like the module's
 * other endpoints: {@code HMAC(secret, timestamp + ".POST " + path + "\n" + body)}): a groupchat message
 * from the room to everyone in it. Sent off the recording loop; a failure is logged, tried once more.
 */
public final class ProsodyNotice implements RecordingNotice, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProsodyNotice.class);

    private final URI url;
    private final String text;
    private final Signatures signatures;
    private final ObjectMapper json;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "recording-notice");
        t.setDaemon(true);
        return t;
    });

    public ProsodyNotice(String url, String text, Signatures signatures, ObjectMapper json, Clock clock) {
        this.url = URI.create(url);
        this.text = text;
        this.signatures = signatures;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public void recordingStarted(String roomJid, long sessionId) {
        sender.execute(() -> {
            for (int attempt = 1; attempt <= 2; attempt++) {
                if (send(roomJid, sessionId, attempt)) return;
            }
        });
    }

    private boolean send(String roomJid, long sessionId, int attempt) {
        String body = json.createObjectNode().put("room", roomJid).put("text", text).toString();
        String ts = Long.toString(clock.instant().getEpochSecond());
        String sig = signatures.sign(ts, ("POST " + url.getRawPath() + "\n" + body).getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json").header(Signatures.TIMESTAMP_HEADER, ts)
                    .header(Signatures.SIGNATURE_HEADER, sig).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                log.info("recording notice shown room={} session={}", roomJid, sessionId);
                return true;
            }
            log.warn("recording notice refused room={} session={} attempt={}: {} {}", roomJid, sessionId, attempt,
                    r.statusCode(), r.body());
            return r.statusCode() < 500; // a 4xx will not change on a retry
        } catch (Exception e) {
            log.warn("recording notice failed room={} session={} attempt={}: {}", roomJid, sessionId, attempt, e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }
}
