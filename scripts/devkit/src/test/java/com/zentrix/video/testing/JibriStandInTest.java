package com.zentrix.video.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Jibri stand-in answers, records, webhooks and finalizes the way the real Jibri does. */
class JibriStandInTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @TempDir Path tmp;
    private Path recordings;
    private Path finalizeStarted;
    private Path finalizeDone;
    private WebhookReceiver hooks;
    private JibriStandIn jibri;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        recordings = tmp.resolve("recordings");
        finalizeStarted = tmp.resolve("finalize-started");
        finalizeDone = tmp.resolve("finalize-done");
        // a slow finalize script: notes its argument, works for a second, then leaves a marker
        Path script = tmp.resolve("finalize.sh");
        Files.writeString(script, """
                #!/bin/sh
                printf '%s\\n' "$#:$1" > "$STARTED_MARKER"
                sleep 1
                touch "$DONE_MARKER"
                echo "finalized $1"
                exit 3
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        hooks = new WebhookReceiver(List.of(finalizeStarted, finalizeDone));
        jibri = JibriStandIn.builder()
                .recordingsDir(recordings)
                .finalizeScript(script)
                .finalizeEnvironment("STARTED_MARKER", finalizeStarted.toString())
                .finalizeEnvironment("DONE_MARKER", finalizeDone.toString())
                .webhookSubscriber(hooks.baseUrl() + "/hooks")
                .jibriId("j1")
                .joinDelay(Duration.ofMillis(200))
                .statusInterval(Duration.ZERO)
                .start();
    }

    @AfterEach
    void stop() {
        jibri.close();
        hooks.close();
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void healthIsIdleAndHealthyWhenNothingRuns() throws Exception {
        HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode());
        assertEquals(JSON.readTree("{\"status\":{\"busyStatus\":\"IDLE\",\"health\":{\"healthStatus\":\"HEALTHY\",\"details\":{}}}}"),
                JSON.readTree(health.body()));
    }

    @Test
    void startRecordsAPlayableMp4InTheSanitisedSessionDirectoryAndRefusesASecondStart() throws Exception {
        HttpResponse<String> started = post("/startService", startBody("rec/2026 01", "Room One", "file"));
        assertEquals(200, started.statusCode());
        assertEquals("", started.body());
        assertEquals("BUSY", JSON.readTree(get("/health").body()).at("/status/busyStatus").asText());

        HttpResponse<String> second = post("/startService", startBody("other", "room2", "FILE"));
        assertEquals(412, second.statusCode());
        assertEquals("Jibri is currently busy", second.body());

        Path mp4 = jibri.awaitRecording(TIMEOUT);
        Instant onReceived = hooks.await("/hooks/v1/session/status", "ON").receivedAt();
        Path sessionDir = recordings.resolve("rec_2026_01");
        assertEquals(sessionDir, mp4.getParent());
        assertTrue(mp4.getFileName().toString().matches("Room One_\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.mp4"),
                mp4.getFileName().toString());

        await().pollDelay(Duration.ofSeconds(2)).atMost(TIMEOUT).until(() -> Files.size(mp4) > 0);
        Instant stopSent = Instant.now();
        assertEquals(200, post("/stopService", "").statusCode());

        JsonNode probe = ffprobe(mp4);
        assertEquals(List.of("h264", "aac"), probe.findValuesAsText("codec_name"));
        double seconds = probe.at("/format/duration").asDouble();
        double expected = Duration.between(onReceived, stopSent).toMillis() / 1000.0;
        assertTrue(Math.abs(seconds - expected) < 1.0, "mp4 lasts " + seconds + " s, recorded for " + expected + " s");

        assertEquals(JSON.readTree("{\"meeting_url\":\"https://meet.example.org/Room One\",\"participants\":[]}"),
                JSON.readTree(Files.readString(sessionDir.resolve("metadata.json"))));
        assertEquals(List.of(200, 412), jibri.startRequests().stream().map(JibriStandIn.StartRequest::status).toList());
        assertEquals("rec/2026 01", jibri.startRequests().get(0).sessionId());
    }

    @Test
    void stopBlocksUntilTheFinalizeScriptHasExitedAndOnlyThenGoesIdle() throws Exception {
        assertEquals(200, post("/startService", startBody("s1", "room1", "FILE")).statusCode());
        jibri.awaitRecording(TIMEOUT);

        Instant stopSent = Instant.now();
        HttpResponse<String> stopped = post("/stopService", "");
        Instant stopAnswered = Instant.now();

        assertEquals(200, stopped.statusCode());
        assertEquals("", stopped.body());
        assertTrue(Files.exists(finalizeDone), "stopService answered before the finalize script finished");
        assertTrue(Duration.between(stopSent, stopAnswered).toMillis() >= 1000);
        String sessionDir = recordings.resolve("s1").toAbsolutePath().toString();
        assertEquals("1:" + sessionDir, Files.readString(finalizeStarted).strip(), "exactly one argument, the session dir");
        assertEquals("IDLE", JSON.readTree(get("/health").body()).at("/status/busyStatus").asText());

        JibriStandIn.SessionOutcome outcome = jibri.lastOutcome().orElseThrow();
        assertEquals(3, outcome.finalizeExitCode(), "the exit code is only logged, as Jibri does");
        assertTrue(outcome.finalizeOutput().contains("finalized " + sessionDir));
        assertEquals("s1", jibri.stopRequests().get(0).sessionId());
        // stopping again while idle is a no-op that still answers 200
        assertEquals(200, post("/stopService", "").statusCode());
        assertNull(jibri.stopRequests().get(1).sessionId());
    }

    @Test
    void webhooksArriveChunkedInJibrisOrderWithOffBeforeTheFinalize() throws Exception {
        assertEquals(200, post("/startService", startBody("s2", "room2", "FILE")).statusCode());
        jibri.awaitRecording(TIMEOUT);
        hooks.await("/hooks/v1/session/status", "ON");
        post("/stopService", "");
        hooks.await("/hooks/v1/status", "IDLE");

        List<Hook> all = hooks.received();
        assertEquals(List.of("/hooks/v1/status BUSY", "/hooks/v1/session/status ON",
                        "/hooks/v1/session/status OFF", "/hooks/v1/status IDLE"),
                all.stream().map(h -> h.path() + " " + h.state()).toList());
        for (Hook h : all) {
            assertEquals("chunked", h.transferEncoding(), h.path());
            assertNull(h.contentLength(), h.path());
            assertEquals("application/json", h.contentType());
        }
        assertEquals(JSON.readTree("{\"jibriId\":\"j1\",\"session\":{\"sessionId\":\"s2\",\"status\":\"OFF\","
                + "\"sipAddress\":null,\"failure\":null,\"shouldRetry\":null}}"), all.get(2).json());
        assertEquals(JSON.readTree("{\"jibriId\":\"j1\",\"status\":{\"busyStatus\":\"BUSY\","
                + "\"health\":{\"healthStatus\":\"HEALTHY\",\"details\":{}}}}"), all.get(0).json());
        // real Jibri: ffmpeg's exit line turns the service Finished (OFF) before metadata and finalize
        assertEquals(List.of(), all.get(2).markersPresent(), "OFF should come before the finalize");
        assertEquals(List.of("finalize-started", "finalize-done"), all.get(3).markersPresent());
    }

    @Test
    void offAfterFinalizeOrderCanBeChosen() throws Exception {
        jibri.offWebhookAfterFinalize(true);
        post("/startService", startBody("s3", "room3", "FILE"));
        jibri.awaitRecording(TIMEOUT);
        post("/stopService", "");
        Hook off = hooks.await("/hooks/v1/session/status", "OFF");
        assertEquals(List.of("finalize-started", "finalize-done"), off.markersPresent());
    }

    @Test
    void startWithoutCallLoginParamsIsRefusedWith412() throws Exception {
        String body = "{\"sessionId\":\"s1\",\"callParams\":{\"callUrlInfo\":{\"baseUrl\":\"https://m\",\"callName\":\"r\"}},"
                + "\"sinkType\":\"file\"}";
        HttpResponse<String> r = post("/startService", body);
        assertEquals(412, r.statusCode());
        assertEquals("Call login params missing", r.body());
        assertEquals(JibriStandIn.BusyStatus.IDLE, jibri.busyStatus());
    }

    @Test
    void bodiesJibriCannotBindAreAnswered500WithNoBody() throws Exception {
        List<String> bad = List.of(
                "{not json",
                "{\"callParams\":{\"callUrlInfo\":{\"baseUrl\":\"https://m\",\"callName\":\"r\"}},\"callLoginParams\":{},\"sinkType\":\"FILE\"}",
                startBody("s1", "r", "VIDEO"),
                startBody("s1", "r", "FILE").replace("{\"sessionId\"", "{\"recordingMode\":\"file\",\"sessionId\""),
                "");
        for (String body : bad) {
            HttpResponse<String> r = post("/startService", body);
            assertEquals(500, r.statusCode(), body);
            assertEquals("", r.body(), body);
        }
        HttpResponse<String> noContentType = http.send(HttpRequest.newBuilder(URI.create(jibri.baseUrl() + "/startService"))
                .POST(HttpRequest.BodyPublishers.ofString(startBody("s1", "r", "FILE"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(500, noContentType.statusCode(), "Jibri binds JSON only when sent as application/json");
        assertEquals(JibriStandIn.Phase.IDLE, jibri.phase());
        assertFalse(Files.exists(recordings.resolve("s1")));
    }

    @Test
    void failingToJoinDeletesTheDirectoryAndReportsARetryableFailureWithoutFinalize() throws Exception {
        jibri.failToJoin(true).joinTimeout(Duration.ofMillis(500));
        assertEquals(200, post("/startService", startBody("s4", "room4", "FILE")).statusCode());
        await().atMost(TIMEOUT).until(() -> Files.isDirectory(recordings.resolve("s4")));
        jibri.awaitIdle(TIMEOUT);

        assertFalse(Files.exists(recordings.resolve("s4")));
        Hook off = hooks.await("/hooks/v1/session/status", "OFF");
        assertEquals(JSON.readTree("{\"jibriId\":\"j1\",\"session\":{\"sessionId\":\"s4\",\"status\":\"OFF\",\"sipAddress\":null,"
                        + "\"failure\":{\"reason\":\"ERROR\",\"error\":{\"scope\":\"SESSION\",\"detail\":\"Failed to join the call\"}},"
                        + "\"shouldRetry\":true}}"),
                off.json());
        assertTrue(hooks.received().stream().noneMatch(h -> "ON".equals(h.state())));
        assertFalse(Files.exists(finalizeStarted));
        assertNull(jibri.lastOutcome().orElseThrow().finalizeExitCode());
        assertEquals("HEALTHY", JSON.readTree(get("/health").body()).at("/status/health/healthStatus").asText());
    }

    @Test
    void ffmpegDyingMidRecordingReportsTheFailureAndStillFinalizesTheBrokenFile() throws Exception {
        jibri.dieMidRecordingAfter(Duration.ofMillis(800));
        post("/startService", startBody("s5", "room5", "FILE"));
        Path mp4 = jibri.awaitRecording(TIMEOUT);
        jibri.awaitIdle(TIMEOUT);

        Hook off = hooks.await("/hooks/v1/session/status", "OFF");
        assertEquals("SESSION", off.json().at("/session/failure/error/scope").asText());
        assertTrue(off.json().at("/session/shouldRetry").asBoolean());
        assertTrue(Files.exists(finalizeDone));
        assertTrue(Files.exists(mp4.resolveSibling("metadata.json")));
        assertNotEquals(0, ffprobeExit(mp4), "a SIGKILLed ffmpeg leaves an mp4 without its moov atom");
        assertEquals("ffmpeg-exited", jibri.lastOutcome().orElseThrow().endReason());
    }

    @Test
    void corruptMp4AndSkipFinalizeFaults() throws Exception {
        jibri.corruptMp4(true).skipFinalize(true);
        post("/startService", startBody("s6", "room6", "FILE"));
        Path mp4 = jibri.awaitRecording(TIMEOUT);
        await().pollDelay(Duration.ofSeconds(1)).atMost(TIMEOUT).until(() -> Files.size(mp4) > 0);
        post("/stopService", "");

        assertNotEquals(0, ffprobeExit(mp4));
        assertFalse(Files.exists(finalizeStarted));
        assertTrue(Files.exists(mp4.resolveSibling("metadata.json")));
    }

    @Test
    void busyAlwaysAndFailStart500Faults() throws Exception {
        jibri.busyAlways(true);
        HttpResponse<String> busy = post("/startService", startBody("s7", "r", "FILE"));
        assertEquals(412, busy.statusCode());
        assertEquals("Jibri is currently busy", busy.body());
        jibri.busyAlways(false).failStart500(true);
        assertEquals(500, post("/startService", startBody("s7", "r", "FILE")).statusCode());
        assertEquals(JibriStandIn.Phase.IDLE, jibri.phase());
        assertTrue(hooks.received().isEmpty());
    }

    // ---------------------------------------------------------------------------------------------

    private static String startBody(String sessionId, String callName, String sinkType) throws IOException {
        var body = JSON.createObjectNode();
        body.put("sessionId", sessionId);
        var urlInfo = body.putObject("callParams").putObject("callUrlInfo");
        urlInfo.put("baseUrl", "https://meet.example.org");
        urlInfo.put("callName", callName);
        var login = body.putObject("callLoginParams");
        login.put("domain", "recorder.meet.example.org");
        login.put("username", "recorder");
        login.put("password", "secret");
        body.put("sinkType", sinkType);
        return JSON.writeValueAsString(body);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(jibri.baseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(jibri.baseUrl() + path))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ffprobe(Path file) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
                "-of", "json", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return JSON.readTree(out);
    }

    private static int ffprobeExit(Path file) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries", "format=duration", file.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return p.exitValue();
    }

    /** One webhook as it arrived: headers that show how it was framed, and its JSON. */
    record Hook(String path, Instant receivedAt, String transferEncoding, String contentLength, String contentType,
                JsonNode json, List<String> markersPresent) {
        String state() {
            JsonNode session = json.path("session");
            return session.isMissingNode() ? json.at("/status/busyStatus").asText() : session.path("status").asText();
        }
    }

    /** A JDK HttpServer standing in for the sidecar's webhook endpoint; notes which marker files exist. */
    static final class WebhookReceiver implements AutoCloseable {
        private final HttpServer server;
        private final List<Hook> received = new CopyOnWriteArrayList<>();

        WebhookReceiver(List<Path> markers) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
            server.createContext("/", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes(); // read as a stream, whatever the framing
                var h = ex.getRequestHeaders();
                received.add(new Hook(ex.getRequestURI().getPath(), Instant.now(), h.getFirst("Transfer-Encoding"),
                        h.getFirst("Content-Length"), h.getFirst("Content-Type"), JSON.readTree(body),
                        markers.stream().filter(Files::exists).map(m -> m.getFileName().toString()).toList()));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            server.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        List<Hook> received() {
            return List.copyOf(received);
        }

        Hook await(String path, String state) {
            return org.awaitility.Awaitility.await().atMost(TIMEOUT).until(
                    () -> received.stream().filter(h -> h.path().equals(path) && h.state().equals(state)).findFirst(),
                    java.util.Optional::isPresent).orElseThrow();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
