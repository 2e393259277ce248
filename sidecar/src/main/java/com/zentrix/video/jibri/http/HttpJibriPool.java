package com.zentrix.video.jibri.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.jibri.JibriControl;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one or more Jibris through their HTTP API ({@code jitsi/jibri:
 * src/main/kotlin/org/jitsi/jibri/api/http/HttpApi.kt}): {@code GET health}, {@code POST startService}
 * with sinkType file and callParams.callUrlInfo, {@code POST stopService}. A start asks each Jibri in
 * turn (round robin), skipping any that is not IDLE and HEALTHY, treating 412 as busy, and reports why
 * every one of them refused when none would.
 */
public final class HttpJibriPool implements JibriControl {
    private static final Logger log = LoggerFactory.getLogger(HttpJibriPool.class);

    private final List<String> baseUrls;
    private final ZentrixConfig.Jibri config;
    private final String jitsiBaseUrl;
    private final ObjectMapper json;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();

    public HttpJibriPool(ZentrixConfig.Jibri config, String jitsiBaseUrl, ObjectMapper json) {
        this.config = config;
        this.baseUrls = config.baseUrls().stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        this.jitsiBaseUrl = jitsiBaseUrl.endsWith("/") ? jitsiBaseUrl.substring(0, jitsiBaseUrl.length() - 1) : jitsiBaseUrl;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public StartResult start(String jibriSessionId, Target target) {
        String roomName = target.roomName();
        List<String> refusals = new ArrayList<>();
        int first = Math.floorMod(next.getAndIncrement(), baseUrls.size());
        for (int i = 0; i < baseUrls.size(); i++) {
            String url = baseUrls.get((first + i) % baseUrls.size());
            Refusal no = tryStart(url, jibriSessionId, roomName);
            if (no == null) return StartResult.ok(url);
            log.info("jibri {} did not take session {}: {}", url, jibriSessionId, no.why());
            refusals.add(url + ": " + no.why());
            if (no.mayHaveTaken()) {
                // That Jibri may hold this session id (its folder name): another Jibri must not get the same
                // id, or two recorders write one folder and the second file is never handed over. The
                // coordinator's retry comes with a new id.
                return StartResult.failed(noJibri(refusals) + "; retrying with a new recorder session");
            }
        }
        return StartResult.failed(noJibri(refusals));
    }

    private static String noJibri(List<String> refusals) {
        return "no Jibri could record (" + String.join("; ", refusals) + ")";
    }

    /** What a Jibri's health said, and when: a fresh "idle and healthy" saves a round trip on the start path. */
    private record Known(boolean idleAndHealthy, long atMs) {}

    private final java.util.Map<String, Known> known = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long FRESH_MS = 3_000;

    /**
     * Asks every Jibri's health in the background (the maintenance schedule calls this), so that a
     * start can go straight to startService. A stale or busy answer means asking again at start.
     */
    public void refreshHealth() {
        for (String url : baseUrls) {
            try {
                health(url);
            } catch (IOException e) {
                known.remove(url);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Null when idle and healthy, else why not. */
    private String health(String url) throws IOException, InterruptedException {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "/health"))
                .timeout(config.requestTimeout()).GET().build(), HttpResponse.BodyHandlers.ofString());
        String why;
        if (health.statusCode() != 200) {
            why = "health answered " + health.statusCode();
        } else {
            JsonNode status = json.readTree(health.body()).path("status");
            String busy = status.path("busyStatus").asText("");
            String healthy = status.path("health").path("healthStatus").asText("");
            why = !"IDLE".equals(busy) ? "busy (" + busy + ")" : !"HEALTHY".equals(healthy) ? "unhealthy (" + healthy + ")" : null;
        }
        known.put(url, new Known(why == null, System.currentTimeMillis()));
        return why;
    }

    /** Recorders whose stop is not yet seen through: no start goes to them (see {@link #hold}). */
    private final java.util.Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void hold(String jibriUrl) {
        held.add(jibriUrl);
    }

    @Override
    public void release(String jibriUrl) {
        held.remove(jibriUrl);
    }

    /** Why a Jibri did not take a start; {@code mayHaveTaken} when its answer never came (see {@link #abandon}). */
    private record Refusal(String why, boolean mayHaveTaken) {
        static Refusal of(String why) {
            return new Refusal(why, false);
        }
    }

    /** Null when the Jibri accepted, else why not. */
    private Refusal tryStart(String url, String jibriSessionId, String roomName) {
        if (held.contains(url)) return Refusal.of("still stopping an earlier recording");
        boolean asked = false;
        try {
            Known k = known.remove(url); // used once: after a start it is busy anyway
            if (k == null || !k.idleAndHealthy() || System.currentTimeMillis() - k.atMs() > FRESH_MS) {
                String why = health(url);
                known.remove(url);
                if (why != null) return Refusal.of(why);
            }
            asked = true;
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(url + "/startService"))
                    .timeout(config.requestTimeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(startBody(jibriSessionId, roomName))).build(),
                    HttpResponse.BodyHandlers.ofString());
            return switch (resp.statusCode()) {
                case 200 -> null;
                case 412 -> Refusal.of("refused: " + (resp.body().isBlank() ? "precondition failed" : resp.body().strip()));
                default -> Refusal.of("startService answered " + resp.statusCode()
                        + (resp.body().isBlank() ? "" : ": " + resp.body().strip()));
            };
        } catch (ConnectException e) {
            return Refusal.of("connection refused");
        } catch (HttpTimeoutException e) {
            // An unanswered health question asked nothing of the Jibri: no stop then (it would end whatever
            // that Jibri records for another room).
            if (!asked) return Refusal.of("health timed out");
            abandon(url, jibriSessionId);
            return new Refusal("startService timed out (asked to stop in case it took the start)", true);
        } catch (IOException e) {
            return Refusal.of("unreachable (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Refusal.of("interrupted");
        }
    }

