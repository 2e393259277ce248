package com.zentrix.video.live;

import com.zentrix.video.archive.Access;
import com.zentrix.video.recording.RecordingCoordinator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The rooms in use now, from the coordinator's live view and each session's row; and the watch that
 * raises an alert when a client is present while nothing records: at once when the session is a
 * technical error, after {@code alertAfter} when it is merely not recording yet (a recorder needs a
 * few seconds to join). Each alert is raised once per episode and sent to the webhook. Runs on its own
 * scheduler: the recording loop only hands over a snapshot of its rooms.
 */
public final class LiveBoard {
    private static final Logger log = LoggerFactory.getLogger(LiveBoard.class);

    /** What the board needs of the coordinator: its current rooms. */
    public interface Rooms {
        List<RecordingCoordinator.RoomView> rooms() throws Exception;
    }

    private final Rooms coordinator;
    private final Jdbi jdbi;
    private final Clock clock;
    private final Duration alertAfter;
    private final AlertWebhook webhook;
    /** Session id -> since when a client has been there with nothing recording (touched by check() only). */
    private final Map<Long, Long> notRecordingSince = new HashMap<>();
    private volatile Map<Long, Alert> alerts = Map.of();

    public LiveBoard(Rooms coordinator, Jdbi jdbi, Clock clock, Duration alertAfter, AlertWebhook webhook) {
        this.coordinator = coordinator;
        this.jdbi = jdbi;
        this.clock = clock;
        this.alertAfter = alertAfter;
        this.webhook = webhook;
    }

    /** A session's row as the board shows it. */
    record SessionRow(long id, String status, String reason, long startedMs, String operatorName, String operatorJid) {}

    private Map<Long, SessionRow> sessions(Access access, Set<Long> ids) {
        if (ids.isEmpty()) return Map.of();
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT s.id, s.status, s.reason, s.started_ms, s.operator_name, s.operator_jid FROM sessions s "
                    + "WHERE s.id IN (<ids>) AND " + access.predicate()).bindList("ids", List.copyOf(ids));
            access.binds().forEach(q::bind);
            return q.map((rs, ctx) -> new SessionRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                    rs.getString(5), rs.getString(6))).stream().collect(Collectors.toMap(SessionRow::id, r -> r));
        });
    }

    /** One pass of the watch; scheduled every check interval. */
    public void check() throws Exception {
        long now = clock.millis();
        List<RecordingCoordinator.RoomView> rooms = coordinator.rooms();
        Set<Long> ids = rooms.stream().map(RecordingCoordinator.RoomView::sessionId).filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());
        Map<Long, SessionRow> rows = sessions(Access.everything(), ids);
        Map<Long, Alert> next = new LinkedHashMap<>();
        for (RecordingCoordinator.RoomView r : rooms) {
            SessionRow s = r.sessionId() == null ? null : rows.get(r.sessionId());
            if (s == null || r.clients() == 0 || "recording".equals(s.status())) continue;
            long since = notRecordingSince.computeIfAbsent(s.id(), k -> now);
            String reason = "technical_error".equals(s.status()) ? "technical_error"
                    : now - since >= alertAfter.toMillis() ? "not_recording" : null;
            if (reason == null) continue;
            Alert known = alerts.get(s.id());
            Alert a = known != null && known.reason().equals(reason) ? known
                    : new Alert(r.name(), s.id(), reason, s.reason(), since, now);
            next.put(s.id(), a);
            if (a != known) {
                MDC.put("room", r.name());
                MDC.put("session", Long.toString(s.id()));
                try {
                    log.warn("alert: client present but nothing records room={} session={} reason={} detail={} since={}ms",
                            r.name(), s.id(), reason, s.reason(), now - since);
                } finally {
                    MDC.remove("room");
                    MDC.remove("session");
                }
                webhook.send(a);
            }
        }
        notRecordingSince.keySet().removeIf(id -> {
            RecordingCoordinator.RoomView r = rooms.stream().filter(v -> id.equals(v.sessionId())).findFirst().orElse(null);
            SessionRow s = rows.get(id);
            return r == null || r.clients() == 0 || s == null || "recording".equals(s.status());
        });
        for (Long gone : alerts.keySet()) {
            if (!next.containsKey(gone)) log.info("alert over session={}", gone);
        }
        alerts = Map.copyOf(next);
    }

    /** The board as this reader may see it: rooms of their own sessions only, unless they see everything. */
    public Map<String, Object> view(Access access) throws Exception {
        List<RecordingCoordinator.RoomView> rooms = coordinator.rooms();
        Set<Long> ids = rooms.stream().map(RecordingCoordinator.RoomView::sessionId).filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());
        Map<Long, SessionRow> rows = sessions(access, ids);
        Map<Long, Alert> current = alerts;
        List<Map<String, Object>> out = new ArrayList<>();
        for (RecordingCoordinator.RoomView r : rooms) {
            SessionRow s = r.sessionId() == null ? null : rows.get(r.sessionId());
            if (s == null && !access.unrestricted()) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("room", r.name());
            m.put("phase", r.phase().name().toLowerCase(java.util.Locale.ROOT));
            m.put("staff", r.staff());
            m.put("clients", r.clients());
            m.put("session", r.sessionId());
            m.put("since_ms", s == null ? null : s.startedMs());
            m.put("status", s == null ? null : s.status());
            m.put("status_reason", s == null ? null : s.reason());
            m.put("operator_name", s == null ? null : s.operatorName());
            m.put("recorder", r.jibriUrl());
            m.put("recording", s != null && "recording".equals(s.status()));
            Alert a = s == null ? null : current.get(s.id());
            m.put("alert", a == null ? null : Map.of("reason", a.reason(), "since_ms", a.sinceMs()));
            out.add(m);
        }
        out.sort(java.util.Comparator.comparing(m -> String.valueOf(m.get("room"))));
        Map<String, Object> board = new LinkedHashMap<>();
        board.put("now_ms", clock.millis());
        board.put("rooms", out);
        board.put("alerts", out.stream().filter(m -> m.get("alert") != null).count());
        return board;
    }
}
