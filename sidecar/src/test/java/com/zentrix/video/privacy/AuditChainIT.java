package com.zentrix.video.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import com.zentrix.video.store.Database;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Cli;
import com.zentrix.video.testing.Sidecar;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The audit log is a hash chain: intact after concurrent writers, and `audit verify` names the row someone changed. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditChainIT {
    @TempDir static Path dir;
    static Sidecar sidecar;
    static Path conf;
    static long session;

    @BeforeAll
    static void start() throws Exception {
        Sidecar.Builder b = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false);
        conf = b.writeConfig(dir.resolve("zentrix.conf"));
        sidecar = b.start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, "olena@meet.zentrix.local", "olena-password");
        session = archive.recordedSession("window-1", "olena@meet.zentrix.local", "Петро", 1.0);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @Test
    @Order(1)
    void writersInTwoProcessesKeepOneLinearChainThatVerifies() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        // A second connection pool on the same file stands for a second process (the CLI next to the server).
        try (Database other = Database.open(sidecar.config().databasePath())) {
            AuditLog second = new AuditLog(other.jdbi(), Clock.systemUTC());
            Principal admin = new Principal(0, "test", "Test", Role.ADMIN, null, null, null, "token");
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) second.record(admin, "test_write", session, "i=" + i, "127.0.0.1");
                }));
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) assertEquals(200, sidecar.getAdmin("/api/v1/sessions/" + session).statusCode());
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
        assertTrue(sidecar.number("SELECT count(*) FROM audit") >= 200);
        Cli r = Cli.run("audit", "verify", "--config", conf.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("chain intact"), r.toString());
        assertTrue(r.out().contains("100%"), "progress is shown: " + r);
    }

    @Test
    @Order(2)
    void theAuditIsAppendOnlyInTheDatabase() {
        assertThrows(Exception.class, () -> sidecar.db().useHandle(h -> h.execute("UPDATE audit SET detail = 'x' WHERE id = 2")));
        assertThrows(Exception.class, () -> sidecar.db().useHandle(h -> h.execute("DELETE FROM audit WHERE id = 2")));
    }

    @Test
    @Order(3)
    void adminsBrowseFilterAndExportTheAuditOthersMayNot() {
        JsonNode page = sidecar.getJson("/api/v1/audit?action=test_write&limit=10");
        assertEquals(10, page.get("items").size());
        long first = page.get("items").get(0).get("id").asLong();
        page.get("items").forEach(i -> assertEquals("test_write", i.get("action").asText()));
        JsonNode next = sidecar.getJson("/api/v1/audit?action=test_write&limit=10&after=" + page.get("next").asText());
        assertTrue(next.get("items").get(0).get("id").asLong() < first - 9, "keyset pages do not overlap");
        assertEquals(100, sidecar.getJson("/api/v1/audit?action=test_write&limit=1000&session=" + session).get("items").size());
        assertEquals(0, sidecar.getJson("/api/v1/audit?user=nobody").get("items").size());

        var csv = sidecar.getAdmin("/api/v1/audit.csv?action=test_write");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        String[] lines = csv.body().split("\r\n");
        assertEquals("id,at_ms,user_id,username,action,session_id,detail,ip,prev_hash,hash", lines[0]);
        assertEquals(101, lines.length);

        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        assertEquals(403, olena.get("/api/v1/audit").statusCode());
        assertEquals(403, olena.get("/api/v1/audit.csv").statusCode());
    }

    @Test
    @Order(4)
    void aTamperedAuditRowIsDetectedByAuditVerify() {
        // Someone with the database file drops the guard and rewrites a row.
        sidecar.db().useHandle(h -> {
            h.execute("DROP TRIGGER audit_no_update");
            h.execute("UPDATE audit SET detail = 'nothing to see' WHERE id = 7");
        });
        Cli r = Cli.run("audit", "verify", "--config", conf.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.out().contains("BROKEN at row 7") && r.out().contains("edited"), r.toString());
    }

    @Test
    @Order(5)
    void aDeletedAuditRowIsDetectedByAuditVerify() {
        // Row 7 is still edited; a deletion further up the chain is the first break now.
        sidecar.db().useHandle(h -> {
            h.execute("DROP TRIGGER audit_no_delete");
            h.execute("DELETE FROM audit WHERE id = 3");
        });
        Cli r = Cli.run("audit", "verify", "--config", conf.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.out().contains("BROKEN at row 4") && r.out().contains("row(s) 3 before row 4 were deleted"), r.toString());
    }
}