    /**
     * A start whose answer came too late may still have been taken (Jibri handles startService before it
     * answers): without a stop that Jibri would record the room next to the one the retry picks, with the
     * same session id (ChurnCrashIT caught it once, with a 12 s answer). Stop it in the background (a stop
     * on an idle Jibri is a no-op, JibriManager.kt) and give it no new start until then.
     */
    private void abandon(String url, String jibriSessionId) {
        held.add(url);
        Thread t = new Thread(() -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/stopService"))
                        .timeout(config.stopTimeout()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                log.info("stopped a start that answered too late jibri={} jibriSession={} status={}", url, jibriSessionId, r.statusCode());
            } catch (IOException e) {
                log.warn("could not stop a start that answered too late jibri={} jibriSession={}: {}", url, jibriSessionId, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                held.remove(url);
            }
        }, "jibri-abandon");
        t.setDaemon(true);
        t.start();
    }

    String startBody(String jibriSessionId, String roomName) {
        ObjectNode body = json.createObjectNode();
        body.put("sessionId", jibriSessionId);
        ObjectNode callUrl = body.putObject("callParams").putObject("callUrlInfo");
        callUrl.put("baseUrl", jitsiBaseUrl);
        callUrl.put("callName", roomName);
        ObjectNode login = body.putObject("callLoginParams");
        login.put("domain", config.callLogin().domain());
        login.put("username", config.callLogin().username());
        login.put("password", config.callLogin().password());
        body.put("sinkType", "file");
        return body.toString();
    }

    @Override
    public Boolean busy(String jibriUrl) {
        try {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(jibriUrl + "/health"))
                    .timeout(config.requestTimeout()).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (health.statusCode() != 200) return null;
            return !"IDLE".equals(json.readTree(health.body()).path("status").path("busyStatus").asText(""));
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void stop(String jibriUrl, String jibriSessionId, Target target) throws Exception {
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(jibriUrl + "/stopService"))
                .timeout(config.stopTimeout()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new IOException("stopService answered " + resp.statusCode() + " " + resp.body());
        }
    }
}
