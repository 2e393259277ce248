package com.zentrix.video.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Cli;
import com.zentrix.video.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Retention over a real archive: what goes, what stays (legal hold, review), dry run, manual deletion by admins only. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetentionIT {
    static final String OP = "olena@meet.zentrix.local";
    @TempDir static Path dir;
    static Sidecar sidecar;
    static Path conf;
    static long old1;
    static long held;
    static long old2;
    static long inReview;
    static long recent;

    @BeforeAll
    static void start() throws Exception {
        Sidecar.Builder b = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false)
                .set("zentrix.retention.enabled", false);
        conf = b.writeConfig(dir.resolve("zentrix.conf"));
        sidecar = b.start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, OP, "olena-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        old1 = archive.recordedSession("window-1", OP, "Петро", 1.0);
        held = archive.recordedSession("window-1", OP, "Ганна", 1.0);
        old2 = archive.recordedSession("window-1", OP, "Остап", 1.0);
        inReview = archive.recordedSession("window-1", OP, "Марія", 1.0);
        recent = archive.recordedSession("window-1", OP, "Іван", 1.0);
        // Four of them ended 400 days ago (the default keeps 365).
        long ago = System.currentTimeMillis() - Duration.ofDays(400).toMillis();
        for (long id : List.of(old1, held, old2, inReview)) {
            sidecar.db().useHandle(h -> h.createUpdate("UPDATE sessions SET started_ms = :t, ended_ms = :t + 1000 WHERE id = :id")
                    .bind("t", ago).bind("id", id).execute());
        }
        assertEquals(200, sidecar.admin("POST", "/api/v1/sessions/" + held + "/legal-hold", "{\"reason\":\"court case 12/345\"}").statusCode());
        ApiClient sofia = new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
        assertEquals(200, sofia.put("/api/v1/sessions/" + inReview + "/flags", "{\"needs_review\":true}").statusCode());
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    static List<Path> files(long session) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT path FROM files WHERE session_id = :s").bind("s", session)
                .mapTo(String.class).list()).stream().map(p -> sidecar.archiveDir().resolve(p)).toList();
    }

    static String status(long session) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT status FROM sessions WHERE id = :s").bind("s", session).mapTo(String.class).one());
    }

    @Test
    @Order(1)
    void theDryRunListsExactlyWhatWouldGoAndDeletesNothing() {
        Cli r = Cli.run("retention", "run", "--dry-run", "--config", conf.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("would delete session " + old1 + " ") && r.out().contains("would delete session " + old2 + " "), r.toString());
        for (long kept : List.of(held, inReview, recent)) assertFalse(r.out().contains("would delete session " + kept + " "), r.toString());
        for (Path f : files(old1)) {
            assertTrue(r.out().contains(f.toString()), "lists " + f + ": " + r);
            assertTrue(Files.exists(f));
        }
        assertTrue(r.out().contains("dry run: 2 session(s), " + (files(old1).size() + files(old2).size()) + " file(s)"), r.toString());
    }

    @Test
    @Order(2)
    void aLegalHoldSessionSurvivesARetentionRunThatDeletesItsNeighbours() {
        Cli r = Cli.run("retention", "run", "--config", conf.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("deleted the recordings of 2 session(s)"), r.toString());
        for (long gone : List.of(old1, old2)) {
            assertEquals("deleted", status(gone));
            files(gone).forEach(f -> assertFalse(Files.exists(f), f + " is deleted"));
            assertEquals(0, sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND deleted_ms IS NULL", gone));
            var card = sidecar.getJson("/api/v1/sessions/" + gone);
            assertEquals("deleted", card.get("status").asText());
            assertTrue(card.get("deleted_by").asText().startsWith("cli:"), card.toString());
            assertTrue(card.get("deleted_why").asText().contains("default rule"), card.toString());
            assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'recording_deleted' AND session_id = ?", gone));
            assertEquals(404, sidecar.getAdmin("/api/v1/sessions/" + gone + "/media").statusCode());
        }
        assertEquals("ok", status(held));
        files(held).forEach(f -> assertTrue(Files.exists(f), f + " is kept under legal hold"));
        assertTrue(sidecar.getJson("/api/v1/sessions/" + held).get("legal_hold").asBoolean());
        assertEquals("ok", status(recent));
    }

    @Test
    @Order(3)
    void needsReviewIsKeptUntilReviewedThenFollowsTheReviewedRule() {
        Cli.run("retention", "run", "--config", conf.toString());
        assertEquals("ok", status(inReview), "waiting for review: kept although 400 days old");
        ApiClient sofia = new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
        assertEquals(200, sofia.post("/api/v1/sessions/" + inReview + "/reviewed", "{}").statusCode());
        Cli.run("retention", "run", "--config", conf.toString());
        assertEquals("ok", status(inReview), "reviewed sessions are kept 730 days by default");
        // An admin shortens it through the API; the stored policy overrides the config.
        var put = sidecar.admin("PUT", "/api/v1/retention", "{\"needs_review_days\": 365}");
        assertEquals(200, put.statusCode(), put.body());
        assertEquals("admin", ApiClient.json(put).get("source").asText());
        Cli r = Cli.run("retention", "run", "--config", conf.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("deleted", status(inReview));
        assertEquals("ok", status(held));
    }

    @Test
    @Order(4)
    void onlyAnAdminDeletesARecordingManuallyWithAReasonAndNeverAHeldOne() {
        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        assertEquals(403, olena.delete("/api/v1/sessions/" + recent + "/recording?reason=mine").statusCode());
        ApiClient sofia = new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
        assertEquals(403, sofia.delete("/api/v1/sessions/" + recent + "/recording?reason=x").statusCode());
        var noReason = sidecar.admin("DELETE", "/api/v1/sessions/" + recent + "/recording", null);
        assertEquals(400, noReason.statusCode());
        assertTrue(noReason.body().contains("reason_required"), noReason.body());
        var heldOne = sidecar.admin("DELETE", "/api/v1/sessions/" + held + "/recording", "{\"reason\":\"asked by the client\"}");
        assertEquals(409, heldOne.statusCode(), heldOne.body());
        assertTrue(heldOne.body().contains("legal_hold"));
        files(held).forEach(f -> assertTrue(Files.exists(f)));
        assertEquals("ok", status(recent));

        var ok = sidecar.admin("DELETE", "/api/v1/sessions/" + recent + "/recording", "{\"reason\":\"recorded by mistake\"}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("deleted", status(recent));
        files(recent).forEach(f -> assertFalse(Files.exists(f)));
        assertEquals(1, sidecar.number("SELECT count(*) FROM audit WHERE action = 'delete_started' AND session_id = ? "
                + "AND detail = 'recorded by mistake' AND username = 'api-token'", recent));
        assertEquals(409, sidecar.admin("DELETE", "/api/v1/sessions/" + recent + "/recording?reason=again", null).statusCode());

        // Releasing the hold is audited and lets the rules apply again.
        assertEquals(200, sidecar.admin("DELETE", "/api/v1/sessions/" + held + "/legal-hold?reason=case+closed", null).statusCode());
        Cli.run("retention", "run", "--config", conf.toString());
        assertEquals("deleted", status(held));
        assertEquals(0, Cli.run("audit", "verify", "--config", conf.toString()).exitCode());
    }
}
