package com.zentrix.video.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.recording.SessionStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes a finished recording folder into the archive: journals the hand-over, then (off the request
 * thread) moves each file into {@code <archive>/<yyyy>/<MM>/<dd>/<session>-<folder>/}, hashes it,
 * probes the media, and settles the session. A rename when source and archive share a filesystem;
 * otherwise copy, fsync, verify the SHA-256, and only then remove the source. An unknown folder becomes
 * an orphan session; nothing is dropped. Re-running a hand-over converges.
 */
public final class Ingestor {
    private static final Logger log = LoggerFactory.getLogger(Ingestor.class);
    /** Jibri names the file {@code <callName>_<yyyy-MM-dd-HH-mm-ss>.<ext>} (FileRecordingJibriService.kt). */
    private static final Pattern JIBRI_FILE = Pattern.compile("(.*)_(\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2})\\.[A-Za-z0-9]+");
    private static final DateTimeFormatter JIBRI_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");
    private static final List<String> MEDIA = List.of("mp4", "webm", "mkv", "mov", "m4a", "ogg", "flv");

    private final Jdbi jdbi;
    private final Path archiveDir;
    private final MediaProbe probe;
    private final SessionStore sessions;
    private final ObjectMapper json;
    private final ExecutorService executor;
    private final Clock clock;
    private final ZoneId jibriZone;
    private final PrewarmCut prewarmCut;
    private final IngestRetries retries;
    /** Hand-overs queued for a retry and not yet started: a slow copy is never queued twice. */
    private final java.util.Set<Long> queued = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The longest wait between two attempts of a failed hand-over (a full disk is retried as soon as it has room). */
    static final java.time.Duration RETRY_MAX = java.time.Duration.ofMinutes(10);

    public record Accepted(long handoverId, Long sessionId, boolean duplicate) {}

    public Ingestor(Jdbi jdbi, Path archiveDir, MediaProbe probe, SessionStore sessions, ObjectMapper json,
            ExecutorService executor, Clock clock, ZoneId jibriZone, java.time.Duration retryFirst, PrewarmCut prewarmCut) {
        this.prewarmCut = prewarmCut;
        this.jdbi = jdbi;
        this.archiveDir = archiveDir;
        this.probe = probe;
        this.sessions = sessions;
        this.json = json;
        this.executor = executor;
        this.clock = clock;
        this.jibriZone = jibriZone;
        this.retries = new IngestRetries(clock, retryFirst, RETRY_MAX);
    }

    /** Journals the hand-over and queues the work; returns at once (Jibri waits on its finalize script). */
    public Accepted accept(String dirName, Path source, String mode) {
        long now = clock.millis();
        Accepted acc = jdbi.inTransaction(h -> {
            Long sessionId = h.createQuery("SELECT session_id FROM recordings WHERE jibri_session_id = :d")
                    .bind("d", dirName).mapTo(Long.class).findOne().orElse(null);
            int inserted = h.createUpdate("INSERT OR IGNORE INTO handovers (dir_name, source_path, mode, received_ms, state, session_id) "
                            + "VALUES (:d, :p, :m, :now, 'pending', :s)")
                    .bind("d", dirName).bind("p", source.toString()).bind("m", mode).bind("now", now).bind("s", sessionId)
                    .execute();
            var row = h.createQuery("SELECT id, session_id, state FROM handovers WHERE dir_name = :d").bind("d", dirName)
                    .mapToMap().one();
            long id = ((Number) row.get("id")).longValue();
            Long sid = row.get("session_id") == null ? null : ((Number) row.get("session_id")).longValue();
            if (inserted == 0 && "failed".equals(row.get("state"))) {
                h.createUpdate("UPDATE handovers SET state = 'pending', source_path = :p, mode = :m, error = NULL WHERE id = :id")
                        .bind("p", source.toString()).bind("m", mode).bind("id", id).execute();
                return new Accepted(id, sid, false);
            }
            return new Accepted(id, sid, inserted == 0);
        });
        if (!acc.duplicate()) {
            log.info("finalize hand-over accepted folder={} mode={} session={}", dirName, mode, acc.sessionId());
            executor.execute(() -> ingest(acc.handoverId()));
        } else {
            log.info("finalize hand-over repeated folder={} session={}; nothing to do", dirName, acc.sessionId());
        }
        return acc;
    }

