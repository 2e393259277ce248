-- Indexes for the archive list at a million sessions (docs/BENCHMARKS.md, "Archive at 1,000,000
-- sessions"): sorting by duration, and a room filtered by status, both in page order.
CREATE INDEX sessions_by_duration ON sessions (coalesce(ended_ms - started_ms, -1) DESC, id DESC);
CREATE INDEX sessions_by_room_status ON sessions (room_name, status, started_ms DESC, id DESC);
