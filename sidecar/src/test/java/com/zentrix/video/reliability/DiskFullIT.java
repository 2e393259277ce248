package com.zentrix.video.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.Media;
import com.zentrix.video.testing.Tmpfs;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive's disk fills up during an ingest: a real recording (Prosody, Smack clients, the Jibri
 * stand-in, the real finalize script) is handed over while the archive, a 1 MiB tmpfs, has less room
 * than the file. The Jibri recordings folder is on another filesystem, so the ingest has to copy.
 */
class DiskFullIT {
    @TempDir static Path dir;
    static Tmpfs archive;
    static Flow flow;

    @BeforeAll
    static void start() throws Exception {
        archive = Tmpfs.mount(dir.resolve("archive-tmpfs"), 1024);
        flow = new Flow(dir, b -> b.set("zentrix.archive.dir", archive.path().toString())
                .set("zentrix.finalize.sweep-interval", "1 s").set("zentrix.finalize.timeout", "2 s"), 1);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (flow != null) flow.close();
        } finally {
            if (archive != null) archive.close();
        }
    }

    static Map<String, Object> row(String sql, Object... args) {
        return flow.sidecar.db().withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) q.bind(i, args[i]);
            return q.mapToMap().findOne().orElse(Map.of());
        });
    }

    static List<Path> archivedFiles() throws Exception {
        try (Stream<Path> s = Files.walk(archive.path())) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("filler")).toList();
        }
    }

    @Test
    void aFullDiskKeepsTheRecordingSafeShowsWhyAndIngestsItOnceSpaceReturns() throws Exception {
        assertNotEquals(Files.getFileStore(flow.sidecar.recordingsDir()), Files.getFileStore(archive.path()),
                "the Jibri folder and the archive must be on different filesystems, so the ingest copies");
        Path filler = archive.fill("filler", 24 * 1024);
        long free = archive.usableBytes();
        String room = "disk-full";
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            op.join(flow.room(room), "olena", "Олена");
            guest.join(flow.room(room), "c", "Клієнт");
            Path recording = flow.jibris[0].awaitRecording(Duration.ofSeconds(20));
            // Talk until the recording is well larger than the room left in the archive.
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(recording) && Files.size(recording) > 3 * free);
        }

        // The hand-over arrives and its ingest fails for lack of space.
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(row("SELECT state FROM handovers").get("state")));
        Map<String, Object> handover = row("SELECT id, source_path, error, session_id FROM handovers");
        assertTrue(((String) handover.get("error")).contains("No space left on device"), handover.toString());
        long session = ((Number) handover.get("session_id")).longValue();
        await().atMost(Duration.ofSeconds(10)).until(() -> "technical_error".equals(row("SELECT status FROM sessions WHERE id = ?", session).get("status")));
        String reason = (String) row("SELECT reason FROM sessions WHERE id = ?", session).get("reason");
        assertTrue(reason.contains("no space left on device"), reason);

        // Nothing lost, nothing half-written: the source is whole in the Jibri folder, the archive holds
        // neither the recording nor a partial copy, and no file row points at one.
        Path source = Path.of((String) handover.get("source_path"));
        Path media;
        try (Stream<Path> s = Files.list(source)) {
            media = s.filter(p -> p.toString().endsWith(".mp4")).findFirst().orElseThrow();
        }
        long size = Files.size(media);
        FileTime modified = Files.getLastModifiedTime(media);
        String sha = Media.sha256(media);
        assertTrue(size > free, "the recording (" + size + " bytes) cannot fit in the " + free + " bytes left");
        assertEquals(List.of(), archivedFiles(), "no partial or temporary file in the archive");
        assertEquals(0, flow.sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media'", session));

        // While the disk stays full the retries keep failing, and the session is never marked ok.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                "technical_error".equals(row("SELECT status FROM sessions WHERE id = ?", session).get("status"))
                && "failed".equals(row("SELECT state FROM handovers").get("state")));
        assertEquals(List.of(), archivedFiles(), "a retry on a full disk leaves nothing behind either");
        assertEquals(sha, Media.sha256(media), "the source is untouched");
        assertEquals(size, Files.size(media));
        assertEquals(modified, Files.getLastModifiedTime(media));

        // Space returns: the next sweep ingests it, once, whole.
        Files.delete(filler);
        await().atMost(Duration.ofSeconds(20)).until(() -> "ok".equals(row("SELECT status FROM sessions WHERE id = ?", session).get("status")));
        assertEquals("done", row("SELECT state FROM handovers").get("state"));
        assertEquals(1, flow.sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND kind = 'media'", session), "ingested once");
        Map<String, Object> file = row("SELECT path, sha256, size_bytes, media_error FROM files WHERE session_id = ? AND kind = 'media'", session);
        assertEquals(sha, file.get("sha256"));
        assertEquals(size, ((Number) file.get("size_bytes")).longValue());
        assertEquals(null, file.get("media_error"));
        Path archived = archive.path().resolve((String) file.get("path"));
        assertEquals(sha, Media.sha256(archived), "the archived copy is the recording, byte for byte");
        assertFalse(Files.exists(source), "the Jibri folder is removed only after the verified copy");
        assertTrue(archivedFiles().stream().noneMatch(p -> p.toString().endsWith(".part")));
        List<String> history = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT status || ': ' || coalesce(reason, '') FROM session_history WHERE session_id = :s ORDER BY id")
                .bind("s", session).mapTo(String.class).list());
        assertEquals(1, history.stream().filter(s -> s.startsWith("ok")).count(), history.toString());
        assertTrue(history.get(history.size() - 1).startsWith("ok"), history.toString());
        assertTrue(history.stream().noneMatch(s -> s.contains("finalize never arrived")), "the hand-over did arrive: " + history);
    }
}
