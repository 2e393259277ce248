-- Pre-warm (zentrix.recording.prewarm): a recorder started while the operator waits, cut at ingest to
-- the client's join. Times are milliseconds since the epoch (UTC), on the sidecar's clock.

-- When the warm-up recorder was asked for (the operator alone in a pre-warm room); NULL for an
-- ordinary session. client_joined_ms is Prosody's time (event ts) of the client's occupant-joined that
-- turned the warm-up into a conversation; NULL while warming, for a warm-up that no client joined, or
-- when the join was learnt from a snapshot (time unknown: the recording is then not cut).
ALTER TABLE sessions ADD COLUMN prewarm_ms INTEGER;
ALTER TABLE sessions ADD COLUMN client_joined_ms INTEGER;
-- What the cut did, in words: where it cut and why, or why the untrimmed recording was kept.
ALTER TABLE sessions ADD COLUMN prewarm_note TEXT;

-- A trimmed file names the file it was cut from and where in it (ms) the kept part begins.
ALTER TABLE files ADD COLUMN trimmed_from INTEGER REFERENCES files (id);
ALTER TABLE files ADD COLUMN trim_start_ms INTEGER;
