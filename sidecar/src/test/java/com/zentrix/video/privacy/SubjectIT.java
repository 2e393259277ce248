package com.zentrix.video.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Cli;
import com.zentrix.video.testing.Sidecar;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Data-subject requests over real HTTP, a real SQLite archive and real files: find, export as zip, delete; admins only; audited. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SubjectIT {
    static final String OP = "olena@meet.zentrix.local";
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    static Sidecar sidecar;
    static Path conf;
    static long petro;        // name, JWT id and e-mail
    static long petroLower;   // the same name in other case, nothing else
    static long petroByMail;  // another display name, the same e-mail
    static long namesake;     // "Петро Іваненко-Старший": only a prefix search finds him
    static long other;        // another client
    static long caller;       // a Jigasi caller: the display name is the number

    @BeforeAll
    static void start() throws Exception {
        Sidecar.Builder b = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false)
                .set("zentrix.retention.enabled", false);
        conf = b.writeConfig(dir.resolve("zentrix.conf"));
        sidecar = b.start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, OP, "olena-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        petro = archive.recordedSession("window-1", OP, "Петро Іваненко", "u-petro", "petro@example.org", 1.0);
        petroLower = archive.recordedSession("window-2", OP, "петро  іваненко", 1.0);
        petroByMail = archive.recordedSession("window-1", OP, "P. I.", null, "PETRO@Example.org", 1.0);
        namesake = archive.recordedSession("window-1", OP, "Петро Іваненко-Старший", 1.0);
        other = archive.recordedSession("window-1", OP, "Ганна", "u-hanna", "hanna@example.org", 1.0);
        caller = archive.recordedSession("phone-1", OP, "+380 (67) 123-45-67", 1.0);
        ApiClient sofia = new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
        assertEquals(201, sofia.post("/api/v1/sessions/" + petro + "/notes", "{\"body\":\"note about Petro\"}").statusCode());
        assertEquals(201, sofia.post("/api/v1/sessions/" + other + "/notes", "{\"body\":\"note about Hanna\"}").statusCode());
        assertEquals(200, sofia.put("/api/v1/sessions/" + petro + "/flags", "{\"sensitive\":true}").statusCode());
        assertEquals(200, sofia.put("/api/v1/sessions/" + other + "/flags", "{\"needs_review\":true}").statusCode());
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static final String PETRO = "name=" + q("Петро Іваненко") + "&jwt_id=u-petro&email=" + q("petro@example.org");

    static Set<Long> ids(JsonNode items, String field) {
        Set<Long> out = new TreeSet<>();
        items.forEach(i -> out.add(i.get(field).asLong()));
        return out;
    }

    static Set<Long> longs(JsonNode array) {
        Set<Long> out = new TreeSet<>();
        array.forEach(i -> out.add(i.asLong()));
        return out;
    }

    static List<Path> files(long session) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT path FROM files WHERE session_id = :s").bind("s", session)
                .mapTo(String.class).list()).stream().map(p -> sidecar.archiveDir().resolve(p)).toList();
    }

    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var e = z.getNextEntry(); e != null; e = z.getNextEntry()) out.put(e.getName(), z.readAllBytes());
        }
        return out;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    @Order(1)
    void onlyAdminsMayAsk() {
        for (String user : List.of("sofia", "olena")) {
            ApiClient c = new ApiClient(sidecar.baseUrl()).loggedIn(user, user + "-password");
            assertEquals(403, c.get("/api/v1/subject?" + PETRO).statusCode());
            assertEquals(403, c.get("/api/v1/subject/export?" + PETRO).statusCode());
            assertEquals(403, c.post("/api/v1/subject/delete?" + PETRO + "&reason=x", "{}").statusCode());
        }
        assertEquals(400, sidecar.getAdmin("/api/v1/subject").statusCode(), "no criteria");
        assertEquals(0, sidecar.number("SELECT count(*) FROM audit WHERE action LIKE 'subject_%'"));
    }

    @Test
    @Order(2)
    void findMatchesByAnyCriterionNotANamesakeUnlessAPrefixIsAsked() {
        JsonNode r = sidecar.getJson("/api/v1/subject?" + PETRO);
        assertEquals(Set.of(petro, petroLower, petroByMail), ids(r.get("items"), "id"), r.toString());
        assertEquals("petro@example.org", r.get("items").get(0).get("client_email").asText());
        assertEquals(Set.of(petro, petroLower, namesake), ids(sidecar.getJson("/api/v1/subject?name=" + q("ПЕТРО*")).get("items"), "id"));
        assertEquals(Set.of(petro, petroLower), ids(sidecar.getJson("/api/v1/subject?name=" + q(" петро   ІВАНЕНКО ")).get("items"), "id"));
        assertEquals(Set.of(caller), ids(sidecar.getJson("/api/v1/subject?phone=" + q("+380671234567")).get("items"), "id"));
        assertEquals(Set.of(), ids(sidecar.getJson("/api/v1/subject?phone=0671234568").get("items"), "id"));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'subject_search' AND session_id IS NULL "
                + "AND detail LIKE 'name=Петро Іваненко jwt_id=u-petro email=petro@example.org -> 3 session(s)%' AND username = 'api-token'"));
    }

    @Test
    @Order(3)
    void theExportHoldsExactlyThatClientsSessionsFilesAndAuditRows() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl() + "/api/v1/subject/export?" + PETRO))
                .header("Authorization", "Bearer " + Sidecar.ADMIN_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("application/zip", r.headers().firstValue("Content-Type").orElse(""));
        Map<String, byte[]> zip = unzip(r.body());
        Set<Long> mine = Set.of(petro, petroLower, petroByMail);

        JsonNode sessions = JSON.readTree(zip.get("sessions.json"));
        assertEquals(mine, ids(sessions, "id"));
        String all = new String(zip.get("sessions.json"), StandardCharsets.UTF_8) + new String(zip.get("audit.json"), StandardCharsets.UTF_8);
        assertTrue(all.contains("note about Petro"), "notes are exported");
        assertFalse(all.contains("note about Hanna") || all.contains("Старший") || all.contains("Ганна"), "nobody else's data");
        for (JsonNode s : sessions) {
            assertTrue(s.has("history") && s.has("notes") && s.has("flags") && s.has("flag_history") && s.has("files"), s.toString());
        }

        JsonNode audit = JSON.readTree(zip.get("audit.json"));
        assertEquals(ids(audit, "session_id").stream().filter(mine::contains).count(), ids(audit, "session_id").size(), audit.toString());
        assertEquals(sidecar.number("SELECT count(*) FROM audit WHERE session_id IN (?, ?, ?)", petro, petroLower, petroByMail), audit.size());
        assertTrue(audit.toString().contains("note_add") && audit.toString().contains("flag_set"), audit.toString());

        JsonNode manifest = JSON.readTree(zip.get("manifest.json"));
        assertEquals(mine, longs(manifest.get("sessions")));
        long stored = sidecar.number("SELECT count(*) FROM files WHERE session_id IN (?, ?, ?)", petro, petroLower, petroByMail);
        assertTrue(stored >= 3);
        assertEquals(stored, manifest.get("files").size());
        for (JsonNode f : manifest.get("files")) {
            byte[] body = zip.get(f.get("path").asText());
            assertTrue(body != null, "in the zip: " + f);
            assertTrue(f.get("path").asText().startsWith("files/" + f.get("session_id").asLong() + "/"), f.toString());
            String atIngest = sidecar.db().withHandle(h -> h.createQuery("SELECT sha256 FROM files WHERE id = :id").bind("id", f.get("file_id").asLong())
                    .mapTo(String.class).one());
            assertEquals(atIngest, f.get("sha256").asText());
            assertEquals(atIngest, sha256(body), "the exported bytes are the ingested ones: " + f);
            assertTrue(f.get("matches").asBoolean());
        }
        assertEquals(stored + 3, zip.size(), "sessions.json, audit.json, manifest.json and the files: " + zip.keySet());

        String row = sidecar.db().withHandle(h -> h.createQuery("SELECT detail FROM audit WHERE action = 'subject_export'").mapTo(String.class).one());
        assertTrue(row.startsWith("name=Петро Іваненко jwt_id=u-petro email=petro@example.org -> 3 session(s)"), row);
        assertFalse(row.contains("note about"), row);
    }

    @Test
    @Order(4)
    void deleteRemovesExactlyThoseRecordingsSkipsAHeldOneAndIsAudited() throws Exception {
        assertEquals(200, sidecar.admin("POST", "/api/v1/sessions/" + petroLower + "/legal-hold", "{\"reason\":\"court case 7\"}").statusCode());
        var noReason = sidecar.admin("POST", "/api/v1/subject/delete?" + PETRO, null);
        assertEquals(400, noReason.statusCode());
        assertTrue(noReason.body().contains("reason_required"));

        var r = sidecar.admin("POST", "/api/v1/subject/delete?" + PETRO, "{\"reason\":\"erasure request 2026-17\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = ApiClient.json(r);
        assertEquals(Set.of(petro, petroByMail), longs(body.get("deleted")));
        assertEquals(1, body.get("skipped").size(), body.toString());
        assertEquals(petroLower, body.get("skipped").get(0).get("id").asLong());
        assertEquals("legal_hold", body.get("skipped").get(0).get("reason").asText());

        for (long gone : List.of(petro, petroByMail)) {
            assertEquals("deleted", sidecar.getJson("/api/v1/sessions/" + gone + "?reason=check").get("status").asText(), "the card stays");
            files(gone).forEach(f -> assertFalse(Files.exists(f), f + " deleted"));
            assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'delete_started' AND session_id = ? "
                    + "AND detail = 'data-subject request: erasure request 2026-17'", gone));
        }
        for (long kept : List.of(petroLower, namesake, other, caller)) {
            assertEquals("ok", sidecar.getJson("/api/v1/sessions/" + kept).get("status").asText());
            files(kept).forEach(f -> assertTrue(Files.exists(f), f + " kept"));
        }
        String row = sidecar.db().withHandle(h -> h.createQuery("SELECT detail FROM audit WHERE action = 'subject_delete'").mapTo(String.class).one());
        assertTrue(row.contains("reason=erasure request 2026-17") && row.contains("deleted [" + petro + ", " + petroByMail + "]")
                && row.contains(petroLower + ":legal_hold"), row);
    }

    @Test
    @Order(5)
    void theCliFindsExportsAndDeletesByPhoneWithProgress() throws Exception {
        Cli find = Cli.run("subject", "find", "--phone", "+380 67 123 4567", "--config", conf.toString());
        assertEquals(0, find.exitCode(), find.toString());
        assertTrue(find.out().contains("session " + caller + " ") && find.out().contains("1 session(s) match"), find.toString());

        Path out = dir.resolve("caller.zip");
        Cli export = Cli.run("subject", "export", "--phone", "380671234567", "--out", out.toString(), "--config", conf.toString());
        assertEquals(0, export.exitCode(), export.toString());
        assertTrue(export.out().contains("export 100%") && export.out().contains("wrote " + out + ": 1 session(s)"), export.toString());
        Map<String, byte[]> zip = unzip(Files.readAllBytes(out));
        assertEquals(Set.of(caller), ids(JSON.readTree(zip.get("sessions.json")), "id"));
        assertEquals(2, Cli.run("subject", "export", "--phone", "380671234567", "--out", out.toString(), "--config", conf.toString()).exitCode(),
                "never overwrites");
        assertEquals(2, Cli.run("subject", "find", "--config", conf.toString()).exitCode(), "criteria are required");

        Cli delete = Cli.run("subject", "delete", "--phone", "380671234567", "--reason", "asked by phone", "--config", conf.toString());
        assertEquals(0, delete.exitCode(), delete.toString());
        assertTrue(delete.out().contains("deleted the recording of session " + caller) && delete.out().contains("deleted 1, skipped 0"), delete.toString());
        files(caller).forEach(f -> assertFalse(Files.exists(f)));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'subject_delete' AND username LIKE 'cli:%'"));
        assertEquals(0, Cli.run("audit", "verify", "--config", conf.toString()).exitCode());
    }
}
