package com.zentrix.video.archive;

import com.zentrix.video.recording.SessionSettler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/** Reads sessions for the API and UI, always through an {@link Access} predicate. */
public final class SessionQueries {
    static final String CARD = "SELECT s.id, s.room_jid, s.room_name, s.origin, s.operator_jid, s.operator_user_id, "
            + "coalesce(s.operator_name, (SELECT display_name FROM users u WHERE u.xmpp_jid = s.operator_jid)) AS operator_name, "
            + "s.client_jid, s.client_user_id, s.client_name, s.started_ms, s.ended_ms, "
            + "CASE WHEN s.ended_ms IS NULL THEN NULL ELSE s.ended_ms - s.started_ms END AS duration_ms, "
            + "s.status, s.reason, s.conversation_ms, s.recorded_ms, s.sensitive, s.needs_review, s.reviewed_ms, "
            + "s.note_count, s.legal_hold, s.legal_hold_reason, s.deleted_ms, s.deleted_by, s.deleted_why, "
            + "s.prewarm_ms, s.client_joined_ms, s.prewarm_note, "
            // The verified mark: true when every stored file matched its ingest SHA-256 at the last check,
            // false when one did not, null when not (all) checked yet or nothing is stored.
            + "(SELECT CASE WHEN count(*) = 0 THEN NULL WHEN sum(f.verify_error IS NOT NULL) > 0 THEN 0 "
            + "WHEN sum(f.verified_ms IS NULL) > 0 THEN NULL ELSE 1 END FROM files f "
            + "WHERE f.session_id = s.id AND f.deleted_ms IS NULL) AS verified FROM sessions s ";

    private final Jdbi jdbi;

    public SessionQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Page(List<Map<String, Object>> items, String next) {}

