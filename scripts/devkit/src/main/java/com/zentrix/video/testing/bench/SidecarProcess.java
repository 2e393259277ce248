package com.zentrix.video.testing.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real sidecar as production runs it: {@code java -jar zentrix-video.jar serve --config FILE}, in its
 * own process, with its own folder (SQLite file in WAL, synchronous NORMAL, as the jar configures it). The
 * environment's {@code ZENTRIX_*} variables are removed so the written config is the only source.
 */
final class SidecarProcess implements AutoCloseable {
    static final String PROSODY_SECRET = "bench-prosody-secret";
    static final String ADMIN_TOKEN = "bench-admin-token";
    static final String DOMAIN = "meet.zentrix.local";

    /** How to start sidecars for one run: the jar, the run folder, extra JVM options. */
    record Launch(Path jar, Path runDir, List<String> javaOptions) {
        /** A sidecar in {@code <run folder>/<name>}, driving the Jibri at {@code jibriBaseUrl}. */
        SidecarProcess start(String name, String jibriBaseUrl) throws Exception {
            return SidecarProcess.start(jar, runDir.resolve(name), jibriBaseUrl, javaOptions);
        }
    }

    private final Path dir;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();

    private SidecarProcess(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Writes the config into {@code dir}, starts the jar and waits until it answers its health check. */
    static SidecarProcess start(Path jar, Path dir, String jibriBaseUrl, List<String> javaOptions) throws Exception {
        Files.createDirectories(dir.resolve("jibri-recordings"));
        int port = freePort();
        Path config = dir.resolve("zentrix.conf");
        Files.writeString(config, """
                # written by the benchmark (scripts/bench.sh)
                zentrix {
                  http { host = "127.0.0.1", port = %d }
                  database.path = "%s"
                  archive.dir = "%s"
                  security.admin-token = "%s"
                  prosody.secret = "%s"
                  finalize.secret = "bench-finalize-secret"
                  jibri {
                    base-urls = ["%s"]
                    recordings-dir = "%s"
                    call-login.domain = "recorder.%s"
                  }
                  jitsi.base-url = "https://%s"
                  occupants.ignored-domains = ["recorder.%s"]
                  # a start per iteration: the recording stops as soon as the guest has left
                  recording.grace-period = 0 s
                }
                """.formatted(port, dir.resolve("zentrix.db"), dir.resolve("archive"), ADMIN_TOKEN, PROSODY_SECRET,
                jibriBaseUrl, dir.resolve("jibri-recordings"), DOMAIN, DOMAIN, DOMAIN), StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "serve", "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sidecar.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ZENTRIX_"));
        SidecarProcess sidecar = new SidecarProcess(dir, port, pb.start());
        try {
            sidecar.awaitHealthy(Duration.ofSeconds(60));
        } catch (Exception e) {
            sidecar.close();
            throw e;
        }
        return sidecar;
    }

    private void awaitHealthy(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the sidecar exited with " + process.exitValue() + "; see "
                        + dir.resolve("sidecar.log"));
            }
            try {
                if (get("/api/v1/health").statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the sidecar did not answer /api/v1/health within " + timeout);
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    String eventsUrl() {
        return baseUrl() + "/api/v1/events";
    }

    Path database() {
        return dir.resolve("zentrix.db");
    }

    Path log() {
        return dir.resolve("sidecar.log");
    }

    long pid() {
        return process.pid();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** {@code GET /api/v1/rooms}: the coordinator's view, taken on its loop (so it also waits for its backlog). */
    JsonNode rooms() throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/rooms");
        if (r.statusCode() != 200) throw new IOException("GET /api/v1/rooms -> " + r.statusCode() + " " + r.body());
        return json.readTree(r.body()).path("rooms");
    }

    /** The room as the coordinator sees it, or null when it holds no state for it. */
    JsonNode room(String roomName) throws IOException, InterruptedException {
        for (JsonNode room : rooms()) {
            if (roomName.equals(room.path("name").asText())) return room;
        }
        return null;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM (the jar's shutdown hook closes the app), then a kill after 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
