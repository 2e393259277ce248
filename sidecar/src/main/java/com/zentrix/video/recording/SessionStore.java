package com.zentrix.video.recording;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Writes the lifecycle of sessions and their recorder attempts; every status change leaves history. */
public final class SessionStore {
    private final Jdbi jdbi;

    public SessionStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record RecordingRow(long id, long sessionId, String jibriSessionId, String jibriUrl, String status,
            Long startedMs, Long stoppedMs) {}

    public long openSession(String roomJid, String roomName, Participant staff, Participant client, long nowMs) {
        return jdbi.inTransaction(h -> {
            long id = insertSession(h, roomJid, roomName, staff, client, nowMs, "starting", null, null);
            history(h, id, "starting", null, nowMs);
            h.createUpdate("INSERT INTO client_presence (session_id, from_ms) VALUES (:s, :now)")
                    .bind("s", id).bind("now", nowMs).execute();
            return id;
        });
    }

    /** Why a warming session's recorder runs: shown with its status until a client joins. */
    public static final String WARMING = "warming up: the operator waits for a client";

    /** Pre-warm: a session for an operator waiting alone; no client, no presence until one joins. */
    public long openWarmup(String roomJid, String roomName, Participant staff, long nowMs) {
        return jdbi.inTransaction(h -> {
            long id = insertSession(h, roomJid, roomName, staff, null, nowMs, "starting", WARMING, nowMs);
            history(h, id, "starting", WARMING, nowMs);
            return id;
        });
    }

    private static long insertSession(Handle h, String roomJid, String roomName, Participant staff, Participant client,
            long nowMs, String status, String reason, Long prewarmMs) {
        return h.createUpdate("INSERT INTO sessions (room_jid, room_name, operator_jid, operator_user_id, "
                        + "operator_name, client_jid, client_user_id, client_name, client_email, client_phone, started_ms, status, reason, "
                        + "updated_ms, prewarm_ms) "
                        + "VALUES (:room, :name, :opJid, :opUser, :opName, :clJid, :clUser, :clName, :clEmail, :clPhone, :now, :st, :r, :now, :pw)")
                .bind("room", roomJid).bind("name", roomName)
                .bind("opJid", staff.jid()).bind("opUser", staff.userId()).bind("opName", staff.displayName())
                .bind("clJid", client == null ? null : client.jid()).bind("clUser", client == null ? null : client.userId())
                .bind("clName", client == null ? null : client.displayName())
                .bind("clEmail", client == null ? null : client.email()).bind("clPhone", client == null ? null : client.phone())
                .bind("now", nowMs).bind("st", status).bind("r", reason).bind("pw", prewarmMs)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /**
     * Pre-warm: the client joined the warming session, which becomes the conversation. joinedMs is
     * Prosody's time of the join (where ingest cuts), null when the join is known only from a snapshot.
     * The session's start is now, as for any session; the warm-up began at prewarm_ms.
     */
    public void clientJoinedWarmup(long sessionId, Participant client, Long joinedMs, long nowMs) {
        jdbi.useTransaction(h -> {
            h.createUpdate("UPDATE sessions SET client_jid = :clJid, client_user_id = :clUser, client_name = :clName, "
                            + "client_email = :clEmail, client_phone = :clPhone, started_ms = :now, client_joined_ms = :j, "
                            + "prewarm_note = :note, updated_ms = :now WHERE id = :id")
                    .bind("clJid", client.jid()).bind("clUser", client.userId()).bind("clName", client.displayName())
                    .bind("clEmail", client.email()).bind("clPhone", client.phone()).bind("now", nowMs).bind("j", joinedMs)
                    .bind("note", joinedMs == null ? "not cut: the client's join time is unknown (learnt from Prosody's snapshot)" : null)
                    .bind("id", sessionId).execute();
            h.createUpdate("INSERT INTO client_presence (session_id, from_ms) VALUES (:s, :now)")
                    .bind("s", sessionId).bind("now", nowMs).execute();
            String status = h.createQuery("SELECT status FROM sessions WHERE id = :id").bind("id", sessionId).mapTo(String.class).one();
            setStatus(h, sessionId, status, null, nowMs);
        });
    }

    public void setStatus(long sessionId, String status, String reason, long nowMs) {
        jdbi.useTransaction(h -> setStatus(h, sessionId, status, reason, nowMs));
    }

    static void setStatus(Handle h, long sessionId, String status, String reason, long nowMs) {
        int changed = h.createUpdate("UPDATE sessions SET status = :st, reason = :r, updated_ms = :now "
                        + "WHERE id = :id AND (status <> :st OR coalesce(reason, '') <> coalesce(:r, ''))")
                .bind("st", status).bind("r", reason).bind("now", nowMs).bind("id", sessionId).execute();
        if (changed > 0) history(h, sessionId, status, reason, nowMs);
    }

    static void history(Handle h, long sessionId, String status, String reason, long nowMs) {
        h.createUpdate("INSERT INTO session_history (session_id, status, reason, at_ms) VALUES (:s, :st, :r, :now)")
                .bind("s", sessionId).bind("st", status).bind("r", reason).bind("now", nowMs).execute();
    }

    public Optional<String> status(long sessionId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT status FROM sessions WHERE id = :id")
                .bind("id", sessionId).mapTo(String.class).findOne());
    }