    /** The hand-over journaled for this folder name, as a duplicate, if there is one. */
    public Optional<Accepted> handedOver(String dirName) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, session_id FROM handovers WHERE dir_name = :d").bind("d", dirName)
                .map((rs, ctx) -> {
                    long sid = rs.getLong(2);
                    return new Accepted(rs.getLong(1), rs.wasNull() ? null : sid, true);
                }).findOne());
    }

    /** Queues every hand-over that was journaled but not finished (after a restart). */
    public int resumePending() {
        List<Long> ids = jdbi.withHandle(h -> h.createQuery("SELECT id FROM handovers WHERE state IN ('pending', 'failed') ORDER BY id")
                .mapTo(Long.class).list());
        int n = 0;
        for (long id : ids) {
            if (!queued.add(id)) continue; // a retry already has it
            executor.execute(() -> ingest(id));
            n++;
        }
        return n;
    }

    /**
     * Tries the failed hand-overs again (a full disk, a locked file) once their backoff is over, or at
     * once when it was a full disk and the archive has room again: they succeed once the cause is gone.
     */
    public int retryFailed() {
        List<Long> ids = jdbi.withHandle(h -> h.createQuery("SELECT id FROM handovers WHERE state = 'failed' ORDER BY id")
                .mapTo(Long.class).list());
        int n = 0;
        for (long id : ids) {
            if (queued.contains(id) || !retries.due(id, this::usableArchiveBytes)) continue;
            IngestRetries.Failure last = retries.last(id);
            if (last != null && last.noSpace() && clock.millis() < last.notBeforeMs()) {
                log.info("archive has room again for hand-over {} ({} bytes); retrying now", id, last.bytesNeeded());
            }
            queued.add(id);
            executor.execute(() -> ingest(id));
            n++;
        }
        return n;
    }

    private long usableArchiveBytes() {
        try {
            return Files.getFileStore(archiveDir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    void ingest(long handoverId) {
        queued.remove(handoverId);
        var row = jdbi.withHandle(h -> h.createQuery("SELECT dir_name, source_path, state, session_id FROM handovers WHERE id = :id")
                .bind("id", handoverId).mapToMap().findOne()).orElse(null);
        if (row == null || "done".equals(row.get("state"))) return;
        String dirName = (String) row.get("dir_name");
        Path source = Path.of((String) row.get("source_path"));
        MDC.put("folder", dirName);
        try {
            long sessionId = doIngest(dirName, source);
            jdbi.useHandle(h -> h.createUpdate("UPDATE handovers SET state = 'done', session_id = :s, error = NULL, done_ms = :now WHERE id = :id")
                    .bind("s", sessionId).bind("now", clock.millis()).bind("id", handoverId).execute());
            retries.succeeded(handoverId);
        } catch (IOException | RuntimeException e) {
            boolean noSpace = isNoSpace(e);
            IngestRetries.Failure f = retries.failed(handoverId, noSpace ? bytesIn(source) : -1);
            log.error("ingest failed folder={} attempt={}: {} (files left in place; retrying in {} s{})", dirName, f.attempts(),
                    e.toString(), retries.delay(f.attempts()).toSeconds(), noSpace ? " or as soon as the archive has room" : "");
            jdbi.useHandle(h -> h.createUpdate("UPDATE handovers SET state = 'failed', error = :e WHERE id = :id")
                    .bind("e", e.toString()).bind("id", handoverId).execute());
            Long sessionId = row.get("session_id") == null ? null : ((Number) row.get("session_id")).longValue();
            if (sessionId != null) {
                sessions.ingestFailed(sessionId, "ingest failed: " + (noSpace ? "no space left on device in the archive" : e.getMessage())
                        + (e instanceof MediaProbe.Unavailable ? " (the recording is kept; retrying)"
                                : " (the recording is kept in the Jibri folder; retrying)"), clock.millis());
            }
        } finally {
            MDC.remove("folder");
            MDC.remove("session");
        }
    }

    /** ENOSPC, as the JDK reports it (the errno's text; no dedicated exception type exists). */
    static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left on device")) return true;
        }
        return false;
    }

    private static long bytesIn(Path folder) {
        try (var files = Files.list(folder)) {
            return files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private long doIngest(String dirName, Path source) throws IOException {
        Optional<SessionStore.RecordingRow> byName = sessions.recordingByJibriId(dirName);
        Optional<SessionStore.RecordingRow> byRoom = Optional.empty();
        if (byName.isEmpty()) {
            // A folder whose name we never gave (e.g. a Jibri id we did not learn): the recording of the
            // same room that was running when the file began, and has no files yet, is the one.
            Path media = listFiles(source).stream().filter(f -> isMedia(f.getFileName().toString())).findFirst().orElse(null);
            Origin o = origin(dirName, source, media);
            byRoom = sessions.recordingByRoomAndTime(o.roomName(), o.startedMs());
            byRoom.ifPresent(r -> log.info("folder {} matched to session {} by room {} and time", dirName, r.sessionId(), o.roomName()));
        }
        Optional<SessionStore.RecordingRow> recording = byName.isPresent() ? byName : byRoom;
        List<Path> files = listFiles(source);
        Path mediaFile = files.stream().filter(f -> isMedia(f.getFileName().toString())).findFirst().orElse(null);

        long sessionId = recording.isPresent() ? recording.get().sessionId() : orphanSession(dirName, source, mediaFile);
        MDC.put("session", Long.toString(sessionId));
        long startedMs = jdbi.withHandle(h -> h.createQuery("SELECT started_ms FROM sessions WHERE id = :id")
                .bind("id", sessionId).mapTo(Long.class).one());
        LocalDateTime day = LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(startedMs), jibriZone);
        Path relDir = Path.of(String.format(Locale.ROOT, "%04d", day.getYear()), String.format(Locale.ROOT, "%02d", day.getMonthValue()),
                String.format(Locale.ROOT, "%02d", day.getDayOfMonth()), sessionId + "-" + dirName);
        Path destDir = archiveDir.resolve(relDir);
        Files.createDirectories(destDir);

        // Files already moved by an interrupted earlier run are in the destination: take them too.
        List<String> names = new ArrayList<>();
        for (Path f : files) names.add(f.getFileName().toString());
        if (Files.isDirectory(destDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(destDir)) {
                for (Path f : ds) {
                    String n = f.getFileName().toString();
                    if (!n.endsWith(".part") && !names.contains(n) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) names.add(n);
                }
            }
        }
        for (String name : names) {
            Path src = source.resolve(name);
            Path dest = destDir.resolve(name);
            String sha;
            if (Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
                sha = moveVerified(src, dest);
            } else {
                sha = sha256(dest);
            }
            long size = Files.size(dest);
            String kind = isMedia(name) ? "media" : name.equals("metadata.json") ? "metadata" : "other";
            MediaProbe.Result probed = kind.equals("media") ? probe.probe(dest) : new MediaProbe.Result(null, null);
            String rel = relDir.resolve(name).toString();
            jdbi.useHandle(h -> h.createUpdate("INSERT OR IGNORE INTO files (session_id, recording_id, kind, path, original_name, "
                            + "size_bytes, sha256, duration_ms, media_error, ingested_ms) "
                            + "VALUES (:s, :r, :k, :p, :n, :size, :sha, :dur, :err, :now)")
                    .bind("s", sessionId).bind("r", recording.map(SessionStore.RecordingRow::id).orElse(null))
                    .bind("k", kind).bind("p", rel).bind("n", name).bind("size", size).bind("sha", sha)
                    .bind("dur", probed.durationMs()).bind("err", probed.error()).bind("now", clock.millis()).execute());
            if (probed.error() != null) {
                log.warn("recording unreadable session={} file={} reason={} (file kept)", sessionId, rel, probed.error());
            }
            log.info("ingested session={} file={} bytes={} sha256={} durationMs={}", sessionId, rel, size, sha,
                    probed.durationMs());
        }
        try {
            Files.deleteIfExists(source); // only succeeds when empty: everything in it was moved
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            log.warn("source folder {} not empty after ingest; left in place", source);
        }
        if (prewarmCut != null) recording.ifPresent(r -> prewarmCut.afterIngest(sessionId, r.id()));
        long now = clock.millis();
        recording.ifPresent(r -> jdbi.useHandle(h -> h.createUpdate("UPDATE recordings SET status = 'ingested', "
                        + "stopped_ms = coalesce(stopped_ms, :now) WHERE id = :id")
                .bind("now", now).bind("id", r.id()).execute()));
        sessions.settle(sessionId, now);
        MDC.remove("session");
        return sessionId;
    }

    private List<Path> listFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                if (Files.isSymbolicLink(f)) {
                    log.warn("symbolic link {} in a recording folder ignored", f);
                } else if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(f);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** A recording nobody asked for (or asked for before our records): kept as an orphan session. */
    /** Which room a folder belongs to and when its recording began, from metadata.json and Jibri's file name. */
    private record Origin(String roomName, long startedMs) {}

    private long orphanSession(String dirName, Path source, Path media) throws IOException {
        Origin o = origin(dirName, source, media);
        return orphan(dirName, o.roomName(), o.startedMs());
    }

    private Origin origin(String dirName, Path source, Path media) throws IOException {
        String roomName = null;
        Path meta = source.resolve("metadata.json");
        if (Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS) && Files.size(meta) < 1_000_000) {
            try {
                JsonNode m = json.readTree(meta.toFile());
                String url = m.path("meeting_url").asText("");
                if (!url.isEmpty()) roomName = url.substring(url.lastIndexOf('/') + 1);
            } catch (IOException e) {
                log.warn("metadata.json of {} unreadable: {}", dirName, e.getMessage());
            }
        }
        long started = clock.millis();
        if (media != null) {
            Matcher m = JIBRI_FILE.matcher(media.getFileName().toString());
            if (m.matches()) {
                if (roomName == null || roomName.isEmpty()) roomName = m.group(1);
                try {
                    started = LocalDateTime.parse(m.group(2), JIBRI_TIME).atZone(jibriZone).toInstant().toEpochMilli();
                } catch (DateTimeParseException ignored) {
                    started = Files.getLastModifiedTime(media).toMillis();
                }
            } else {
                started = Files.getLastModifiedTime(media).toMillis();
            }
        }
        if (roomName == null || roomName.isEmpty()) roomName = dirName;
        return new Origin(roomName, started);
    }

    private long orphan(String dirName, String name, long startedMs) {
        long now = clock.millis();
        long id = jdbi.inTransaction(h -> {
            long sid = h.createUpdate("INSERT INTO sessions (room_jid, room_name, origin, started_ms, ended_ms, status, reason, updated_ms) "
                            + "VALUES (:room, :room, 'orphan', :st, :st, 'stopping', :why, :now)")
                    .bind("room", name).bind("st", startedMs).bind("now", now)
                    .bind("why", "recording arrived without a session (folder " + dirName + ")")
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            h.createUpdate("INSERT INTO session_history (session_id, status, reason, at_ms) VALUES (:s, 'stopping', :why, :now)")
                    .bind("s", sid).bind("why", "orphan recording " + dirName).bind("now", now).execute();
            h.createUpdate("UPDATE handovers SET session_id = :s WHERE dir_name = :d").bind("s", sid).bind("d", dirName).execute();
            return sid;
        });
        log.warn("orphan recording folder={} room={} became session={}", dirName, name, id);
        return id;
    }

    /**
     * Moves src to dest and returns its SHA-256. Same filesystem: an atomic rename. Otherwise: copy to a
     * .part file, fsync, compare hashes, rename, and only then delete the source.
     */
    static String moveVerified(Path src, Path dest) throws IOException {
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            String existing = sha256(dest);
            if (existing.equals(sha256(src))) {
                Files.delete(src); // an earlier run copied it but died before removing the source
                return existing;
            }
            throw new IOException("destination " + dest + " exists with different content");
        }
        try {
            Files.move(src, dest, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(dest.getParent());
            return sha256(dest);
        } catch (AtomicMoveNotSupportedException crossDevice) {
            Path part = dest.resolveSibling(dest.getFileName() + ".part");
            String srcSha;
            MessageDigest md = sha();
            try (InputStream in = new DigestInputStream(Files.newInputStream(src), md);
                 FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                in.transferTo(out);
                out.flush();
                ch.force(true);
            } catch (IOException e) {
                Files.deleteIfExists(part);
                throw e;
            }
            srcSha = HexFormat.of().formatHex(md.digest());
            String copySha = sha256(part);
            if (!copySha.equals(srcSha)) {
                Files.deleteIfExists(part);
                throw new IOException("copy of " + src + " does not match its source (sha256 " + copySha + " vs " + srcSha + ")");
            }
            Files.move(part, dest, StandardCopyOption.ATOMIC_MOVE);
            // The rename must be on disk before the source goes: otherwise a power cut could keep neither.
            syncDirectory(dest.getParent());
            Files.delete(src);
            return copySha;
        }
    }

    /** fsync of a directory, so a rename in it survives a power cut (Linux allows it on a read-only handle). */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static String sha256(Path f) throws IOException {
        MessageDigest md = sha();
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isMedia(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && MEDIA.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
