package com.zentrix.video.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.Sidecar;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive API over real HTTP: who sees what, CSRF, notes, flags, review, Range, logins of all three kinds. */
class ArchiveApiIT {
    static final String JWT_SECRET = "jitsi-app-secret-for-tests-0123456789";
    static final String A = "olena@meet.zentrix.local";
    static final String B = "taras@meet.zentrix.local";
    @TempDir static Path dir;
    static Sidecar sidecar;
    static ProsodyServer prosody;
    static Archive archive;
    static long a1;
    static long a2;
    static long b1;

    @BeforeAll
    static void start() throws Exception {
        prosody = ProsodyServer.builder().start();
        prosody.register("marta", "marta-jitsi-pass");
        sidecar = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0")
                .set("zentrix.auth.cookie-secure", false)
                .set("zentrix.auth.jitsi.enabled", true).set("zentrix.auth.jitsi.host", prosody.host())
                .set("zentrix.auth.jitsi.port", prosody.c2sPort()).set("zentrix.auth.jitsi.domain", prosody.domain())
                .set("zentrix.auth.jitsi.security", "disabled").set("zentrix.auth.jitsi.auto-create-operators", true)
                .set("zentrix.auth.jwt.enabled", true).set("zentrix.auth.jwt.app-id", "zentrix-portal")
                .set("zentrix.auth.jwt.app-secret", JWT_SECRET).start();
        archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, A, "olena-password");
        archive.user("taras", Role.OPERATOR, B, "taras-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        a1 = archive.recordedSession("window-1", A, "Петро Іваненко", 2.0);
        a2 = archive.recordedSession("window-1", A, "Ганна Шевчук", 1.0);
        b1 = archive.recordedSession("window-2", B, "Остап Вишня", 1.0);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        prosody.close();
    }

    static ApiClient as(String user, String password) {
        return new ApiClient(sidecar.baseUrl()).loggedIn(user, password);
    }

    static Set<Long> ids(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        Set<Long> out = new HashSet<>();
        ApiClient.json(r).get("items").forEach(i -> out.add(i.get("id").asLong()));
        return out;
    }

    @Test
    void anOperatorSeesOnlyTheirOwnSessionsAndASupervisorSeesAll() {
        assertEquals(Set.of(a1, a2), ids(as("olena", "olena-password").get("/api/v1/sessions")));
        assertEquals(Set.of(b1), ids(as("taras", "taras-password").get("/api/v1/sessions")));
        assertTrue(ids(as("sofia", "sofia-password").get("/api/v1/sessions")).containsAll(Set.of(a1, a2, b1)));
        assertEquals(Set.of(), ids(as("taras", "taras-password").get("/api/v1/sessions?q=Петро")),
                "searching does not reach around the rule either");
    }

    @Test
    void operatorBCannotReachASessionNotesOrMediaByAnyUrl() {
        ApiClient a = as("olena", "olena-password");
        HttpResponse<String> added = a.post("/api/v1/sessions/" + a1 + "/notes", "{\"body\":\"A's note\"}");
        assertEquals(201, added.statusCode());
        long noteId = ApiClient.json(added).get("id").asLong();

        long sensitiveBefore = sidecar.number("SELECT sensitive FROM sessions WHERE id = ?", a1);
        long notesBefore = sidecar.number("SELECT count(*) FROM notes WHERE session_id = ?", a1);
        ApiClient b = as("taras", "taras-password");
        assertEquals(404, b.get("/api/v1/sessions/" + a1).statusCode());
        assertEquals(404, b.get("/api/v1/sessions/" + a1 + "/notes").statusCode());
        assertEquals(404, b.getBytes("/api/v1/sessions/" + a1 + "/media", null).statusCode());
        assertEquals(404, b.getBytes("/api/v1/sessions/" + a1 + "/media", "bytes=0-10").statusCode());
        assertEquals(404, b.getBytes("/api/v1/sessions/" + a1 + "/media?download=1", null).statusCode());
        assertEquals(404, b.post("/api/v1/sessions/" + a1 + "/notes", "{\"body\":\"sneaky\"}").statusCode());
        assertEquals(404, b.put("/api/v1/sessions/" + a1 + "/flags", "{\"sensitive\":true}").statusCode());
        assertEquals(404, b.put("/api/v1/notes/" + noteId, "{\"body\":\"rewritten\"}").statusCode());
        assertEquals(404, b.delete("/api/v1/notes/" + noteId).statusCode());
        assertEquals(404, b.get("/api/v1/sessions/999999").statusCode(), "same answer for a session that does not exist");
        assertEquals(sensitiveBefore, sidecar.number("SELECT sensitive FROM sessions WHERE id = ?", a1));
        assertEquals(notesBefore, sidecar.number("SELECT count(*) FROM notes WHERE session_id = ?", a1));
        assertEquals("A's note", sidecar.db().withHandle(h -> h.createQuery("SELECT body FROM notes WHERE id = :n")
                .bind("n", noteId).mapTo(String.class).one()));
    }

