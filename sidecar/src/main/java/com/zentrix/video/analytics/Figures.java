package com.zentrix.video.analytics;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sums for a period, a day, an operator or a room, and what follows from them. The counting rule
 * is in V7 (analytics_measure; V9 leaves warm-up-only sessions out) and docs/analytics.md: every
 * session counts in the local day it started; the error share is technical errors ÷ sessions whose
 * outcome is known (ok + technical_error); coverage is recorded ÷ conversation time of the settled
 * sessions.
 */
public record Figures(long sessions, long ended, long talkMs, long ok, long errors, long deleted, long conversationMs,
        long recordedMs) {

    public static final Figures ZERO = new Figures(0, 0, 0, 0, 0, 0, 0, 0);

    /** The SQL sums, in the order {@link #read} takes them; the table is aliased {@code s}. */
    static final String SUMS = "coalesce(sum(s.sessions), 0), coalesce(sum(s.ended), 0), coalesce(sum(s.duration_ms), 0), "
            + "coalesce(sum(s.ok), 0), coalesce(sum(s.errors), 0), coalesce(sum(s.deleted), 0), "
            + "coalesce(sum(s.conversation_ms), 0), coalesce(sum(s.recorded_ms), 0)";

    /** Reads the eight sums starting at a 1-based column. */
    static Figures read(ResultSet rs, int first) throws SQLException {
        return new Figures(rs.getLong(first), rs.getLong(first + 1), rs.getLong(first + 2), rs.getLong(first + 3),
                rs.getLong(first + 4), rs.getLong(first + 5), rs.getLong(first + 6), rs.getLong(first + 7));
    }

    public Figures plus(Figures o) {
        return new Figures(sessions + o.sessions, ended + o.ended, talkMs + o.talkMs, ok + o.ok, errors + o.errors,
                deleted + o.deleted, conversationMs + o.conversationMs, recordedMs + o.recordedMs);
    }

    /** Average duration of the ended sessions; null when none ended. */
    public Long averageMs() {
        return ended == 0 ? null : Math.round((double) talkMs / ended);
    }

    public Double errorShare() {
        return ok + errors == 0 ? null : (double) errors / (ok + errors);
    }

    public Double coverage() {
        return conversationMs == 0 ? null : Math.min(1.0, (double) recordedMs / conversationMs);
    }

    /** Column names of {@link #values()}, as JSON keys and CSV headers. */
    public static final List<String> COLUMNS = List.of("sessions", "ended", "talk_ms", "average_ms", "ok", "technical_errors",
            "deleted", "error_share", "conversation_ms", "recorded_ms", "coverage");

    public List<Object> values() {
        return java.util.Arrays.asList(sessions, ended, talkMs, averageMs(), ok, errors, deleted, round(errorShare()),
                conversationMs, recordedMs, round(coverage()));
    }

    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> v = values();
        for (int i = 0; i < COLUMNS.size(); i++) out.put(COLUMNS.get(i), v.get(i));
        return out;
    }

    /** Shares to six decimals: enough for any display, stable in CSV. */
    private static Double round(Double d) {
        return d == null ? null : Math.round(d * 1e6) / 1e6;
    }
}