    public Page list(Access access, SessionFilter f) {
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>(access.binds());
        where.add(access.predicate());
        if (f.fromMs() != null) {
            where.add("s.started_ms >= :from");
            binds.put("from", f.fromMs());
        }
        if (f.toMs() != null) {
            where.add("s.started_ms < :to");
            binds.put("to", f.toMs());
        }
        if (f.operator() != null) {
            // A JID has an @, a JWT user id is matched as given: one indexed equality either way.
            boolean jid = f.operator().contains("@");
            where.add(jid ? "s.operator_jid = :op" : "s.operator_user_id = :op");
            binds.put("op", jid ? f.operator().toLowerCase(java.util.Locale.ROOT) : f.operator());
        }
        if (f.room() != null) {
            where.add("s.room_name = :room");
            binds.put("room", f.room());
        }
        if (f.status() != null) {
            where.add("s.status = :status");
            binds.put("status", f.status());
        }
        if ("sensitive".equals(f.flag())) where.add("s.sensitive = 1");
        if ("needs_review".equals(f.flag())) where.add("s.needs_review = 1");
        String from = "FROM sessions s ";
        // Searching newest first walks the full-text index itself in reverse session order (sessions are
        // numbered as they start), stopping at a page: a common name matching a hundred thousand
        // sessions costs no more than a rare one. Other sorts filter by the matches and sort.
        boolean ftsDriven = false;
        if (f.text() != null) {
            String fts = f.ftsQuery();
            if (fts == null) return new Page(List.of(), null);
            binds.put("fts", fts);
            if (f.sort() == SessionFilter.Sort.STARTED && !f.ascending()) {
                ftsDriven = true;
                from = "FROM session_text JOIN sessions s ON s.id = session_text.rowid ";
                where.add("session_text MATCH :fts");
            } else {
                where.add("s.id IN (SELECT rowid FROM session_text WHERE session_text MATCH :fts)");
            }
        }
        String key = f.sort().sql;
        String cmp = f.ascending() ? ">" : "<";
        if (f.after() != null && ftsDriven) {
            where.add("session_text.rowid < :after_id");
            binds.put("after_id", f.after().id());
        } else if (f.after() != null) {
            where.add("(" + key + ", s.id) " + cmp + " (:after_v, :after_id)");
            binds.put("after_v", f.sort() == SessionFilter.Sort.ROOM ? f.after().value() : (Object) Long.parseLong(f.after().value()));
            binds.put("after_id", f.after().id());
        }
        String dir = f.ascending() ? "ASC" : "DESC";
        String sql = CARD.replace("FROM sessions s ", from) + "WHERE " + String.join(" AND ", where)
                + (ftsDriven ? " ORDER BY session_text.rowid DESC" : " ORDER BY " + key + " " + dir + ", s.id " + dir)
                + " LIMIT :limit";
        binds.put("limit", f.limit() + 1);
        List<Map<String, Object>> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql);
            binds.forEach(q::bind);
            return q.mapToMap().list();
        });
        String next = null;
        if (rows.size() > f.limit()) {
            rows = rows.subList(0, f.limit());
            Map<String, Object> last = rows.get(rows.size() - 1);
            Object v = switch (f.sort()) {
                case STARTED -> last.get("started_ms");
                case DURATION -> last.get("duration_ms") == null ? -1L : last.get("duration_ms");
                case ROOM -> last.get("room_name");
            };
            next = new SessionFilter.Cursor(String.valueOf(v), ((Number) last.get("id")).longValue()).encode();
        }
        return new Page(rows.stream().map(SessionQueries::card).toList(), next);
    }

    /** The card of one session this principal may see. */
    public Optional<Map<String, Object>> card(Access access, long id) {
        return jdbi.withHandle(h -> card(h, access, id));
    }

    static Optional<Map<String, Object>> card(Handle h, Access access, long id) {
        Query q = h.createQuery(CARD + "WHERE s.id = :id AND " + access.predicate()).bind("id", id);
        access.binds().forEach(q::bind);
        return q.mapToMap().findOne().map(SessionQueries::card);
    }

    /** Everything about one session: card, history, recordings, files, coverage gaps, notes, flags. */
    public Optional<Map<String, Object>> detail(Access access, long id) {
        return jdbi.withHandle(h -> {
            Optional<Map<String, Object>> card = card(h, access, id);
            if (card.isEmpty()) return card;
            Map<String, Object> out = card.get();
            out.put("history", h.createQuery("SELECT status, reason, at_ms FROM session_history WHERE session_id = :id ORDER BY id")
                    .bind("id", id).mapToMap().list());
            out.put("recordings", h.createQuery("SELECT id, jibri_session_id, jibri_url, requested_ms, started_ms, stopped_ms, status, failure "
                            + "FROM recordings WHERE session_id = :id ORDER BY id")
                    .bind("id", id).mapToMap().list());
            out.put("files", h.createQuery("SELECT id, recording_id, kind, path, original_name, size_bytes, sha256, duration_ms, "
                            + "media_error, ingested_ms, deleted_ms, verified_ms, verify_error, trimmed_from, trim_start_ms FROM files WHERE session_id = :id ORDER BY id")
                    .bind("id", id).mapToMap().list());
            Object ended = out.get("ended_ms");
            long end = ended != null ? ((Number) ended).longValue() : System.currentTimeMillis();
            var presence = SessionSettler.presence(h, id, end);
            var recorded = SessionSettler.recorded(h, id);
            out.put("client_present", presence.stream().map(i -> Map.of("from_ms", i.from(), "to_ms", i.to())).toList());
            out.put("gaps", SessionSettler.gaps(presence, recorded).stream()
                    .map(i -> Map.of("from_ms", i.from(), "to_ms", i.to())).toList());
            out.put("notes", Notes.list(h, id));
            out.put("flags", h.createQuery("SELECT s.sensitive, s.sensitive_ms, us.username AS sensitive_by, "
                            + "s.needs_review, s.needs_review_ms, ur.username AS needs_review_by, "
                            + "s.reviewed_ms, uv.username AS reviewed_by FROM sessions s "
                            + "LEFT JOIN users us ON us.id = s.sensitive_by LEFT JOIN users ur ON ur.id = s.needs_review_by "
                            + "LEFT JOIN users uv ON uv.id = s.reviewed_by WHERE s.id = :id")
                    .bind("id", id).mapToMap().one());
            out.put("flag_history", h.createQuery("SELECT f.flag, f.value, f.at_ms, u.username AS by FROM flag_history f "
                            + "LEFT JOIN users u ON u.id = f.user_id WHERE f.session_id = :id ORDER BY f.id")
                    .bind("id", id).mapToMap().list());
            return Optional.of(out);
        });
    }

    private static Map<String, Object> card(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>(row);
        out.put("sensitive", ((Number) row.get("sensitive")).intValue() != 0);
        out.put("needs_review", ((Number) row.get("needs_review")).intValue() != 0);
        out.put("legal_hold", ((Number) row.get("legal_hold")).intValue() != 0);
        out.put("verified", row.get("verified") == null ? null : ((Number) row.get("verified")).intValue() != 0);
        Object conv = row.get("conversation_ms");
        Object rec = row.get("recorded_ms");
        out.put("coverage", conv instanceof Number c && rec instanceof Number r && c.longValue() > 0
                ? Math.min(1.0, r.doubleValue() / c.doubleValue()) : null);
        return out;
    }
}
