-- When Jibri reported that capture is running (session webhook ON). A recorder stopped before this
-- never recorded anything, so no files are to be waited for.
ALTER TABLE recordings ADD COLUMN on_ms INTEGER;
