package com.zentrix.video.events;

import com.zentrix.video.web.Signatures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the occupancy snapshot from mod_zentrix_events' endpoint, signed like events are
 * ({@code HMAC(secret, timestamp + ".GET " + path)}, docs/protocol.md "Occupancy snapshot").
 */
public final class ProsodySnapshots {
    private static final Logger log = LoggerFactory.getLogger(ProsodySnapshots.class);

    private final URI url;
    private final Signatures signatures;
    private final EventParser parser;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public ProsodySnapshots(String url, Signatures signatures, EventParser parser, Clock clock) {
        this.url = URI.create(url);
        this.signatures = signatures;
        this.parser = parser;
        this.clock = clock;
    }

    public Optional<Snapshot> fetch() {
        String ts = Long.toString(clock.instant().getEpochSecond());
        String path = url.getRawPath();
        String sig = signatures.sign(ts, ("GET " + path).getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, sig).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                log.warn("occupancy snapshot from {} answered {}", url, r.statusCode());
                return Optional.empty();
            }
            return Optional.of(parser.parseSnapshot(r.body()));
        } catch (IOException | RuntimeException e) {
            log.warn("occupancy snapshot from {} failed: {}", url, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
