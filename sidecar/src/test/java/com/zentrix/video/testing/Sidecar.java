package com.zentrix.video.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import com.zentrix.video.App;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.web.Signatures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * The real sidecar for a test: its own folder (SQLite file, archive, Jibri recordings folder), a free
 * port, and helpers that speak to it over real HTTP the way Prosody, Jibri and the finalize hook do.
 */
public final class Sidecar implements AutoCloseable {
    public static final String PROSODY_SECRET = "test-prosody-secret";
    public static final String FINALIZE_SECRET = "test-finalize-secret";
    public static final String ADMIN_TOKEN = "test-admin-token";

    private final Path dir;
    private final ZentrixConfig config;
    private final App app;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final Jdbi jdbi;

    private Sidecar(Path dir, ZentrixConfig config) {
        this.dir = dir;
        this.config = config;
        this.app = App.start(config, Clock.systemUTC());
        this.jdbi = Jdbi.create("jdbc:sqlite:" + config.databasePath());
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public static final class Builder {
        private final Path dir;
        private final Map<String, Object> settings = new LinkedHashMap<>();

        Builder(Path dir) {
            this.dir = dir;
            set("zentrix.http.port", 0);
            set("zentrix.database.path", dir.resolve("zentrix.db").toString());
            set("zentrix.archive.dir", dir.resolve("archive").toString());
            set("zentrix.jibri.recordings-dir", dir.resolve("jibri-recordings").toString());
            set("zentrix.prosody.secret", PROSODY_SECRET);
            set("zentrix.finalize.secret", FINALIZE_SECRET);
            set("zentrix.security.admin-token", ADMIN_TOKEN);
            set("zentrix.jitsi.base-url", "https://meet.zentrix.local");
            set("zentrix.jibri.call-login.domain", "recorder.meet.zentrix.local");
            set("zentrix.occupants.ignored-domains", List.of("recorder.meet.zentrix.local"));
            set("zentrix.recording.grace-period", "2 s");
            set("zentrix.jibri.retry-initial-delay", "500 ms");
            set("zentrix.jibri.retry-max-delay", "2 s");
            set("zentrix.prosody.snapshot-url", "");
        }

        public Builder set(String key, Object value) {
            settings.put(key, value);
            return this;
        }

        /** Listen on this port (e.g. one picked by {@link #freePort()} so peers can be told it first). */
        public Builder port(int port) {
            return set("zentrix.http.port", port);
        }

        public Builder jibris(String... baseUrls) {
            return set("zentrix.jibri.base-urls", List.of(baseUrls));
        }

        /** The settings as a HOCON file, for running the real jar as its own process. */
        public Path writeConfig(Path file) {
            try {
                Files.createDirectories(dir.resolve("jibri-recordings"));
                var cfg = ConfigFactory.parseMap(settings);
                Files.writeString(file, cfg.root().render(com.typesafe.config.ConfigRenderOptions.concise().setFormatted(true)));
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Sidecar start() {
            try {
                Files.createDirectories(dir.resolve("jibri-recordings"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            var cfg = ConfigFactory.parseMap(settings).withFallback(ConfigFactory.defaultReference()).resolve();
            return new Sidecar(dir, ZentrixConfig.from(cfg));
        }
    }

    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String baseUrl(int port) {
        return "http://127.0.0.1:" + port;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + app.port() + config.http().pathPrefix();
    }

    public int port() {
        return app.port();
    }

    public Path recordingsDir() {
        return config.jibri().recordingsDir();
    }

    public Path archiveDir() {
        return config.archiveDir();
    }

    public ZentrixConfig config() {
        return config;
    }

    /** Direct read access to the real SQLite file, for assertions. */
    public Jdbi db() {
        return jdbi;
    }

    /** The sessions rows of a room, oldest first. */
    public List<Map<String, Object>> sessions(String room) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM sessions WHERE room_name = :r ORDER BY id")
                .bind("r", room).mapToMap().list());
    }

    /** Waits until the room's newest session has this status, and returns it. */
    public Map<String, Object> awaitLastSession(String room, String status, Duration atMost) {
        org.awaitility.Awaitility.await().atMost(atMost).until(() -> {
            List<Map<String, Object>> s = sessions(room);
            return !s.isEmpty() && status.equals(s.get(s.size() - 1).get("status"));
        });
        List<Map<String, Object>> s = sessions(room);
        return s.get(s.size() - 1);
    }

    public String eventsUrl() {
        return baseUrl() + "/api/v1/events";
    }

    public String webhookBase() {
        return baseUrl() + "/api/v1/jibri";
    }

    public HttpResponse<String> postSigned(String path, String body, String secret) {
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String sig = new Signatures(secret, Duration.ofMinutes(5)).sign(ts, body.getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Content-Type", "application/json")
                .header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, sig)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> postEvent(String body) {
        return postSigned("/api/v1/events", body, PROSODY_SECRET);
    }

    public HttpResponse<String> getAdmin(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", "Bearer " + ADMIN_TOKEN).GET().build());
    }

    /** Any method with the admin token (no CSRF: bearer requests carry no browser credentials). */
    public HttpResponse<String> admin(String method, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public JsonNode getJson(String path) {
        HttpResponse<String> r = getAdmin(path);
        if (r.statusCode() != 200) throw new AssertionError("GET " + path + " -> " + r.statusCode() + " " + r.body());
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public HttpResponse<String> send(HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A single whole number from SQL, e.g. a count. */
    public long number(String sql, Object... args) {
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) q.bind(i, args[i]);
            return q.mapTo(Long.class).one();
        });
    }

    public int count(String table) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Integer.class).one());
    }

    /** Every table's row count: to prove a refused request changed nothing. */
    public Map<String, Integer> counts() {
        return List.of("events", "sessions", "recordings", "files", "handovers", "session_history", "client_presence")
                .stream().collect(Collectors.toMap(t -> t, this::count, (a, b) -> a, LinkedHashMap::new));
    }

    @Override
    public void close() {
        app.close();
    }

    public Path dir() {
        return dir;
    }
}
