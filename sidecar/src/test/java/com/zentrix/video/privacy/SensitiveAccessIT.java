package com.zentrix.video.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Sidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sensitive recordings: the configured rule decides who sees them; opening one needs a reason, which is audited. */
class SensitiveAccessIT {
    static final String A = "olena@meet.zentrix.local";
    static final String B = "taras@meet.zentrix.local";
    @TempDir static Path dir;
    static Sidecar sidecar;
    static long sensitive;
    static long plain;

    @BeforeAll
    static void start() throws Exception {
        // Supervisors left out on purpose: the rule is the institution's to set.
        sidecar = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false)
                .set("zentrix.privacy.sensitive-access", List.of("admin", "owner")).start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, A, "olena-password");
        archive.user("taras", Role.OPERATOR, B, "taras-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        sensitive = archive.recordedSession("window-1", A, "Петро", 1.0);
        plain = archive.recordedSession("window-1", A, "Ганна", 1.0);
        assertEquals(200, as("olena").put("/api/v1/sessions/" + sensitive + "/flags", "{\"sensitive\":true}").statusCode());
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    static ApiClient as(String user) {
        return new ApiClient(sidecar.baseUrl()).loggedIn(user, user + "-password");
    }

    static Set<Long> listed(ApiClient c) {
        Set<Long> ids = new HashSet<>();
        ApiClient.json(c.get("/api/v1/sessions")).get("items").forEach(i -> ids.add(i.get("id").asLong()));
        return ids;
    }

    @Test
    void anOperatorCannotOpenASensitiveRecordingOfAnotherOperator() {
        ApiClient taras = as("taras");
        assertEquals(404, taras.get("/api/v1/sessions/" + sensitive + "?reason=curious").statusCode());
        assertEquals(404, taras.getBytes("/api/v1/sessions/" + sensitive + "/media?reason=curious", null).statusCode());
        assertEquals(404, taras.get("/api/v1/sessions/" + sensitive + "/notes").statusCode());
        assertFalse(listed(taras).contains(sensitive));
    }

    @Test
    void aRoleOutsideTheRuleDoesNotSeeSensitiveSessionsAnywhere() {
        ApiClient sofia = as("sofia");
        Set<Long> ids = listed(sofia);
        assertTrue(ids.contains(plain) && !ids.contains(sensitive), ids.toString());
        assertEquals(404, sofia.get("/api/v1/sessions/" + sensitive + "?reason=review").statusCode());
        assertEquals(404, sofia.getBytes("/api/v1/sessions/" + sensitive + "/media?reason=review", null).statusCode());
        assertEquals(200, sofia.get("/api/v1/sessions/" + plain).statusCode());
    }

    @Test
    void theOwnerOpensItOnlyWithAReasonAndTheReasonIsAudited() throws Exception {
        ApiClient olena = as("olena");
        var refused = olena.get("/api/v1/sessions/" + sensitive);
        assertEquals(403, refused.statusCode());
        assertEquals("reason_required", ApiClient.json(refused).get("error").asText());
        assertEquals(403, olena.getBytes("/api/v1/sessions/" + sensitive + "/media", null).statusCode());
        assertEquals(200, olena.get("/api/v1/sessions/" + plain).statusCode(), "no reason needed for the others");

        assertEquals(200, olena.get("/api/v1/sessions/" + sensitive + "?reason=complaint%20no.%207").statusCode());
        assertEquals(200, olena.getBytes("/api/v1/sessions/" + sensitive + "/media?reason=complaint%20no.%207", null).statusCode());
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'view' AND session_id = ? AND username = 'olena' "
                + "AND detail = 'reason=complaint no. 7'", sensitive));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'play' AND session_id = ? AND detail LIKE '%reason=complaint no. 7'",
                sensitive));

        // An admin is in the rule, and gives the reason in the header.
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl() + "/api/v1/sessions/" + sensitive))
                .header("Authorization", "Bearer " + Sidecar.ADMIN_TOKEN).header("X-Access-Reason", "audit request").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'view' AND detail = 'reason=audit request'"));
    }

    @Test
    void aReasonGivenInABodyOpensThePageAndTheRecordingOfThatLoginWithoutAnyReasonInAUrl() {
        ApiClient olena = as("olena");
        assertEquals(403, olena.getBytes("/api/v1/sessions/" + sensitive + "/media", null).statusCode());
        // Given once, in a POST body (Cyrillic included, which a header could not carry from a browser).
        assertEquals(400, olena.post("/api/v1/sessions/" + sensitive + "/access", "{\"reason\":\"  \"}").statusCode());
        assertEquals(204, olena.post("/api/v1/sessions/" + sensitive + "/access", "{\"reason\":\"скарга № 12\"}").statusCode());
        assertEquals(200, olena.get("/api/v1/sessions/" + sensitive).statusCode());
        assertEquals(200, olena.getBytes("/api/v1/sessions/" + sensitive + "/media", null).statusCode());
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'view' AND session_id = ? AND detail = 'reason=скарга № 12'",
                sensitive), "the view is audited with the reason");
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'play' AND session_id = ? AND detail LIKE '%reason=скарга № 12'",
                sensitive), "and so is the playback");

        // The reason serves that login only: another login of the same person is asked again.
        ApiClient again = as("olena");
        assertEquals(403, again.get("/api/v1/sessions/" + sensitive).statusCode());
        assertEquals(403, again.getBytes("/api/v1/sessions/" + sensitive + "/media", null).statusCode());
        // Nobody can leave a reason for a session they do not see, nor without the login's CSRF token.
        assertEquals(404, as("taras").post("/api/v1/sessions/" + sensitive + "/access", "{\"reason\":\"curious\"}").statusCode());
        ApiClient noCsrf = as("olena");
        noCsrf.csrf(null);
        assertEquals(403, noCsrf.post("/api/v1/sessions/" + sensitive + "/access", "{\"reason\":\"x\"}").statusCode());
    }
}
