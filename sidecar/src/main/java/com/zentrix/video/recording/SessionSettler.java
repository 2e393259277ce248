package com.zentrix.video.recording;

import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Gives an ended session its final status once no recorder owes it files: {@code ok} when at least one
 * readable recording arrived, else {@code technical_error}; and computes its coverage (recorded time
 * while a client was present ÷ time a client was present).
 */
public final class SessionSettler {
    private SessionSettler() {}

    /** The reason an ended pre-warm session without a client carries (recording kept, no conversation). */
    public static final String WARM_UP_ONLY = "warm-up only: no client joined; the recording is kept";

    public record Interval(long from, long to) {
        long length() {
            return Math.max(0, to - from);
        }
    }

    static void settle(Handle h, long sessionId, long nowMs) {
        var row = h.createQuery("SELECT ended_ms, status, reason FROM sessions WHERE id = :id").bind("id", sessionId)
                .mapToMap().findOne().orElse(null);
        if (row == null || row.get("ended_ms") == null) return;
        String status = (String) row.get("status");
        if ("deleted".equals(status) || "ok".equals(status)) return;
        long endedMs = ((Number) row.get("ended_ms")).longValue();
        int pending = h.createQuery("SELECT count(*) FROM recordings WHERE session_id = :s "
                        + "AND status IN ('requested', 'recording', 'stopping', 'stopped')")
                .bind("s", sessionId).mapTo(Integer.class).one();
        if (pending > 0) return;

        List<Interval> presence = presence(h, sessionId, endedMs);
        List<Interval> recorded = recorded(h, sessionId);
        long conversation = presence.stream().mapToLong(Interval::length).sum();
        long covered = overlap(presence, recorded);
        int readable = h.createQuery("SELECT count(*) FROM files WHERE session_id = :s AND kind = 'media' AND media_error IS NULL")
                .bind("s", sessionId).mapTo(Integer.class).one();
        boolean warmUpOnly = h.createQuery("SELECT count(*) FROM sessions s WHERE s.id = :s AND s.prewarm_ms IS NOT NULL "
                        + "AND NOT EXISTS (SELECT 1 FROM client_presence p WHERE p.session_id = s.id)")
                .bind("s", sessionId).mapTo(Integer.class).one() > 0;
        // warm_up_only (V9) keeps a warm-up-only session out of analytics, also once a deletion replaces its reason.
        h.createUpdate("UPDATE sessions SET conversation_ms = :c, recorded_ms = :r, warm_up_only = :w WHERE id = :id")
                .bind("c", conversation).bind("r", covered).bind("w", warmUpOnly && readable > 0 ? 1 : 0)
                .bind("id", sessionId).execute();

        if (readable > 0) {
            // A pre-warm recording no client joined is kept, and says so (nothing is deleted silently).
            SessionStore.setStatus(h, sessionId, "ok", warmUpOnly ? WARM_UP_ONLY : null, nowMs);
        } else {
            String why = h.createQuery("SELECT coalesce((SELECT 'recording unreadable: ' || media_error FROM files "
                            + "WHERE session_id = :s AND kind = 'media' AND media_error IS NOT NULL LIMIT 1), "
                            + "(SELECT failure FROM recordings WHERE session_id = :s AND failure IS NOT NULL ORDER BY id DESC LIMIT 1))")
                    .bind("s", sessionId).mapTo(String.class).findOne().orElse(null);
            if (why == null) why = "technical_error".equals(status) && row.get("reason") != null
                    ? (String) row.get("reason") : "no recording was made";
            SessionStore.setStatus(h, sessionId, "technical_error", why, nowMs);
        }
    }

    public static List<Interval> presence(Handle h, long sessionId, long endedMs) {
        return h.createQuery("SELECT from_ms, coalesce(to_ms, :end) FROM client_presence WHERE session_id = :s ORDER BY from_ms")
                .bind("s", sessionId).bind("end", endedMs)
                .map((rs, ctx) -> new Interval(rs.getLong(1), rs.getLong(2))).list();
    }

    /**
     * When recorders were capturing: from Jibri's ON (or acceptance) to the stop, but never longer than
     * the media file actually is (a recorder that joined late has a shorter file).
     */
    public static List<Interval> recorded(Handle h, long sessionId) {
        return h.createQuery("SELECT r.started_ms, r.stopped_ms, (SELECT max(f.duration_ms) FROM files f "
                        + "WHERE f.recording_id = r.id AND f.kind = 'media' AND f.media_error IS NULL) "
                        + "FROM recordings r WHERE r.session_id = :s AND r.started_ms IS NOT NULL AND r.stopped_ms IS NOT NULL "
                        + "AND r.status = 'ingested'")
                .bind("s", sessionId)
                .map((rs, ctx) -> {
                    long from = rs.getLong(1);
                    long to = rs.getLong(2);
                    long dur = rs.getLong(3);
                    if (!rs.wasNull()) from = Math.max(from, to - dur);
                    return new Interval(from, to);
                }).list();
    }

    /** Total length of the parts of a that some interval of b covers. */
    public static long overlap(List<Interval> a, List<Interval> b) {
        List<Interval> merged = merge(b);
        long total = 0;
        for (Interval x : a) {
            for (Interval y : merged) {
                long from = Math.max(x.from(), y.from());
                long to = Math.min(x.to(), y.to());
                if (to > from) total += to - from;
            }
        }
        return total;
    }

    /** Parts of a not covered by b: the gaps in the record. */
    public static List<Interval> gaps(List<Interval> a, List<Interval> b) {
        List<Interval> merged = merge(b);
        List<Interval> out = new ArrayList<>();
        for (Interval x : a) {
            long cursor = x.from();
            for (Interval y : merged) {
                if (y.to() <= cursor || y.from() >= x.to()) continue;
                if (y.from() > cursor) out.add(new Interval(cursor, y.from()));
                cursor = Math.max(cursor, y.to());
            }
            if (cursor < x.to()) out.add(new Interval(cursor, x.to()));
        }
        return out;
    }

    static List<Interval> merge(List<Interval> in) {
        List<Interval> sorted = new ArrayList<>(in);
        sorted.sort((p, q) -> Long.compare(p.from(), q.from()));
        List<Interval> out = new ArrayList<>();
        for (Interval i : sorted) {
            if (!out.isEmpty() && i.from() <= out.get(out.size() - 1).to()) {
                Interval last = out.remove(out.size() - 1);
                out.add(new Interval(last.from(), Math.max(last.to(), i.to())));
            } else {
                out.add(i);
            }
        }
        return out;
    }
}