    public void clientArrived(long sessionId, long nowMs) {
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO client_presence (session_id, from_ms) "
                        + "SELECT :s, :now WHERE NOT EXISTS (SELECT 1 FROM client_presence WHERE session_id = :s AND to_ms IS NULL)")
                .bind("s", sessionId).bind("now", nowMs).execute());
    }

    public void clientGone(long sessionId, long nowMs) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE client_presence SET to_ms = :now WHERE session_id = :s AND to_ms IS NULL")
                .bind("s", sessionId).bind("now", nowMs).execute());
    }

    /** Ends the session: stopping while a recorder still has to hand its files over, else settled. */
    public void endSession(long sessionId, String stopReason, long conversationEndedMs, long nowMs) {
        endSession(sessionId, stopReason, conversationEndedMs, nowMs, null);
    }

    /**
     * Ends the session and, in the same transaction, marks its recorder's stop as asked
     * ({@code stoppingRecordingId}, null for none): a crash can never leave the one written without the
     * other (ChurnCrashIT caught a SIGKILL between the two writes: an open session whose recording said
     * 'stopping' was neither adopted with its recorder nor found among the unfinished stops, and its
     * Jibri recorded the empty room on).
     */
    public void endSession(long sessionId, String stopReason, long conversationEndedMs, long nowMs, Long stoppingRecordingId) {
        jdbi.useTransaction(h -> {
            if (stoppingRecordingId != null) markStopping(h, stoppingRecordingId, nowMs);
            h.createUpdate("UPDATE sessions SET ended_ms = :end, updated_ms = :now WHERE id = :id AND ended_ms IS NULL")
                    .bind("end", conversationEndedMs).bind("now", nowMs).bind("id", sessionId).execute();
            h.createUpdate("UPDATE client_presence SET to_ms = :end WHERE session_id = :s AND to_ms IS NULL")
                    .bind("s", sessionId).bind("end", conversationEndedMs).execute();
            boolean pending = h.createQuery("SELECT count(*) FROM recordings WHERE session_id = :s "
                            + "AND status IN ('requested', 'recording', 'stopping', 'stopped')")
                    .bind("s", sessionId).mapTo(Integer.class).one() > 0;
            String current = h.createQuery("SELECT status FROM sessions WHERE id = :id").bind("id", sessionId)
                    .mapTo(String.class).one();
            if (pending && !current.equals("technical_error")) setStatus(h, sessionId, "stopping", "stopped: " + stopReason, nowMs);
            SessionSettler.settle(h, sessionId, nowMs);
        });
    }

    public long newRecording(long sessionId, String jibriSessionId, long nowMs) {
        return jdbi.withHandle(h -> h.createUpdate("INSERT INTO recordings (session_id, jibri_session_id, requested_ms, status) "
                        + "VALUES (:s, :j, :now, 'requested')")
                .bind("s", sessionId).bind("j", jibriSessionId).bind("now", nowMs)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
    }

    /** The controller assigned its own recorder session id (Jicofo does): the folder will carry that name. */
    public void renameRecording(long recordingId, String jibriSessionId) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE recordings SET jibri_session_id = :j WHERE id = :id")
                .bind("j", jibriSessionId).bind("id", recordingId).execute());
    }

    public void recordingAccepted(long recordingId, String jibriUrl, long nowMs) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE recordings SET jibri_url = :u, status = 'recording', "
                        + "started_ms = coalesce(started_ms, :now) WHERE id = :id AND status = 'requested'")
                .bind("u", jibriUrl).bind("now", nowMs).bind("id", recordingId).execute());
    }

    /** Jibri says capture runs: the precise start of recorded time. */
    public void recordingOn(long recordingId, long nowMs) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE recordings SET started_ms = :now, on_ms = :now, "
                        + "status = CASE WHEN status = 'requested' THEN 'recording' ELSE status END "
                        + "WHERE id = :id AND status IN ('requested', 'recording')")
                .bind("now", nowMs).bind("id", recordingId).execute());
    }

    /** Whether the recorder had said capture runs (ON) for this recording. */
    public boolean recordingWasOn(long recordingId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT on_ms IS NOT NULL FROM recordings WHERE id = :id")
                .bind("id", recordingId).mapTo(Boolean.class).findOne().orElse(false));
    }

    public void recordingFailed(long recordingId, String failure, long nowMs) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE recordings SET status = 'failed', failure = :f, "
                        + "stopped_ms = coalesce(stopped_ms, :now) WHERE id = :id AND status NOT IN ('ingested', 'failed')")
                .bind("f", failure).bind("now", nowMs).bind("id", recordingId).execute());
    }

    public void recordingStopping(long recordingId, long nowMs) {
        jdbi.useHandle(h -> markStopping(h, recordingId, nowMs));
    }

    /** The recorder's stop is asked (and not yet seen through). */
    private static void markStopping(Handle h, long recordingId, long nowMs) {
        h.createUpdate("UPDATE recordings SET status = 'stopping', stopped_ms = coalesce(stopped_ms, :now) "
                        + "WHERE id = :id AND status IN ('requested', 'recording')")
                .bind("now", nowMs).bind("id", recordingId).execute();
    }

    /** The recorder has stopped (stopService returned or Jibri said OFF): its files are on their way. */
    public void recordingStopped(long recordingId, long nowMs) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE recordings SET status = 'stopped', stopped_ms = coalesce(stopped_ms, :now) "
                        + "WHERE id = :id AND status IN ('requested', 'recording', 'stopping')")
                .bind("now", nowMs).bind("id", recordingId).execute());
    }

    /**
     * Jibri's stopService has returned, and with it its finalize script (Jibri runs it inside stop).
     * A recorder that never captured and handed nothing over recorded nothing: no files will come.
     */
    public void recorderStopReturned(long recordingId, String jibriSessionId, long nowMs) {
        jdbi.useTransaction(h -> {
            boolean handedOver = h.createQuery("SELECT count(*) FROM handovers WHERE dir_name = :d")
                    .bind("d", jibriSessionId).mapTo(Integer.class).one() > 0;
            int nothing = handedOver ? 0 : h.createUpdate("UPDATE recordings SET status = 'failed', "
                            + "failure = 'stopped before the recorder was capturing; nothing was recorded', "
                            + "stopped_ms = coalesce(stopped_ms, :now) "
                            + "WHERE id = :id AND on_ms IS NULL AND status IN ('requested', 'recording', 'stopping', 'stopped')")
                    .bind("now", nowMs).bind("id", recordingId).execute();
            if (nothing == 0) {
                h.createUpdate("UPDATE recordings SET status = 'stopped', stopped_ms = coalesce(stopped_ms, :now) "
                                + "WHERE id = :id AND status IN ('requested', 'recording', 'stopping')")
                        .bind("now", nowMs).bind("id", recordingId).execute();
            }
            long sessionId = h.createQuery("SELECT session_id FROM recordings WHERE id = :id").bind("id", recordingId)
                    .mapTo(Long.class).one();
            SessionSettler.settle(h, sessionId, nowMs);
        });
    }

    /** A session that was running when the sidecar stopped, with its live recorder attempt if any. */
    public record OpenSession(long id, String roomJid, String roomName, long startedMs, int attempts, RecordingRow live) {}

    public List<OpenSession> openSessions() {
        return jdbi.withHandle(h -> h.createQuery("SELECT s.id, s.room_jid, s.room_name, s.started_ms, "
                        + "(SELECT count(*) FROM recordings r WHERE r.session_id = s.id) AS attempts, "
                        + "(SELECT max(r.id) FROM recordings r WHERE r.session_id = s.id AND r.status IN ('requested', 'recording')) AS live "
                        + "FROM sessions s WHERE s.ended_ms IS NULL AND s.status IN ('starting', 'recording', 'technical_error') ORDER BY s.id")
                .map((rs, ctx) -> {
                    long live = rs.getLong(6);
                    boolean hasLive = !rs.wasNull();
                    return new OpenSession(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getInt(5),
                            hasLive ? recordingById(h, live) : null);
                }).list());
    }

    /** A stop asked of a recorder that was never seen through (a restart came first). */
    public record UnfinishedStop(long sessionId, String roomJid, String roomName, long recordingId, String jibriSessionId,
            String jibriUrl) {}

    /**
     * Recordings whose stop was asked and never answered: the sidecar stopped before the
     * recorder did (or the stop was lost), so it may record still. With {@code newestPerRecorder} (recorders
     * asked directly, one call at a time), only where the stop is the last thing that recorder was asked:
     * a later start on it means the stop had gone through.
     */
    public List<UnfinishedStop> unfinishedStops(boolean newestPerRecorder) {
        return jdbi.withHandle(h -> h.createQuery("SELECT s.id, s.room_jid, s.room_name, r.id, r.jibri_session_id, r.jibri_url "
                        + "FROM recordings r JOIN sessions s ON s.id = r.session_id "
                        + "WHERE r.status = 'stopping' AND r.jibri_url IS NOT NULL "
                        + "AND (:newest = 0 OR NOT EXISTS (SELECT 1 FROM recordings n WHERE n.jibri_url = r.jibri_url AND n.id > r.id)) "
                        + "ORDER BY r.id")
                .bind("newest", newestPerRecorder ? 1 : 0)
                .map((rs, ctx) -> new UnfinishedStop(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), rs.getString(6))).list());
    }

    /** A recording row's status (requested, recording, stopping, stopped, ingested, failed). */
    public Optional<String> recordingStatus(long recordingId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT status FROM recordings WHERE id = :id")
                .bind("id", recordingId).mapTo(String.class).findOne());
    }

    private static RecordingRow recordingById(Handle h, long id) {
        return h.createQuery("SELECT id, session_id, jibri_session_id, jibri_url, status, started_ms, stopped_ms FROM recordings WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> new RecordingRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7))).one();
    }

    /**
     * The recording of this room that was under way when a file began (a minute's slack either side)
     * and has neither files nor a hand-over yet: how a folder with an unknown name finds its session.
     */
    public Optional<RecordingRow> recordingByRoomAndTime(String roomName, long fileStartMs) {
        return jdbi.withHandle(h -> h.createQuery("SELECT r.id, r.session_id, r.jibri_session_id, r.jibri_url, r.status, r.started_ms, "
                        + "r.stopped_ms FROM recordings r JOIN sessions s ON s.id = r.session_id "
                        + "WHERE s.room_name = :room AND r.requested_ms <= :t + 60000 "
                        + "AND coalesce(r.stopped_ms, :t) >= :t - 60000 AND r.status <> 'ingested' "
                        + "AND NOT EXISTS (SELECT 1 FROM files f WHERE f.recording_id = r.id) "
                        + "AND NOT EXISTS (SELECT 1 FROM handovers ho WHERE ho.dir_name = r.jibri_session_id) "
                        + "ORDER BY abs(coalesce(r.started_ms, r.requested_ms) - :t) LIMIT 1")
                .bind("room", roomName).bind("t", fileStartMs)
                .map((rs, ctx) -> new RecordingRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7)))
                .findOne());
    }

    public Optional<RecordingRow> recordingByJibriId(String jibriSessionId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, session_id, jibri_session_id, jibri_url, status, started_ms, stopped_ms "
                        + "FROM recordings WHERE jibri_session_id = :j")
                .bind("j", jibriSessionId)
                .map((rs, ctx) -> new RecordingRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), nullableLong(rs, 6), nullableLong(rs, 7)))
                .findOne());
    }

    private static Long nullableLong(java.sql.ResultSet rs, int column) throws java.sql.SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** Recorders that were stopped long ago and never handed over their files (a hand-over still being ingested is not late). */
    public List<Long> sessionsAwaitingFiles(long stoppedBeforeMs) {
        return jdbi.withHandle(h -> h.createQuery("SELECT DISTINCT session_id FROM recordings r "
                        + "WHERE status IN ('stopping', 'stopped') AND stopped_ms < :t "
                        + "AND NOT EXISTS (SELECT 1 FROM handovers ho WHERE ho.dir_name = r.jibri_session_id)")
                .bind("t", stoppedBeforeMs).mapTo(Long.class).list());
    }

    /** Gives up waiting for a recorder's files: its recording failed; the session settles. */
    public void finalizeTimedOut(long sessionId, long nowMs) {
        jdbi.useTransaction(h -> {
            h.createUpdate("UPDATE recordings SET status = 'failed', failure = 'finalize never arrived' "
                            + "WHERE session_id = :s AND status IN ('stopping', 'stopped')")
                    .bind("s", sessionId).execute();
            SessionSettler.settle(h, sessionId, nowMs);
        });
    }

    /**
     * A hand-over of an ended session could not be ingested (full disk, lock): the card says why until a
     * retry succeeds and settles it. A session still going on, or already settled, keeps its status.
     */
    public void ingestFailed(long sessionId, String reason, long nowMs) {
        jdbi.useTransaction(h -> {
            boolean ended = h.createQuery("SELECT count(*) FROM sessions WHERE id = :id AND ended_ms IS NOT NULL "
                    + "AND status NOT IN ('ok', 'deleted')").bind("id", sessionId).mapTo(Integer.class).one() > 0;
            if (ended) setStatus(h, sessionId, "technical_error", reason, nowMs);
        });
    }

    public void settle(long sessionId, long nowMs) {
        jdbi.useTransaction(h -> SessionSettler.settle(h, sessionId, nowMs));
    }
}
