package com.zentrix.video.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zentrix.video.testing.Events;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.web.Signatures;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing of everything that takes outside input: events, finalize hand-overs and
 * uploads, and the API's paths and queries — 10,500 generated cases over real HTTP into a real SQLite
 * file. Whatever comes in: never a 5xx, and a refused input changes nothing that the request itself
 * would write.
 */
class InputFuzzIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static Path dir;
    static Sidecar sidecar;
    /** One long-lived connection for the checks, so each generated case costs one query, not five connections. */
    static org.jdbi.v3.core.Handle dbHandle;

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("zv-fuzz");
        sidecar = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").start();
        Files.createDirectories(sidecar.recordingsDir().resolve("real-folder"));
        dbHandle = org.jdbi.v3.core.Jdbi.create("jdbc:sqlite:" + dir.resolve("zentrix.db")).open();
    }

    @AfterContainer
    static void stop() {
        dbHandle.close();
        sidecar.close();
    }

    /** The rows a request could write synchronously: the journal, hand-overs, audit, notes, accounts. */
    private static Map<String, Object> written() {
        return dbHandle.createQuery("SELECT (SELECT count(*) FROM events) AS events, "
                + "(SELECT count(*) FROM handovers) AS handovers, (SELECT count(*) FROM audit) AS audit, "
                + "(SELECT count(*) FROM notes) AS notes, (SELECT count(*) FROM users) AS users").mapToMap().one();
    }

    private static void check(HttpResponse<String> r, Map<String, Object> before, String input) {
        assertTrue(r.statusCode() < 500, "5xx for " + input + " -> " + r.statusCode() + " " + r.body());
        if (r.statusCode() >= 400) {
            assertEquals(before, written(), "a refused input changed the database: " + input);
            assertTrue(r.body().contains("\"error\""), "a refusal says what is wrong: " + r.body());
        }
    }

    // ---------------------------------------------------------------------------- events

    @Provide
    Arbitrary<String> anyJsonValue() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(60).map(s -> JsonNodeFactory.instance.textNode(s).toString()),
                Arbitraries.longs().map(Object::toString),
                Arbitraries.doubles().map(d -> Double.isFinite(d) ? d.toString() : "1e309"),
                Arbitraries.of("null", "true", "false", "{}", "[]", "[1,\"a\",null]", "{\"x\":{\"y\":[]}}", "-0",
                        "99999999999999999999999", "\"\"", "\"\\u0000\"", "\"" + "ж".repeat(2000) + "\""));
    }

    @Provide
    Arbitrary<String> eventBodies() {
        Arbitrary<String> fields = Arbitraries.of("id", "type", "seq", "ts", "room", "room.jid", "room.name", "room.instance",
                "occupant", "occupant.nick", "occupant.jid", "occupant.kind", "occupant.jwt", "occupant.display_name",
                "occupant.host", "occupant.jwt.moderator", "extra");
        Arbitrary<String> mutated = Combinators.combine(fields, anyJsonValue(), Arbitraries.of(true, false),
                Arbitraries.of("occupant-joined", "occupant-left", "room-created", "room-destroyed", "snapshot"))
                .as((field, value, delete, type) -> {
                    ObjectNode e = Events.occupant(type, "fuzz-room", "fuzz-inst", 1, "n1", "a@guest.meet.zentrix.local", "guest", "Ім'я");
                    String[] path = field.split("\\.");
                    ObjectNode parent = e;
                    for (int i = 0; i < path.length - 1; i++) {
                        JsonNode child = parent.get(path[i]);
                        if (!(child instanceof ObjectNode)) child = parent.putObject(path[i]);
                        parent = (ObjectNode) child;
                    }
                    try {
                        if (delete) parent.remove(path[path.length - 1]);
                        else parent.set(path[path.length - 1], JSON.readTree(value));
                    } catch (Exception ex) {
                        parent.put(path[path.length - 1], value);
                    }
                    return e.toString();
                });
        Arbitrary<String> broken = Combinators.combine(mutated, Arbitraries.integers().between(0, 200),
                Arbitraries.strings().ofMaxLength(20)).as((body, cut, junk) -> body.substring(0, Math.min(cut, body.length())) + junk);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, mutated), net.jqwik.api.Tuple.of(2, broken),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(300)), net.jqwik.api.Tuple.of(1, anyJsonValue()));
    }

    @Property(tries = 5000, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void eventsNeverCauseA5xxAndRefusedOnesChangeNothing(@ForAll("eventBodies") String body,
            @ForAll("signatures") String signature) {
        Map<String, Object> before = written();
        HttpResponse<String> r = signed("/api/v1/events", body, Sidecar.PROSODY_SECRET, signature);
        check(r, before, body);
    }

    @Provide
    Arbitrary<String> signatures() {
        return Arbitraries.frequency(net.jqwik.api.Tuple.of(8, "valid"), net.jqwik.api.Tuple.of(1, "wrong"),
                net.jqwik.api.Tuple.of(1, "garbage"));
    }

    private static HttpResponse<String> signed(String path, String body, String secret, String signature) {
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String sig = switch (signature) {
            case "valid" -> new Signatures(secret, Duration.ofMinutes(5)).sign(ts, body.getBytes(StandardCharsets.UTF_8));
            case "wrong" -> new Signatures("nope", Duration.ofMinutes(5)).sign(ts, body.getBytes(StandardCharsets.UTF_8));
            default -> "sha256=zz" + body.hashCode();
        };
        return sidecar.send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl() + path)).header("Content-Type", "application/json")
                .header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, sig)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    // ---------------------------------------------------------------------------- finalize

    @Provide
    Arbitrary<String> paths() {
        String rec = Path.of(dir.toString(), "jibri-recordings").toString();
        return Arbitraries.oneOf(
                Arbitraries.of(rec + "/../../etc", rec + "/real-folder/..", rec + "/./real-folder", "/etc/passwd", "",
                        "relative", rec, rec + "/", rec + "//real-folder", rec + "/real-folder/", rec + "/a\u0000b",
                        rec + "/" + "x".repeat(300), rec + "/ü-ñ", rec + "/..", "\\\\server\\share", "~/x"),
                Arbitraries.strings().ofMaxLength(80).map(s -> rec + "/" + s),
                Arbitraries.strings().ofMaxLength(80));
    }

    @Provide
    Arbitrary<String> finalizeBodies() {
        return Arbitraries.oneOf(
                paths().map(p -> JSON.createObjectNode().put("directory", p).toString()),
                Combinators.combine(Arbitraries.strings().ofMaxLength(40), anyJsonValue())
                        .as((d, files) -> "{\"uploaded\":" + JsonNodeFactory.instance.textNode(d) + ",\"files\":" + files + "}"),
                anyJsonValue().map(v -> "{\"directory\":" + v + "}"),
                Arbitraries.strings().ofMaxLength(200));
    }

    @Property(tries = 2500, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void finalizeHandOversNeverCauseA5xxAndRefusedOnesChangeNothing(@ForAll("finalizeBodies") String body,
            @ForAll("signatures") String signature) {
        Map<String, Object> before = written();
        boolean folderBefore = Files.isDirectory(sidecar.recordingsDir().resolve("real-folder"));
        HttpResponse<String> r = signed("/api/v1/finalize", body, Sidecar.FINALIZE_SECRET, signature);
        check(r, before, body);
        if (r.statusCode() >= 400 && folderBefore && !Files.isDirectory(sidecar.recordingsDir().resolve("real-folder"))) {
            // Only the ingest of an earlier, accepted hand-over of that folder may have moved it.
            assertEquals(1L, ((Number) dbHandle.createQuery("SELECT count(*) FROM handovers WHERE dir_name = 'real-folder'")
                    .mapTo(Long.class).one()).longValue(), "a refused hand-over touched a folder: " + body);
        }
    }

    @Property(tries = 1000, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void uploadsNeverCauseA5xx(@ForAll("segments") String folder, @ForAll("segments") String file,
            @ForAll("shas") String sha, @ForAll("signatures") String signature) throws Exception {
        Map<String, Object> before = written();
        byte[] body = ("payload " + folder + file).getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String secret = signature.equals("valid") ? Sidecar.FINALIZE_SECRET : "nope";
        String sig = new Signatures(secret, Duration.ofMinutes(5)).sign(ts, (folder + "/" + file + "." + sha).getBytes(StandardCharsets.UTF_8));
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(sidecar.baseUrl() + "/api/v1/finalize/upload/"
                            + URLEncoder.encode(folder, StandardCharsets.UTF_8).replace("+", "%20") + "/"
                            + URLEncoder.encode(file, StandardCharsets.UTF_8).replace("+", "%20")))
                    .header("X-Content-SHA256", sha.isEmpty() ? "none" : sha)
                    .header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, sig)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        } catch (IllegalArgumentException e) {
            return; // not a URL a client could send
        }
        HttpResponse<String> r = sidecar.send(req);
        assertTrue(r.statusCode() < 500, folder + "/" + file + " -> " + r.statusCode() + " " + r.body());
        if (r.statusCode() >= 400) assertEquals(before, written());
    }

    @Provide
    Arbitrary<String> segments() {
        return Arbitraries.oneOf(Arbitraries.of("..", ".", "ok-folder", "a.mp4", ".hidden", "x%2F..", "метадані.json"),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> shas() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789abcdef").ofLength(64),
                Arbitraries.strings().ascii().ofMaxLength(70));
    }

    // ---------------------------------------------------------------------------- API

    @Provide
    Arbitrary<String> apiRequests() {
        Arbitrary<String> key = Arbitraries.of("from", "to", "operator", "room", "status", "flag", "q", "sort", "order", "limit", "after");
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(30),
                Arbitraries.of("2026-11-24", "2026-02-30", "-1", "0", "501", "99999999999", "ok", "sensitive", "duration",
                        "asc", "\"", "*", "MTIz", "NaN", "' OR 1=1 --", "\"a\" OR", "NEAR(", "^", "ж*"));
        Arbitrary<String> query = Combinators.combine(key.list().ofMaxSize(4), value.list().ofSize(4)).as((ks, vs) -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ks.size(); i++) {
                sb.append(i == 0 ? "?" : "&").append(ks.get(i)).append('=').append(URLEncoder.encode(vs.get(i), StandardCharsets.UTF_8));
            }
            return "/api/v1/sessions" + sb;
        });
        Arbitrary<String> ids = Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().ofMaxLength(25),
                Arbitraries.longs().map(Object::toString)).map(s -> s.isEmpty() ? "0" : s);
        return Arbitraries.oneOf(query,
                ids.map(i -> "GET /api/v1/sessions/" + i), ids.map(i -> "GET /api/v1/sessions/" + i + "/media"),
                ids.map(i -> "GET /api/v1/sessions/" + i + "/notes"), ids.map(i -> "PUT /api/v1/notes/" + i),
                ids.map(i -> "DELETE /api/v1/notes/" + i), ids.map(i -> "PUT /api/v1/sessions/" + i + "/flags"),
                ids.map(i -> "POST /api/v1/sessions/" + i + "/reviewed"), query.map(q -> q.replace("/sessions", "/review-queue")));
    }

    @Property(tries = 2000, shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void theApiNeverAnswersA5xx(@ForAll("apiRequests") String request, @ForAll("anyJsonValue") String body) {
        String method = request.startsWith("/") ? "GET" : request.substring(0, request.indexOf(' '));
        String path = request.startsWith("/") ? request : request.substring(request.indexOf(' ') + 1);
        Map<String, Object> before = written();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sidecar.baseUrl() + path))
                .header("Authorization", "Bearer " + Sidecar.ADMIN_TOKEN).header("Content-Type", "application/json");
        b = method.equals("GET") ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString("{\"body\":" + body + "}"));
        HttpResponse<String> r = sidecar.send(b.build());
        assertTrue(r.statusCode() < 500, request + " -> " + r.statusCode() + " " + r.body());
        if (r.statusCode() >= 400) assertEquals(before, written(), request);
    }

}