    @Test
    void changesWithoutTheCsrfTokenAreRefusedAndChangeNothing() {
        ApiClient a = as("olena", "olena-password");
        long before = sidecar.number("SELECT count(*) FROM notes");
        a.csrf(null);
        HttpResponse<String> r = a.post("/api/v1/sessions/" + a2 + "/notes", "{\"body\":\"no token\"}");
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("csrf"), r.body());
        a.csrf("forged-token");
        assertEquals(403, a.put("/api/v1/sessions/" + a2 + "/flags", "{\"sensitive\":true}").statusCode());
        assertEquals(before, sidecar.number("SELECT count(*) FROM notes"));
        assertEquals(0, sidecar.number("SELECT sensitive FROM sessions WHERE id = ?", a2));
    }

    @Test
    void aNoteIsKeptExactlyAsWrittenPinnedToItsMomentAndOnlyItsAuthorChangesIt() {
        ApiClient a = as("olena", "olena-password");
        String hostile = "<script>alert('x')</script> & \"quotes\"";
        HttpResponse<String> r = a.post("/api/v1/sessions/" + a2 + "/notes",
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("body", hostile).put("at_ms", 1500).toString());
        assertEquals(201, r.statusCode(), r.body());
        long id = ApiClient.json(r).get("id").asLong();
        JsonNode note = null;
        for (JsonNode n : ApiClient.json(a.get("/api/v1/sessions/" + a2)).get("notes")) if (n.get("id").asLong() == id) note = n;
        assertNotNull(note);
        assertEquals(hostile, note.get("body").asText());
        assertEquals(1500, note.get("at_ms").asLong());
        assertEquals("olena", note.get("author").asText());
        assertEquals(Set.of(a2), ids(a.get("/api/v1/sessions?q=quotes")), "notes are searchable");

        ApiClient sofia = as("sofia", "sofia-password");
        assertEquals(403, sofia.put("/api/v1/notes/" + id, "{\"body\":\"not mine\"}").statusCode());
        assertEquals(200, a.put("/api/v1/notes/" + id, "{\"body\":\"edited\",\"at_ms\":2000}").statusCode());
        assertEquals(204, a.delete("/api/v1/notes/" + id).statusCode());
        assertEquals(0, sidecar.number("SELECT count(*) FROM notes WHERE id = ?", id));
        assertEquals(3, sidecar.number("SELECT count(*) FROM audit WHERE action IN ('note_add','note_edit','note_delete') "
                + "AND detail LIKE ? AND username = 'olena'", "note=" + id + "%"));
    }

    @Test
    void flagsCarryWhoAndWhenAndTheReviewQueueIsForSupervisors() {
        ApiClient a = as("olena", "olena-password");
        assertEquals(200, a.put("/api/v1/sessions/" + a1 + "/flags", "{\"sensitive\":true,\"needs_review\":true}").statusCode());
        // Now sensitive: opening it takes a reason (issue 5).
        assertEquals(403, a.get("/api/v1/sessions/" + a1).statusCode());
        JsonNode flags = ApiClient.json(a.get("/api/v1/sessions/" + a1 + "?reason=flag+check")).get("flags");
        assertEquals(1, flags.get("sensitive").asInt());
        assertEquals("olena", flags.get("sensitive_by").asText());
        assertTrue(flags.get("needs_review_ms").asLong() > 0);
        assertEquals(403, a.get("/api/v1/review-queue").statusCode());
        assertEquals(403, a.post("/api/v1/sessions/" + a1 + "/reviewed", "{}").statusCode());

        ApiClient sofia = as("sofia", "sofia-password");
        assertTrue(ids(sofia.get("/api/v1/review-queue")).contains(a1));
        assertEquals(200, sofia.post("/api/v1/sessions/" + a1 + "/reviewed", "{}").statusCode());
        assertFalse(ids(sofia.get("/api/v1/review-queue")).contains(a1));
        JsonNode after = ApiClient.json(sofia.get("/api/v1/sessions/" + a1 + "?reason=review"));
        assertEquals("sofia", after.get("flags").get("reviewed_by").asText());
        assertEquals(Set.of(a1), ids(sofia.get("/api/v1/sessions?flag=sensitive&room=window-1")));
    }

    @Test
    void theRecordingIsServedWithExactByteRanges() throws Exception {
        ApiClient a = as("olena", "olena-password");
        String rel = sidecar.db().withHandle(h -> h.createQuery("SELECT path FROM files WHERE session_id = :s AND kind = 'media'")
                .bind("s", a1).mapTo(String.class).one());
        byte[] file = Files.readAllBytes(sidecar.archiveDir().resolve(rel));
        int size = file.length;
        String url = "/api/v1/sessions/" + a1 + "/media?reason=playback+test"; // a1 may be flagged sensitive by another test

        HttpResponse<byte[]> full = a.getBytes(url, null);
        assertEquals(200, full.statusCode());
        assertArrayEquals(file, full.body());
        assertEquals("bytes", full.headers().firstValue("Accept-Ranges").orElse(""));

        HttpResponse<byte[]> first = a.getBytes(url, "bytes=0-99");
        assertEquals(206, first.statusCode());
        assertArrayEquals(Arrays.copyOfRange(file, 0, 100), first.body());
        assertEquals("bytes 0-99/" + size, first.headers().firstValue("Content-Range").orElse(""));

        HttpResponse<byte[]> middle = a.getBytes(url, "bytes=1000-");
        assertArrayEquals(Arrays.copyOfRange(file, 1000, size), middle.body());
        HttpResponse<byte[]> suffix = a.getBytes(url, "bytes=-500");
        assertArrayEquals(Arrays.copyOfRange(file, size - 500, size), suffix.body());
        HttpResponse<byte[]> past = a.getBytes(url, "bytes=10-" + (size + 5000));
        assertArrayEquals(Arrays.copyOfRange(file, 10, size), past.body(), "an end past the file is clipped");

        for (String bad : List.of("bytes=" + size + "-", "bytes=50-10", "bytes=-0", "bytes=99999999999999999999-")) {
            HttpResponse<byte[]> r = a.getBytes(url, bad);
            assertEquals(416, r.statusCode(), bad);
            assertEquals("bytes */" + size, r.headers().firstValue("Content-Range").orElse(""), bad);
        }
        assertTrue(sidecar.number("SELECT count(*) FROM audit WHERE action = 'play' AND session_id = ? AND username = 'olena'", a1) >= 1);
        HttpResponse<byte[]> dl = a.getBytes(url + "&download=1", null);
        assertTrue(dl.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'download' AND session_id = ?", a1));
    }

    @Test
    void everyViewIsAudited() {
        ApiClient b = as("taras", "taras-password");
        long before = sidecar.number("SELECT count(*) FROM audit WHERE action = 'view' AND session_id = ?", b1);
        assertEquals(200, b.get("/api/v1/sessions/" + b1).statusCode());
        assertEquals(before + 1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'view' AND session_id = ?", b1));
        assertEquals("127.0.0.1", lastViewFrom(b1));
        // Behind nginx (a trusted proxy: loopback by default) the address is the client's it names.
        b.header("X-Forwarded-For", "203.0.113.7");
        assertEquals(200, b.get("/api/v1/sessions/" + b1).statusCode());
        assertEquals("203.0.113.7", lastViewFrom(b1));
    }

    static String lastViewFrom(long session) {
        return sidecar.db().withHandle(h -> h.createQuery(
                "SELECT ip FROM audit WHERE action = 'view' AND session_id = :s ORDER BY id DESC LIMIT 1").bind("s", session).mapTo(String.class).one());
    }

    @Test
    void aLoginPostedAsAFormOrPlainTextIsRefusedSoNoForeignPageCanLogABrowserIn() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String body = "{\"username\":\"olena\",\"password\":\"olena-password\",\"method\":\"local\"}";
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(sidecar.baseUrl() + "/api/v1/auth/login"))
                    .header("Content-Type", type).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(415, r.statusCode(), type);
            assertTrue(r.headers().firstValue("Set-Cookie").isEmpty(), type);
        }
    }

    @Test
    void withoutALoginNothingIsServed() {
        ApiClient anon = new ApiClient(sidecar.baseUrl());
        assertEquals(401, anon.get("/api/v1/sessions").statusCode());
        assertEquals(401, anon.get("/api/v1/sessions/" + a1).statusCode());
        assertEquals(401, anon.getBytes("/api/v1/sessions/" + a1 + "/media", null).statusCode());
        assertEquals(401, anon.get("/api/v1/me").statusCode());
        assertEquals(401, anon.get("/api/v1/rooms").statusCode());
    }

    @Test
    void aWrongPasswordIsRefusedAndRepeatedFailuresAreSlowedDown() {
        ApiClient x = new ApiClient(sidecar.baseUrl());
        assertEquals(401, x.login("olena", "wrong-password", "local").statusCode());
        assertEquals(401, x.login("nobody-at-all", "whatever-pass", "local").statusCode());
        for (int i = 0; i < 5; i++) x.login("victim", "guess-" + i, "local");
        assertEquals(429, x.login("victim", "guess-again", "local").statusCode());
        assertTrue(sidecar.number("SELECT count(*) FROM audit WHERE action = 'login_failed'") >= 2);
    }

    @Test
    void theLoginCookieIsHttpOnlyStrictAndScopedToTheBasePath() {
        HttpResponse<String> r = new ApiClient(sidecar.baseUrl()).login("olena", "olena-password", "local");
        assertEquals(200, r.statusCode(), r.body());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        List<String> attributes = java.util.Arrays.stream(cookie.split(";")).map(String::strip).map(a -> a.toLowerCase(java.util.Locale.ROOT)).toList();
        assertTrue(attributes.contains("httponly"), cookie);
        assertTrue(attributes.contains("samesite=strict"), cookie);
        assertTrue(attributes.contains("path=/"), cookie);
        // This test runs on plain http with zentrix.auth.cookie-secure = false; the installed stack
        // (InstalledStackIT, https through nginx) checks that the default sets Secure.
        assertFalse(attributes.contains("secure"), cookie);
    }

    @Test
    void logoutEndsTheLogin() {
        ApiClient a = as("olena", "olena-password");
        assertEquals(200, a.get("/api/v1/me").statusCode());
        assertEquals(200, a.post("/api/v1/auth/logout", "{}").statusCode());
        assertEquals(401, a.get("/api/v1/me").statusCode());
    }

    @Test
    void aJitsiAccountLogsInThroughARealProsody() {
        ApiClient m = new ApiClient(sidecar.baseUrl());
        assertEquals(401, m.login("marta", "not-her-password", "jitsi").statusCode());
        HttpResponse<String> ok = m.login("marta", "marta-jitsi-pass", "jitsi");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("operator", ApiClient.json(ok).get("role").asText());
        assertEquals("marta@" + prosody.domain(), sidecar.db().withHandle(h -> h.createQuery(
                "SELECT xmpp_jid FROM users WHERE username = :u").bind("u", "marta@" + prosody.domain()).mapTo(String.class).one()));
        assertEquals(Set.of(), ids(m.get("/api/v1/sessions")), "a new operator has no sessions yet");
    }

    private static String token(String secret, String userId, Instant expires) {
        return token(secret, userId, expires, "zentrix-portal", "jitsi");
    }

    private static String token(String secret, String userId, Instant expires, String issuer, String audience) {
        var b = JWT.create().withIssuer(issuer).withAudience(audience).withSubject("meet.zentrix.local")
                .withClaim("room", "*").withClaim("context", Map.of("user", Map.of("id", userId, "name", "Op " + userId, "moderator", true)));
        if (expires != null) b = b.withExpiresAt(expires);
        return b.sign(Algorithm.HMAC256(secret));
    }

    @Test
    void jitsiJwtSingleSignOnAcceptsOnlyValidUnexpiredTokens() throws Exception {
        ApiClient c = new ApiClient(sidecar.baseUrl());
        String valid = token(JWT_SECRET, "op-77", Instant.now().plusSeconds(600));
        HttpResponse<String> r = c.post("/api/v1/auth/jwt", "{\"token\":\"" + valid + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("operator", ApiClient.json(r).get("role").asText(), "the token's moderator claim grants no role");

        long mine = archive.recordedSession("window-3", "someone@meet.zentrix.local", "Клієнт", 1.0);
        sidecar.db().useHandle(h -> h.createUpdate("UPDATE sessions SET operator_user_id = 'op-77' WHERE id = :s").bind("s", mine).execute());
        assertEquals(Set.of(mine), ids(c.get("/api/v1/sessions")), "linked by the JWT user id");

        for (String bad : List.of(token("another-secret-entirely-0123456789", "op-77", Instant.now().plusSeconds(600)),
                token(JWT_SECRET, "op-77", Instant.now().minusSeconds(600)),
                token(JWT_SECRET, "op-77", null),
                valid.substring(0, valid.lastIndexOf('.')) + ".", "not.a.token",
                token(JWT_SECRET, "op-77", Instant.now().plusSeconds(600), "another-portal", "jitsi"),
                token(JWT_SECRET, "op-77", Instant.now().plusSeconds(600), "zentrix-portal", "another-audience"))) {
            HttpResponse<String> refused = new ApiClient(sidecar.baseUrl()).post("/api/v1/auth/jwt", "{\"token\":\"" + bad + "\"}");
            assertEquals(401, refused.statusCode(), bad);
        }
    }

    @Test
    void forgedTokensFromOneAddressBlockThatAddressButNotEveryoneElsesSignOn() {
        String forged = token("another-secret-entirely-0123456789", "op-88", Instant.now().plusSeconds(600));
        ApiClient attacker = new ApiClient(sidecar.baseUrl()).header("X-Forwarded-For", "198.51.100.66");
        int refused = 0;
        while (refused < 200 && attacker.post("/api/v1/auth/jwt", "{\"token\":\"" + forged + "\"}").statusCode() == 401) refused++;
        assertTrue(refused >= 5 && refused < 200, "the sender is slowed down after " + refused + " forged tokens");
        assertEquals(429, attacker.post("/api/v1/auth/jwt", "{\"token\":\"" + forged + "\"}").statusCode());

        String valid = token(JWT_SECRET, "op-88", Instant.now().plusSeconds(600));
        HttpResponse<String> colleague = new ApiClient(sidecar.baseUrl()).header("X-Forwarded-For", "198.51.100.67")
                .post("/api/v1/auth/jwt", "{\"token\":\"" + valid + "\"}");
        assertEquals(200, colleague.statusCode(), colleague.body());
    }

    @Test
    void searchFiltersAndPagesReturnEverySessionOnce() throws Exception {
        ApiClient sofia = as("sofia", "sofia-password");
        assertEquals(Set.of(a1), ids(sofia.get("/api/v1/sessions?q=Іваненко")));
        assertEquals(Set.of(b1), ids(sofia.get("/api/v1/sessions?q=" + java.net.URLEncoder.encode("вишн", "UTF-8"))), "prefix match");
        assertEquals(Set.of(a1, a2), ids(sofia.get("/api/v1/sessions?operator=" + A)));
        assertEquals(400, sofia.get("/api/v1/sessions?status=exploded").statusCode());
        assertEquals(400, sofia.get("/api/v1/sessions?from=yesterday").statusCode());

        Set<Long> seen = new HashSet<>();
        String next = null;
        int pages = 0;
        do {
            HttpResponse<String> r = sofia.get("/api/v1/sessions?limit=1&sort=duration&order=asc" + (next == null ? "" : "&after=" + next));
            JsonNode body = ApiClient.json(r);
            body.get("items").forEach(i -> assertTrue(seen.add(i.get("id").asLong()), "no session twice"));
            next = body.get("next").isNull() ? null : body.get("next").asText();
            pages++;
        } while (next != null && pages < 50);
        assertEquals(sidecar.number("SELECT count(*) FROM sessions"), seen.size());

        // Paging through search results (newest first, driven by the full-text index) also shows each once.
        Set<Long> found = new HashSet<>();
        next = null;
        do {
            JsonNode body = ApiClient.json(sofia.get("/api/v1/sessions?limit=1&q=window" + (next == null ? "" : "&after=" + next)));
            body.get("items").forEach(i -> assertTrue(found.add(i.get("id").asLong()), "no session twice"));
            next = body.get("next").isNull() ? null : body.get("next").asText();
        } while (next != null && found.size() < 50);
        assertEquals(sidecar.number("SELECT count(*) FROM sessions WHERE room_name LIKE 'window%'"), found.size());
    }
}
