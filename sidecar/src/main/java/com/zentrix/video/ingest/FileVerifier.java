package com.zentrix.video.ingest;

import com.zentrix.video.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SHA-256 taken at ingest is the seal: re-hashes every stored (not deleted) file, records the
 * finding per file ({@code verified_ms}, {@code verify_error}: null when intact) and lists the
 * missing and altered ones.
 */
public final class FileVerifier {
    private static final Logger log = LoggerFactory.getLogger(FileVerifier.class);

    private final Jdbi jdbi;
    private final Path archiveDir;
    private final Clock clock;

    public FileVerifier(Jdbi jdbi, Path archiveDir, Clock clock) {
        this.jdbi = jdbi;
        this.archiveDir = archiveDir.toAbsolutePath().normalize();
        this.clock = clock;
    }

    public record Problem(long fileId, long sessionId, String path, String error) {}

    public record Report(long checked, List<Problem> problems) {}

    private record Row(long id, long sessionId, String path, String sha256) {}

    public Report verify(Progress progress) {
        List<Row> rows = jdbi.withHandle(h -> h.createQuery("SELECT id, session_id, path, sha256 FROM files "
                        + "WHERE deleted_ms IS NULL AND deleting_ms IS NULL ORDER BY id")
                .map((rs, ctx) -> new Row(rs.getLong("id"), rs.getLong("session_id"), rs.getString("path"), rs.getString("sha256"))).list());
        List<Problem> problems = new ArrayList<>();
        long n = 0;
        for (Row r : rows) {
            String error = check(r);
            if (error != null) {
                problems.add(new Problem(r.id(), r.sessionId(), r.path(), error));
                log.warn("integrity check failed session={} file={} problem={}", r.sessionId(), r.path(), error);
            }
            jdbi.useHandle(h -> h.createUpdate("UPDATE files SET verified_ms = :now, verify_error = :e WHERE id = :id")
                    .bind("now", clock.millis()).bind("e", error).bind("id", r.id()).execute());
            progress.at(++n, rows.size(), r.path());
        }
        return new Report(rows.size(), problems);
    }

    private String check(Row r) {
        Path p = archiveDir.resolve(r.path()).normalize();
        if (!p.startsWith(archiveDir)) return "outside the archive folder";
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return "missing";
        try {
            String now = Ingestor.sha256(p);
            return now.equals(r.sha256()) ? null : "altered: sha256 is " + now + ", was " + r.sha256() + " at ingest";
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}
