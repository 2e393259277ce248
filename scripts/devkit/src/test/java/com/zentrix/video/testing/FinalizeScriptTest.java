package com.zentrix.video.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jibri-finalize/zentrix-finalize.sh speaks docs/protocol.md "Finalize: hook → sidecar" exactly. */
class FinalizeScriptTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "finalize-secret-ü";
    private static final Path SCRIPT = findScript();

    @TempDir Path tmp;
    private Path tempDir;
    private Path logFile;
    private FakeSidecar sidecar;

    @BeforeEach
    void setUp() throws IOException {
        tempDir = Files.createDirectories(tmp.resolve("t"));
        logFile = tmp.resolve("finalize.log");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (sidecar != null) {
            sidecar.close();
        }
        // never leave a background retry loop behind, even when a test failed
        try (Stream<Path> locks = Files.list(tempDir)) {
            for (Path lock : locks.filter(p -> p.getFileName().toString().endsWith(".lock")).toList()) {
                Path pid = lock.resolve("pid");
                if (Files.exists(pid)) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroy);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void localModePostsTheAbsoluteDirectorySignedAndExitsZero() throws Exception {
        sidecar = new FakeSidecar(SECRET, 0);
        Path parent = Files.createDirectories(tmp.resolve("rec \"q\" \\x"));
        Path session = recording(parent.resolve("s1"));
        Map<String, String> before = snapshot(session);
        Path envFile = tmp.resolve("finalize.env");
        Files.writeString(envFile, String.join("\n",
                "# written by the installer",
                "export ZENTRIX_SIDECAR_URL=\"" + sidecar.url() + "/\"",
                "ZENTRIX_FINALIZE_SECRET='" + SECRET + "'",
                "ZENTRIX_FINALIZE_MODE=upload",
                ""));

        // the environment wins over the file (mode), the file supplies the rest; a relative path is resolved
        Run run = run(Map.of("ZENTRIX_FINALIZE_ENV", envFile.toString(), "ZENTRIX_FINALIZE_MODE", "local"),
                parent, "./s1/");

        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("handed over " + session), run.stderr());
        Received post = sidecar.single();
        assertEquals("POST /api/v1/finalize", post.method() + " " + post.path());
        assertEquals("application/json", post.header("content-type"));
        assertEquals("{\"directory\":" + JSON.writeValueAsString(session.toString()) + "}",
                new String(post.body(), StandardCharsets.UTF_8));
        assertEquals(session.toString(), JSON.readTree(post.body()).get("directory").asText());
        assertTrue(post.signatureValid());
        assertEquals(before, snapshot(session), "the hook must not touch the recording");
    }

    @Test
    void aRefusedSignatureExits77AndPrintsTheSidecarsMessage() throws Exception {
        sidecar = new FakeSidecar("the-sidecar-has-another-secret", 0);
        Path session = recording(tmp.resolve("s2"));

        Run run = run(env(sidecar.url(), "local"), tmp, session.toString());

        assertEquals(77, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("HTTP 401: signature mismatch"), run.stderr());
        assertTrue(run.stderr().contains("zentrix.finalize.secret"), run.stderr());
        assertTrue(Files.isDirectory(session));
    }

    @Test
    void anUnreachableSidecarExits75WithinTheSyncWindow() throws Exception {
        Path session = recording(tmp.resolve("s3"));
        Map<String, String> env = env("http://127.0.0.1:" + freePort(), "local");
        env.put("ZENTRIX_FINALIZE_SYNC_SECONDS", "2");

        Run run = run(env, tmp, session.toString());

        assertEquals(75, run.exit(), run.stderr());
        assertTrue(run.took().compareTo(Duration.ofMillis(1500)) > 0, "retried for the window, took " + run.took());
        assertTrue(run.took().compareTo(Duration.ofSeconds(6)) < 0, "took " + run.took());
        assertTrue(run.stderr().contains("attempt 3 not accepted"), run.stderr());
        assertTrue(run.stderr().contains("not accepted after 2s"), run.stderr());
        assertTrue(Files.readString(logFile).contains("not accepted after 2s"), "messages also go to the log");
        assertTrue(Files.isDirectory(session));
    }

    @Test
    void transientSidecarErrorsAreRetriedUntilAccepted() throws Exception {
        sidecar = new FakeSidecar(SECRET, 0);
        sidecar.answerFirst(503, 503);
        Path session = recording(tmp.resolve("s4"));

        Run run = run(env(sidecar.url(), "local"), tmp, session.toString());

        assertEquals(0, run.exit(), run.stderr());
        assertEquals(3, sidecar.received().size());
        assertTrue(sidecar.received().stream().allMatch(Received::signatureValid));
    }

    @Test
    void uploadModeStreamsEachRegularFileWithItsSha256AndThenSendsTheList() throws Exception {
        sidecar = new FakeSidecar(SECRET, 0);
        Path session = recording(tmp.resolve("s_up"));
        Files.writeString(session.resolve(".partial"), "skipped: dot file");
        Files.createDirectories(session.resolve("sub"));
        Map<String, String> before = snapshot(session);
        Path secretFile = tmp.resolve("secret");
        Files.writeString(secretFile, SECRET + "\n");
        Map<String, String> env = env(sidecar.url(), "upload");
        env.remove("ZENTRIX_FINALIZE_SECRET");
        env.put("ZENTRIX_FINALIZE_SECRET_FILE", secretFile.toString());

        Run run = run(env, tmp, session.toString());

        assertEquals(0, run.exit(), run.stderr());
        List<Received> got = sidecar.received();
        assertEquals(List.of("PUT /api/v1/finalize/upload/s_up/metadata.json",
                        "PUT /api/v1/finalize/upload/s_up/my room_2026-01-01-10-00-00.mp4",
                        "POST /api/v1/finalize"),
                got.stream().map(r -> r.method() + " " + r.path()).toList());
        assertTrue(got.stream().allMatch(Received::signatureValid));
        StringBuilder files = new StringBuilder();
        for (Received put : got.subList(0, 2)) {
            Path file = session.resolve(put.path().substring(put.path().lastIndexOf('/') + 1));
            assertArrayEquals(Files.readAllBytes(file), put.body());
            assertEquals(sha256(Files.readAllBytes(file)), put.header("x-content-sha256"));
            files.append(files.length() == 0 ? "" : ",")
                    .append("{\"name\":").append(JSON.writeValueAsString(file.getFileName().toString()))
                    .append(",\"sha256\":\"").append(sha256(Files.readAllBytes(file)))
                    .append("\",\"size\":").append(Files.size(file)).append('}');
        }
        assertEquals(JSON.readTree("{\"uploaded\":\"s_up\",\"files\":[" + files + "]}"), JSON.readTree(got.get(2).body()));
        assertEquals(before, snapshot(session));
    }

    @Test
    void uploadModeKeepsRetryingInTheBackgroundAfterTheSyncWindow() throws Exception {
        int port = freePort();
        Path session = recording(tmp.resolve("s_bg"));
        Map<String, String> env = env("http://127.0.0.1:" + port, "upload");
        env.put("ZENTRIX_FINALIZE_SYNC_SECONDS", "1");
        env.put("ZENTRIX_FINALIZE_RETRY_MAX_DELAY", "1");

        Run run = run(env, tmp, session.toString());

        assertEquals(75, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("background retry loop"), run.stderr());
        Path lock = tempDir.resolve("zentrix-finalize.s_bg.lock");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(lock.resolve("pid")));

        sidecar = new FakeSidecar(SECRET, port);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                sidecar.received().stream().anyMatch(r -> r.method().equals("POST")));
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(lock));
        assertEquals(3, sidecar.received().size());
        assertTrue(Files.readString(logFile).contains("handed over " + session), Files.readString(logFile));
        assertTrue(Files.isDirectory(session));
    }

    @Test
    void usageErrorsAndAMissingDirectoryHaveTheirExitCodes() throws Exception {
        Map<String, String> env = env("http://127.0.0.1:9", "local");
        assertEquals(64, run(env, tmp).exit());
        assertEquals(64, run(env, tmp, "a", "b").exit());
        Run missing = run(env, tmp, tmp.resolve("nope").toString());
        assertEquals(66, missing.exit());
        assertTrue(missing.stderr().contains("missing or unreadable"), missing.stderr());
        env.remove("ZENTRIX_FINALIZE_SECRET");
        Run noSecret = run(env, tmp, recording(tmp.resolve("s5")).toString());
        assertEquals(64, noSecret.exit());
        assertTrue(noSecret.stderr().contains("ZENTRIX_FINALIZE_SECRET"), noSecret.stderr());
    }

    @Test
    void jibriStandInRunsTheHookAndAnswersStopOnlyAfterTheHandOver() throws Exception {
        assertTrue(Files.isExecutable(SCRIPT), SCRIPT + " must be executable: Jibri runs it directly");
        sidecar = new FakeSidecar(SECRET, 0);
        Map<String, String> env = env(sidecar.url(), "local");
        JibriStandIn.Builder builder = JibriStandIn.builder()
                .recordingsDir(tmp.resolve("recordings"))
                .finalizeScript(SCRIPT)
                .joinDelay(Duration.ofMillis(100))
                .statusInterval(Duration.ZERO);
        env.forEach(builder::finalizeEnvironment);
        try (JibriStandIn jibri = builder.start()) {
            HttpClient http = HttpClient.newHttpClient();
            String start = "{\"sessionId\":\"e2e-1\",\"callParams\":{\"callUrlInfo\":{\"baseUrl\":\"https://meet.example.org\","
                    + "\"callName\":\"room\"}},\"callLoginParams\":{\"domain\":\"recorder.meet.example.org\","
                    + "\"username\":\"r\",\"password\":\"p\"},\"sinkType\":\"file\"}";
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(jibri.baseUrl() + "/startService"))
                    .header("Content-Type", "application/json; charset=UTF-8")
                    .POST(HttpRequest.BodyPublishers.ofString(start)).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
            jibri.awaitRecording(Duration.ofSeconds(15));
            HttpResponse<String> stop = http.send(HttpRequest.newBuilder(URI.create(jibri.baseUrl() + "/stopService"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            assertEquals(200, stop.statusCode());
            Received post = sidecar.single();
            Path session = tmp.resolve("recordings").resolve("e2e-1");
            assertEquals(session.toString(), JSON.readTree(post.body()).get("directory").asText());
            assertTrue(post.receivedAt().isBefore(jibri.stopRequests().get(0).answeredAt()));
            assertEquals(0, jibri.lastOutcome().orElseThrow().finalizeExitCode());
            assertTrue(Files.exists(session.resolve("metadata.json")));
        }
    }

    // ---------------------------------------------------------------------------------------------

    record Run(int exit, String stderr, Duration took) { }

    private Run run(Map<String, String> env, Path workingDir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(tmp.resolve("stderr.txt").toFile());
        Map<String, String> environment = pb.environment();
        environment.keySet().removeIf(k -> k.startsWith("ZENTRIX_"));
        environment.put("ZENTRIX_FINALIZE_ENV", tmp.resolve("no-such.env").toString());
        environment.put("ZENTRIX_FINALIZE_LOG", logFile.toString());
        environment.put("TMPDIR", tempDir.toString());
        environment.putAll(env);
        Instant started = Instant.now();
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the hook must not hang");
        return new Run(p.exitValue(), Files.readString(tmp.resolve("stderr.txt")), Duration.between(started, Instant.now()));
    }

    private Map<String, String> env(String url, String mode) {
        Map<String, String> env = new HashMap<>();
        env.put("ZENTRIX_SIDECAR_URL", url);
        env.put("ZENTRIX_FINALIZE_SECRET", SECRET);
        env.put("ZENTRIX_FINALIZE_MODE", mode);
        env.put("ZENTRIX_FINALIZE_ENV", tmp.resolve("no-such.env").toString());
        env.put("ZENTRIX_FINALIZE_LOG", logFile.toString());
        env.put("TMPDIR", tempDir.toString());
        return env;
    }

    /** A session directory as Jibri leaves it: media file (callName unsanitised) and metadata.json. */
    private static Path recording(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] media = new byte[300_000];
        new Random(7).nextBytes(media);
        Files.write(dir.resolve("my room_2026-01-01-10-00-00.mp4"), media);
        Files.writeString(dir.resolve("metadata.json"), "{\"meeting_url\":\"https://meet.example.org/my room\",\"participants\":[]}");
        return dir;
    }

    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                files.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : "dir");
            }
        }
        return files;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String sha256(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hmacHex(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path findScript() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("jibri-finalize/zentrix-finalize.sh");
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("jibri-finalize/zentrix-finalize.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** One request as the fake sidecar saw it, with its signature checked the way docs/protocol.md says. */
    record Received(String method, String path, Map<String, String> headers, byte[] body, boolean signatureValid,
                    Instant receivedAt) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** The sidecar's finalize endpoints on a JDK HttpServer: verifies signatures and SHA-256 exactly. */
    static final class FakeSidecar implements AutoCloseable {
        private static final String UPLOAD = "/api/v1/finalize/upload/";
        private final String secret;
        private final HttpServer server;
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final Deque<Integer> forced = new ArrayDeque<>();

        FakeSidecar(String secret, int port) throws IOException {
            this.secret = secret;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 10);
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        synchronized void answerFirst(Integer... statuses) {
            forced.addAll(List.of(statuses));
        }

        List<Received> received() {
            return List.copyOf(received);
        }

        Received single() {
            assertEquals(1, received.size(), received.toString());
            return received.get(0);
        }

        private void handle(HttpExchange ex) throws IOException {
            byte[] body = ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath(); // decoded, as the sidecar sees the names
            Map<String, String> headers = new HashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
            String payload;
            String sha = headers.get("x-content-sha256");
            if (ex.getRequestMethod().equals("PUT") && path.startsWith(UPLOAD)) {
                payload = path.substring(UPLOAD.length()) + "." + sha;
            } else if (ex.getRequestMethod().equals("POST") && path.equals("/api/v1/finalize")) {
                payload = new String(body, StandardCharsets.UTF_8);
            } else {
                answer(ex, 404, "{\"error\":\"not_found\",\"message\":\"no route\"}");
                return;
            }
            String ts = headers.getOrDefault("x-zentrix-timestamp", "");
            boolean fresh = ts.matches("\\d+") && Math.abs(Instant.now().getEpochSecond() - Long.parseLong(ts)) <= 300;
            boolean valid = fresh && ("sha256=" + hmacHex(secret, ts + "." + payload)).equals(headers.get("x-zentrix-signature"));
            received.add(new Received(ex.getRequestMethod(), path, headers, body, valid, Instant.now()));
            Integer forcedStatus;
            synchronized (this) {
                forcedStatus = forced.poll();
            }
            if (!valid) {
                answer(ex, 401, "{\"error\":\"unauthorized\",\"message\":\"signature mismatch\"}");
            } else if (forcedStatus != null) {
                answer(ex, forcedStatus, "{\"error\":\"busy\",\"message\":\"try later\"}");
            } else if (ex.getRequestMethod().equals("PUT")) {
                if (!sha256(body).equals(sha)) {
                    answer(ex, 422, "{\"error\":\"sha256_mismatch\",\"message\":\"body does not match\"}");
                } else {
                    answer(ex, 201, "{\"stored\":true}");
                }
            } else {
                JsonNode json = JSON.readTree(body);
                answer(ex, 202, json.has("directory") || json.has("uploaded")
                        ? "{\"accepted\":true,\"session\":42}" : "{\"error\":\"bad_request\",\"message\":\"?\"}");
            }
        }

        private static void answer(HttpExchange ex, int status, String json) throws IOException {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
