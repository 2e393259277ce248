package com.zentrix.video.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.store.Database;
import com.zentrix.video.testing.Cli;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.SidecarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `zentrix-video retention run` as its own process, SIGKILLed halfway through thousands of expired
 * sessions: no file is gone without its deletion committed first, and a re-run finishes the job.
 */
class RetentionCrashIT {
    static final int SESSIONS = 1000;
    @TempDir Path dir;

    @Test
    void aRetentionRunKilledHalfwayLeavesNoFileDeletedWithoutItsCardAndAReRunFinishes() throws Exception {
        Path conf = Sidecar.builder(dir).set("zentrix.retention.enabled", false).writeConfig(dir.resolve("zentrix.conf"));
        Path db = dir.resolve("zentrix.db");
        Path archive = dir.resolve("archive");
        long ended = System.currentTimeMillis() - Duration.ofDays(400).toMillis();
        try (Database d = Database.open(db)) {
            d.jdbi().useTransaction(h -> {
                for (int i = 1; i <= SESSIONS; i++) {
                    h.createUpdate("INSERT INTO sessions (id, room_jid, room_name, started_ms, ended_ms, status, updated_ms) "
                                    + "VALUES (:id, 'r@conference.x', 'window-1', :t, :t, 'ok', :t)")
                            .bind("id", i).bind("t", ended).execute();
                    for (String name : List.of("call.mp4", "metadata.json")) {
                        String rel = "2025/01/01/" + i + "-zv/" + name;
                        h.createUpdate("INSERT INTO files (session_id, kind, path, original_name, size_bytes, sha256, ingested_ms) "
                                        + "VALUES (:s, :k, :p, :n, 4, 'x', :t)")
                                .bind("s", i).bind("k", name.endsWith("mp4") ? "media" : "metadata").bind("p", rel).bind("n", name)
                                .bind("t", ended).execute();
                    }
                }
            });
        }
        for (int i = 1; i <= SESSIONS; i++) {
            Path folder = Files.createDirectories(archive.resolve("2025/01/01/" + i + "-zv"));
            Files.writeString(folder.resolve("call.mp4"), "data");
            Files.writeString(folder.resolve("metadata.json"), "{}");
        }
        Path stranger = Files.writeString(archive.resolve("2025/01/01/1-zv/not-tracked.txt"), "not ours");
        Jdbi jdbi = Jdbi.create("jdbc:sqlite:" + db);

        Process run = retentionProcess(conf, dir.resolve("run1.log"));
        Instant deadline = Instant.now().plusSeconds(60);
        while (count(jdbi, "SELECT count(*) FROM sessions WHERE deleted_ms IS NOT NULL") < SESSIONS / 4) {
            assertTrue(run.isAlive() && Instant.now().isBefore(deadline), "the run should still be going: " + Files.readString(dir.resolve("run1.log")));
            Thread.sleep(5);
        }
        run.destroyForcibly(); // SIGKILL
        run.waitFor();
        long deletedAtKill = count(jdbi, "SELECT count(*) FROM sessions WHERE status = 'deleted'");
        assertTrue(deletedAtKill < SESSIONS, "killed halfway, not after the end (" + deletedAtKill + " done)");

        // The invariant: every file missing on disk has its deletion committed (file and session intent).
        List<Map<String, Object>> rows = jdbi.withHandle(h -> h.createQuery(
                "SELECT f.path, f.deleting_ms, s.deleting_ms AS s_deleting, s.status FROM files f JOIN sessions s ON s.id = f.session_id").mapToMap().list());
        int missing = 0;
        for (Map<String, Object> r : rows) {
            boolean exists = Files.exists(archive.resolve((String) r.get("path")));
            if (!exists) {
                missing++;
                assertTrue(r.get("deleting_ms") != null && r.get("s_deleting") != null, "deleted without intent: " + r);
            }
            if ("deleted".equals(r.get("status"))) assertTrue(!exists, "a deleted card with its file still there: " + r);
        }
        assertTrue(missing > 0);

        Process again = retentionProcess(conf, dir.resolve("run2.log"));
        assertTrue(again.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, again.exitValue(), Files.readString(dir.resolve("run2.log")));
        assertEquals(SESSIONS, count(jdbi, "SELECT count(*) FROM sessions WHERE status = 'deleted' AND deleted_ms IS NOT NULL"));
        assertEquals(0, count(jdbi, "SELECT count(*) FROM files WHERE deleted_ms IS NULL"));
        for (Map<String, Object> r : rows) assertTrue(!Files.exists(archive.resolve((String) r.get("path"))));
        assertTrue(Files.exists(stranger), "a file the archive does not track is never touched");
        assertEquals(SESSIONS, count(jdbi, "SELECT count(*) FROM audit WHERE action = 'recording_deleted'"));
        assertEquals(0, Cli.run("audit", "verify", "--config", conf.toString()).exitCode());
    }

    static Process retentionProcess(Path conf, Path log) throws Exception {
        return new ProcessBuilder("java", "-jar", SidecarProcess.JAR.toString(), "retention", "run", "--config", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static long count(Jdbi jdbi, String sql) {
        return jdbi.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
