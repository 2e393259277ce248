package com.zentrix.video.archive;

import com.zentrix.video.recording.SessionSettler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reads sessions for the API: the newest-first list and one session with everything about it. */
public final class SessionQueries {
    private static final String CARD = "SELECT s.id, s.room_jid, s.room_name, s.origin, s.operator_jid, s.operator_user_id, "
            + "s.operator_name, s.client_jid, s.client_user_id, s.client_name, s.started_ms, s.ended_ms, "
            + "CASE WHEN s.ended_ms IS NULL THEN NULL ELSE s.ended_ms - s.started_ms END AS duration_ms, "
            + "s.status, s.reason, s.conversation_ms, s.recorded_ms FROM sessions s ";

    private final Jdbi jdbi;

    public SessionQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Newest first; {@code before} is the id of the last card of the previous page (keyset paging). */
    public List<Map<String, Object>> list(int limit, Long beforeId) {
        return jdbi.withHandle(h -> {
            if (beforeId == null) {
                return h.createQuery(CARD + "ORDER BY s.started_ms DESC, s.id DESC LIMIT :limit")
                        .bind("limit", limit).mapToMap().list();
            }
            return h.createQuery(CARD + "WHERE (s.started_ms, s.id) < "
                            + "(SELECT started_ms, id FROM sessions WHERE id = :before) "
                            + "ORDER BY s.started_ms DESC, s.id DESC LIMIT :limit")
                    .bind("before", beforeId).bind("limit", limit).mapToMap().list();
        }).stream().map(SessionQueries::withCoverage).toList();
    }

    public Optional<Map<String, Object>> get(long id) {
        return jdbi.withHandle(h -> {
            Optional<Map<String, Object>> card = h.createQuery(CARD + "WHERE s.id = :id").bind("id", id).mapToMap().findOne();
            if (card.isEmpty()) return card;
            Map<String, Object> out = withCoverage(card.get());
            out.put("history", h.createQuery("SELECT status, reason, at_ms FROM session_history WHERE session_id = :id ORDER BY id")
                    .bind("id", id).mapToMap().list());
            out.put("recordings", h.createQuery("SELECT id, jibri_session_id, jibri_url, requested_ms, started_ms, stopped_ms, status, failure "
                            + "FROM recordings WHERE session_id = :id ORDER BY id")
                    .bind("id", id).mapToMap().list());
            out.put("files", h.createQuery("SELECT id, recording_id, kind, path, original_name, size_bytes, sha256, duration_ms, "
                            + "media_error, ingested_ms FROM files WHERE session_id = :id ORDER BY id")
                    .bind("id", id).mapToMap().list());
            Long ended = (Long) card.get().get("ended_ms");
            long end = ended != null ? ended : System.currentTimeMillis();
            var presence = SessionSettler.presence(h, id, end);
            var recorded = SessionSettler.recorded(h, id);
            out.put("client_present", presence.stream().map(i -> Map.of("from_ms", i.from(), "to_ms", i.to())).toList());
            out.put("gaps", SessionSettler.gaps(presence, recorded).stream()
                    .map(i -> Map.of("from_ms", i.from(), "to_ms", i.to())).toList());
            return Optional.of(out);
        });
    }

    private static Map<String, Object> withCoverage(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>(row);
        Object conv = row.get("conversation_ms");
        Object rec = row.get("recorded_ms");
        if (conv instanceof Number c && rec instanceof Number r && c.longValue() > 0) {
            out.put("coverage", Math.min(1.0, r.doubleValue() / c.doubleValue()));
        } else {
            out.put("coverage", null);
        }
        return out;
    }
}
