package com.zentrix.video.ingest;

import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pre-warm's cut (zentrix.recording.prewarm): a recording started while the operator waited is cut to
 * the client's join, so the archive holds neither the waiting nor a lost first word.
 *
 * <p>Where: the join's position in the file is {@code client_joined_ms − on_ms}: Prosody's time of the
 * client's occupant-joined minus the time the sidecar learnt that capture runs (Jibri's ON). ON comes
 * after the file's first frame (Jibri says ON at ffmpeg's first progress line), so the position is
 * over-estimated by nothing and under-estimated by the ON delay: the cut errs towards keeping more.
 * The kept part begins at a keyframe (stream copy cannot begin elsewhere): the earliest one in
 * [join − margin, join], else the last one before that window; so it starts at most {@code margin}
 * before the join (plus the ON delay) whenever the keyframe interval is no longer than the margin, and
 * never after the join.
 *
 * <p>How: {@code ffmpeg -ss <keyframe> -i original -map 0 -c copy -avoid_negative_ts make_zero}, into a
 * {@code .part} file; stream copy, not a re-encode: seconds instead of minutes of the two cores for an
 * hour's call, and no generation loss. The cut is verified (ffprobe: duration within a second of the
 * original's minus the cut); only then is it recorded, in one transaction with the original's deletion
 * intent and an audit row ({@code prewarm_cut}); then the original is removed and marked deleted. A
 * failed or unverified cut keeps the untrimmed original as the recording, with the reason in the
 * session's {@code prewarm_note}. Safe to re-run after a crash at any step.
 */
public final class PrewarmCut {
    private static final Logger log = LoggerFactory.getLogger(PrewarmCut.class);
    private static final Principal RULE = new Principal(0, "prewarm", "pre-warm cut (zentrix.recording.prewarm)", Role.ADMIN,
            null, null, null, "system");
    /** How far the cut's duration may be from the original's minus the cut before it is not trusted. */
    private static final long TOLERANCE_MS = 1000;

    private final Jdbi jdbi;
    private final Path archiveDir;
    private final String ffmpeg;
    private final String ffprobe;
    private final MediaProbe probe;
    private final AuditLog audit;
    private final Duration margin;
    private final Clock clock;

    public PrewarmCut(Jdbi jdbi, Path archiveDir, String ffmpeg, MediaProbe probe, AuditLog audit, Duration margin, Clock clock) {
        this.jdbi = jdbi;
        this.archiveDir = archiveDir;
        this.ffmpeg = ffmpeg;
        int slash = ffmpeg.lastIndexOf('/');
        this.ffprobe = (slash < 0 ? "" : ffmpeg.substring(0, slash + 1)) + "ffprobe";
        this.probe = probe;
        this.audit = audit;
        this.margin = margin;
        this.clock = clock;
    }

    private record Original(long id, String path, String name, Long durationMs, String mediaError) {}

