-- Analytics leave out warm-up-only sessions (docs/analytics.md, "The counting rule"): a pre-warm
-- session no client joined, which ended ok with its recording kept (recording/SessionSettler.WARM_UP_ONLY),
-- is no conversation and counts nowhere. The mark is a column, set by the settler when it gives that
-- outcome, so that it stays when the reason is later replaced (a deletion writes its own).
--
-- The rule stays in one place, V7's view analytics_measure (its WHERE); analytics_pending carries the
-- mark; the three sessions triggers and the zone recompute (analytics/ZoneTable.java) copy it along.

ALTER TABLE sessions ADD COLUMN warm_up_only INTEGER NOT NULL DEFAULT 0 CHECK (warm_up_only IN (0, 1));

DROP TRIGGER analytics_session_insert;
DROP TRIGGER analytics_session_update;
DROP TRIGGER analytics_session_delete;
DROP VIEW analytics_measure;
DROP TABLE analytics_pending;

-- As in V7, plus the mark.
CREATE TABLE analytics_pending (
    sign INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, status TEXT NOT NULL, conversation_ms INTEGER,
    recorded_ms INTEGER, room_name TEXT NOT NULL, operator_jid TEXT, operator_user_id TEXT, warm_up_only INTEGER NOT NULL
);

-- The one place the counting rule is written (docs/analytics.md): a session counts wholly in the local
-- day, month, weekday (0 = Monday; 1970-01-01 was a Thursday) and hour in which it started; a
-- warm-up-only session counts nowhere. Without a zone (before the sidecar's first start fills
-- analytics_zone) nothing counts: that start recomputes.
CREATE VIEW analytics_measure AS SELECT
    l / 86400000 AS day,
    unixepoch(l / 1000, 'unixepoch', 'start of month') / 86400 AS month,
    (l / 86400000 + 3) % 7 AS weekday,
    (l / 3600000) % 24 AS hour,
    room_name,
    coalesce(operator_jid, '') || char(31) || coalesce(operator_user_id, '') AS op_key, operator_jid, operator_user_id,
    sign AS sessions,
    sign * (ended_ms IS NOT NULL) AS ended,
    sign * coalesce(ended_ms - started_ms, 0) AS duration_ms,
    sign * (status = 'ok') AS ok,
    sign * (status = 'technical_error') AS errors,
    sign * (status = 'deleted') AS deleted,
    sign * coalesce(conversation_ms, 0) AS conversation_ms,
    sign * coalesce(recorded_ms, 0) AS recorded_ms
FROM (SELECT p.*, p.started_ms + (SELECT z.offset_ms FROM analytics_zone z WHERE z.from_ms <= p.started_ms
                                  ORDER BY z.from_ms DESC LIMIT 1) AS l FROM analytics_pending p)
WHERE l IS NOT NULL AND NOT warm_up_only;

CREATE TRIGGER analytics_session_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO analytics_pending VALUES (1, NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
        NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id, NEW.warm_up_only);
    INSERT INTO analytics_apply VALUES (1);
END;

-- Only when a counted column really changed (an UPDATE may set a column to the value it had).
CREATE TRIGGER analytics_session_update AFTER UPDATE OF started_ms, ended_ms, status, conversation_ms, recorded_ms,
        room_name, operator_jid, operator_user_id, warm_up_only ON sessions
    WHEN (OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms, OLD.recorded_ms, OLD.room_name, OLD.operator_jid,
          OLD.operator_user_id, OLD.warm_up_only) IS NOT (NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
          NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id, NEW.warm_up_only)
BEGIN
    INSERT INTO analytics_pending VALUES (-1, OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms,
        OLD.recorded_ms, OLD.room_name, OLD.operator_jid, OLD.operator_user_id, OLD.warm_up_only),
        (1, NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
        NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id, NEW.warm_up_only);
    INSERT INTO analytics_apply VALUES (1);
END;

CREATE TRIGGER analytics_session_delete AFTER DELETE ON sessions BEGIN
    INSERT INTO analytics_pending VALUES (-1, OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms,
        OLD.recorded_ms, OLD.room_name, OLD.operator_jid, OLD.operator_user_id, OLD.warm_up_only);
    INSERT INTO analytics_apply VALUES (1);
END;

-- The warm-up-only sessions settled before this migration (their history keeps the reason, also when a
-- deletion replaced it since): marked through the update trigger, which takes them out of the cube exactly.
UPDATE sessions SET warm_up_only = 1 WHERE id IN (SELECT session_id FROM session_history
    WHERE status = 'ok' AND reason = 'warm-up only: no client joined; the recording is kept');
