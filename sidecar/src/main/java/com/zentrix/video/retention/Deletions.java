package com.zentrix.video.retention;

import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a recording is deleted (retention, an admin, a subject request), safe to kill at any
 * moment: (1) the intent is committed — session and files get {@code deleting_ms}, who and why;
 * (2) each tracked file is removed, then marked {@code deleted_ms}; (3) the card becomes
 * {@code deleted} with history and audit. A file is never gone without its intent committed first,
 * and {@link #resumeAll()} finishes every intent a crash left, so a re-run converges. Only paths in
 * the files table, resolved inside the archive folder, are ever touched.
 */
public final class Deletions {
    private static final Logger log = LoggerFactory.getLogger(Deletions.class);

    private final Jdbi jdbi;
    private final Path archiveDir;
    private final AuditLog audit;
    private final Clock clock;

    public Deletions(Jdbi jdbi, Path archiveDir, AuditLog audit, Clock clock) {
        this.jdbi = jdbi;
        this.archiveDir = archiveDir.toAbsolutePath().normalize();
        this.audit = audit;
        this.clock = clock;
    }

    /** Why a deletion was refused, as the API answers it (404, 409). */
    public static final class Refused extends com.zentrix.video.web.ApiException {
        Refused(int status, String code, String message) {
            super(status, code, message);
        }
    }

    /** Deletes the recording of one session now (intent, files, card). */
    public void delete(long sessionId, Principal who, String why, String ip) {
        jdbi.useTransaction(h -> begin(h, sessionId, who, why, ip));
        finish(sessionId);
    }

    /**
     * Step 1, inside the caller's write transaction: refuses a held, running or deleted session,
     * else commits the intent with the caller's transaction.
     */
    public void begin(Handle h, long sessionId, Principal who, String why, String ip) {
        Map<String, Object> s = h.createQuery("SELECT status, legal_hold, deleting_ms FROM sessions WHERE id = :id")
                .bind("id", sessionId).mapToMap().findOne()
                .orElseThrow(() -> new Refused(404, "not_found", "no session " + sessionId));
        if (((Number) s.get("legal_hold")).intValue() != 0) {
            throw new Refused(409, "legal_hold", "session " + sessionId + " is under legal hold; release the hold first");
        }
        if (s.get("deleting_ms") != null || "deleted".equals(s.get("status"))) {
            throw new Refused(409, "already_deleted", "the recording of session " + sessionId + " is already deleted");
        }
        if (!List.of("ok", "technical_error").contains((String) s.get("status"))) {
            throw new Refused(409, "not_finished", "session " + sessionId + " is still " + s.get("status"));
        }
        long now = clock.millis();
        h.createUpdate("UPDATE sessions SET deleting_ms = :now, deleted_by = :by, deleted_why = :why WHERE id = :id")
                .bind("now", now).bind("by", who.username()).bind("why", why).bind("id", sessionId).execute();
        h.createUpdate("UPDATE files SET deleting_ms = :now WHERE session_id = :id AND deleted_ms IS NULL")
                .bind("now", now).bind("id", sessionId).execute();
        audit.record(h, who, "delete_started", sessionId, why, ip);
    }

    /** Steps 2 and 3 for a session whose intent is committed; repeatable. */
    public void finish(long sessionId) {
        List<Map<String, Object>> files = jdbi.withHandle(h -> h.createQuery(
                        "SELECT id, path FROM files WHERE session_id = :id AND deleting_ms IS NOT NULL AND deleted_ms IS NULL ORDER BY id")
                .bind("id", sessionId).mapToMap().list());
        for (Map<String, Object> f : files) {
            long fileId = ((Number) f.get("id")).longValue();
            Path p = tracked((String) f.get("path"));
            try {
                Files.deleteIfExists(p);
                removeEmptyFolder(p.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p + " of session " + sessionId, e);
            }
            jdbi.useHandle(h -> h.createUpdate("UPDATE files SET deleted_ms = :now WHERE id = :id")
                    .bind("now", clock.millis()).bind("id", fileId).execute());
        }
        jdbi.useTransaction(h -> {
            Map<String, Object> s = h.createQuery("SELECT deleted_by, deleted_why, deleted_ms FROM sessions WHERE id = :id")
                    .bind("id", sessionId).mapToMap().one();
            if (s.get("deleted_ms") != null) return;
            long now = clock.millis();
            String why = (String) s.get("deleted_why");
            String by = (String) s.get("deleted_by");
            h.createUpdate("UPDATE sessions SET status = 'deleted', reason = :why, deleted_ms = :now, updated_ms = :now WHERE id = :id")
                    .bind("why", why).bind("now", now).bind("id", sessionId).execute();
            h.createUpdate("INSERT INTO session_history (session_id, status, reason, at_ms) VALUES (:s, 'deleted', :r, :now)")
                    .bind("s", sessionId).bind("r", "by " + by + ": " + why).bind("now", now).execute();
            audit.record(h, new Principal(0, by, by, com.zentrix.video.auth.Role.ADMIN, null, null, null, "system"),
                    "recording_deleted", sessionId, why + " (" + files.size() + " file(s))", null);
        });
        log.info("recording deleted session={} files={}", sessionId, files.size());
    }

    /** Sessions whose deletion was started and not finished (a crash, a failed file). */
    public List<Long> pending() {
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM sessions WHERE deleting_ms IS NOT NULL AND deleted_ms IS NULL ORDER BY id")
                .mapTo(Long.class).list());
    }

    public int resumeAll() {
        List<Long> ids = pending();
        for (long id : ids) finish(id);
        return ids.size();
    }

    /** A tracked path inside the archive folder, never through a symlink; anything else is refused. */
    Path tracked(String relative) {
        Path p = archiveDir.resolve(relative).normalize();
        if (!p.startsWith(archiveDir) || p.equals(archiveDir)) throw new IllegalStateException("tracked path " + relative + " is outside the archive");
        for (Path q = p; q != null && !q.equals(archiveDir); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) throw new IllegalStateException("tracked path " + relative + " goes through a symlink: not touched");
        }
        return p;
    }

    private void removeEmptyFolder(Path folder) throws IOException {
        if (folder == null || folder.equals(archiveDir) || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return;
        try (var s = Files.list(folder)) {
            if (s.findAny().isPresent()) return;
        }
        try {
            Files.deleteIfExists(folder);
        } catch (DirectoryNotEmptyException e) {
            // something arrived meanwhile: it stays
        }
    }
}