    /** Cuts the recording's media file when its session was pre-warmed and a client joined it. */
    public void afterIngest(long sessionId, long recordingId) {
        Map<String, Object> s = jdbi.withHandle(h -> h.createQuery("SELECT s.prewarm_ms, s.client_joined_ms, r.on_ms, r.requested_ms "
                        + "FROM sessions s JOIN recordings r ON r.session_id = s.id WHERE s.id = :s AND r.id = :r")
                .bind("s", sessionId).bind("r", recordingId).mapToMap().findOne().orElse(null));
        if (s == null || s.get("prewarm_ms") == null || s.get("client_joined_ms") == null) return;
        long joined = ((Number) s.get("client_joined_ms")).longValue();
        // Only the recorder that was running when the client joined holds waiting time.
        if (((Number) s.get("requested_ms")).longValue() > joined) return;
        if (finishEarlierCut(recordingId)) return;
        Original o = jdbi.withHandle(h -> h.createQuery("SELECT id, path, original_name, duration_ms, media_error FROM files "
                        + "WHERE recording_id = :r AND kind = 'media' AND trimmed_from IS NULL AND deleting_ms IS NULL ORDER BY id LIMIT 1")
                .bind("r", recordingId)
                .map((rs, ctx) -> new Original(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4) == null ? null : rs.getLong(4), rs.getString(5))).findOne().orElse(null));
        if (o == null) return;
        if (s.get("on_ms") == null) {
            note(sessionId, "not cut: the recorder never reported when capture began; the untrimmed recording is kept");
            return;
        }
        if (o.mediaError() != null || o.durationMs() == null) {
            note(sessionId, "not cut: the recording is unreadable (" + o.mediaError() + "); it is kept as it is");
            return;
        }
        long joinPos = joined - ((Number) s.get("on_ms")).longValue();
        Path original = archiveDir.resolve(o.path());
        try {
            long cutMs = cutPoint(original, joinPos);
            if (cutMs <= 0) {
                note(sessionId, String.format(Locale.ROOT, "not cut: the client joined %.1f s after capture began, within the margin",
                        joinPos / 1000.0));
                return;
            }
            cut(sessionId, o, original, cutMs, joinPos);
        } catch (IOException | RuntimeException e) {
            log.warn("pre-warm cut failed session={} file={}: {} (untrimmed recording kept)", sessionId, o.path(), e.toString());
            note(sessionId, "not cut: " + e.getMessage() + "; the untrimmed recording is kept");
        }
    }

    /** Where the kept part begins (ms into the original): a keyframe, chosen as the class comment says. */
    long cutPoint(Path original, long joinPosMs) throws IOException {
        long target = joinPosMs - margin.toMillis();
        if (joinPosMs <= 0) return 0;
        List<Long> keys = keyframes(original, Math.max(0, target - 60_000), joinPosMs + 1);
        Long inWindow = null;
        Long before = null;
        for (long k : keys) {
            if (k >= target && k <= joinPosMs && inWindow == null) inWindow = k;
            if (k < target) before = k;
        }
        if (inWindow != null) return inWindow;
        if (before != null) return before;
        return keys.isEmpty() ? Math.max(0, target) : 0; // no video (audio frames all start cleanly) or no keyframe yet
    }

    /** Keyframe times (ms) of the first video stream between fromMs and toMs; packet flags, no decoding. */
    private List<Long> keyframes(Path file, long fromMs, long toMs) throws IOException {
        String interval = String.format(Locale.ROOT, "%.3f%%%.3f", fromMs / 1000.0, toMs / 1000.0 + 1);
        String out = run(List.of(ffprobe, "-v", "error", "-select_streams", "v:0", "-read_intervals", interval,
                "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file.toString()), Duration.ofSeconds(120));
        List<Long> keys = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split(",");
            if (f.length < 2 || !f[1].startsWith("K") || f[0].equals("N/A")) continue;
            long ms = Math.round(Double.parseDouble(f[0]) * 1000);
            if (ms >= fromMs && ms <= toMs) keys.add(ms);
        }
        keys.sort(null);
        return keys;
    }

    private void cut(long sessionId, Original o, Path original, long cutMs, long joinPos) throws IOException {
        String name = cutName(o.name());
        Path dest = original.resolveSibling(name);
        Path part = original.resolveSibling(name + ".part");
        Files.deleteIfExists(part); // a crashed earlier attempt's leftover: never a recording
        MediaProbe.Result r;
        try {
            run(List.of(ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-ss",
                    String.format(Locale.ROOT, "%.3f", cutMs / 1000.0), "-i", original.toString(), "-map", "0", "-c", "copy",
                    "-avoid_negative_ts", "make_zero", "-f", "mp4", part.toString()), Duration.ofMinutes(30));
            r = probe.probe(part);
            long expected = o.durationMs() - cutMs;
            if (r.error() != null || Math.abs(r.durationMs() - expected) > TOLERANCE_MS) {
                throw new IOException(r.error() != null ? "ffprobe cannot read the cut (" + r.error() + ")"
                        : "the cut is " + r.durationMs() + " ms long, " + expected + " ms expected");
            }
        } catch (IOException e) {
            // what a failed ffmpeg wrote, or a cut not (yet) verified, is never a recording
            Files.deleteIfExists(part);
            throw e;
        }
        String sha = Ingestor.sha256(part);
        long size = Files.size(part);
        String rel = Path.of(o.path()).resolveSibling(name).toString();
        long now = clock.millis();
        String note = String.format(Locale.ROOT, "cut at %.1f s: the operator's %.1f s of waiting removed; the recording "
                + "starts %.1f s before the client's join (margin %d s)", cutMs / 1000.0, cutMs / 1000.0,
                (joinPos - cutMs) / 1000.0, margin.toSeconds());
        jdbi.useTransaction(h -> {
            h.createUpdate("INSERT INTO files (session_id, recording_id, kind, path, original_name, size_bytes, sha256, duration_ms, "
                            + "ingested_ms, trimmed_from, trim_start_ms) "
                            + "SELECT session_id, recording_id, 'media', :p, :n, :size, :sha, :dur, :now, id, :cut FROM files WHERE id = :o")
                    .bind("p", rel).bind("n", name).bind("size", size).bind("sha", sha).bind("dur", r.durationMs())
                    .bind("now", now).bind("cut", cutMs).bind("o", o.id()).execute();
            h.createUpdate("UPDATE files SET deleting_ms = :now WHERE id = :o").bind("now", now).bind("o", o.id()).execute();
            h.createUpdate("UPDATE sessions SET prewarm_note = :n WHERE id = :s").bind("n", note).bind("s", sessionId).execute();
            audit.record(h, RULE, "prewarm_cut", sessionId, "file " + o.path() + " (" + o.durationMs() + " ms) replaced by " + rel
                    + " (" + r.durationMs() + " ms, sha256 " + sha + "), cut at " + cutMs + " ms; the original is deleted by the "
                    + "pre-warm rule", null);
        });
        Files.move(part, dest, StandardCopyOption.ATOMIC_MOVE);
        log.info("pre-warm cut session={} file={} cutMs={} leadInMs={} durationMs={}", sessionId, rel, cutMs, joinPos - cutMs,
                r.durationMs());
        removeOriginal(o.id(), o.path());
    }

    /** After a crash between the recorded cut and the original's removal: finishes it. True when a cut exists. */
    private boolean finishEarlierCut(long recordingId) {
        Map<String, Object> c = jdbi.withHandle(h -> h.createQuery("SELECT c.path AS cut, o.id AS oid, o.path AS opath, "
                        + "o.deleted_ms AS odel FROM files c JOIN files o ON o.id = c.trimmed_from WHERE c.recording_id = :r LIMIT 1")
                .bind("r", recordingId).mapToMap().findOne().orElse(null));
        if (c == null) return false;
        Path cut = archiveDir.resolve((String) c.get("cut"));
        Path part = cut.resolveSibling(cut.getFileName() + ".part");
        try {
            if (!Files.exists(cut, LinkOption.NOFOLLOW_LINKS) && Files.exists(part, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(part, cut, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (c.get("odel") == null) removeOriginal(((Number) c.get("oid")).longValue(), (String) c.get("opath"));
        return true;
    }

    private void removeOriginal(long fileId, String path) {
        try {
            Files.deleteIfExists(archiveDir.resolve(path));
        } catch (IOException e) {
            log.warn("pre-warm cut: original {} not removed yet: {}", path, e.toString());
            return; // its intent stays; the next ingest run of this folder finishes it
        }
        jdbi.useHandle(h -> h.createUpdate("UPDATE files SET deleted_ms = :now WHERE id = :id")
                .bind("now", clock.millis()).bind("id", fileId).execute());
    }

    private void note(long sessionId, String note) {
        log.info("pre-warm session={}: {}", sessionId, note);
        jdbi.useHandle(h -> h.createUpdate("UPDATE sessions SET prewarm_note = :n WHERE id = :s").bind("n", note).bind("s", sessionId).execute());
    }

    /** {@code room_2026-11-24-09-00-00.mp4} → {@code room_2026-11-24-09-00-00.cut.mp4}. */
    static String cutName(String original) {
        int dot = original.lastIndexOf('.');
        return dot > 0 ? original.substring(0, dot) + ".cut" + original.substring(dot) : original + ".cut.mp4";
    }

    private static String run(List<String> command, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(LowPriority.command(command)).redirectErrorStream(false).start();
        p.getOutputStream().close();
        try {
            java.util.concurrent.Future<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " timed out");
            }
            if (p.exitValue() != 0) {
                String e = new String(err.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
                throw new IOException(command.get(0) + " failed (exit " + p.exitValue() + "): "
                        + (e.isEmpty() ? "no message" : e.lines().findFirst().orElse(e)));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(command.get(0) + " failed: " + e);
        }
    }
}
