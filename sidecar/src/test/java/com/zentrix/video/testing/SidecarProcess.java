package com.zentrix.video.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/**
 * The real sidecar jar as its own process, so a test can SIGKILL it mid-call and start it again on the
 * same files. Output goes to a log file in the test folder.
 */
public final class SidecarProcess implements AutoCloseable {
    /** The shaded jar: {@code target/} of the sidecar module (tests), or {@code -Dzentrix.jar=} (benchmarks run from the top). */
    public static final Path JAR = Path.of(System.getProperty("zentrix.jar", "target/zentrix-video.jar")).toAbsolutePath();

    private final Path config;
    private final Path log;
    private final int port;
    private final Jdbi jdbi;
    private Process process;
    private int starts;
    private String basePath = "";

    public SidecarProcess(Path config, Path log, int port, Path database) {
        this.config = config;
        this.log = log;
        this.port = port;
        this.jdbi = Jdbi.create("jdbc:sqlite:" + database);
    }

    public SidecarProcess start() throws Exception {
        if (!Files.isRegularFile(JAR)) throw new IllegalStateException("build the jar first (mvn package): " + JAR);
        starts++;
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("java"));
        // For a look inside a run (a profiler, say): -Dzentrix.sidecar.jvm-args="...", {n} = this start's number.
        String extra = System.getProperty("zentrix.sidecar.jvm-args", "").strip();
        if (!extra.isEmpty()) command.addAll(java.util.List.of(extra.replace("{n}", Integer.toString(starts)).split("\\s+")));
        command.addAll(java.util.List.of("-jar", JAR.toString(), "serve", "--config", config.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        HttpClient http = HttpClient.newHttpClient();
        Instant end = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(end)) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return this;
            } catch (IOException e) {
                if (!process.isAlive()) throw new IllegalStateException("sidecar exited with " + process.exitValue() + "; see " + log);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("sidecar did not come up; see " + log);
    }

    /** SIGKILL: no shutdown hooks, no flushing; exactly what a crash or OOM kill does. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** The base URL includes zentrix.http.base-path when the config sets one (e.g. "/recordings"). */
    public SidecarProcess basePath(String path) {
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return this;
    }

    public String url() {
        return "http://127.0.0.1:" + port + basePath;
    }

    public int port() {
        return port;
    }

    public Jdbi db() {
        return jdbi;
    }

    public long number(String sql, Object... args) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) q.bind(i, args[i]);
            return q.mapTo(Long.class).one();
        });
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }

}
