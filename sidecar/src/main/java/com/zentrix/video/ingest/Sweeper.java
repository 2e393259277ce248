package com.zentrix.video.ingest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds finished recordings that never reached us (the finalize hook failed, or we were down) in the
 * Jibri recordings directory and ingests them. A folder counts as finished when its metadata.json,
 * which Jibri writes at stop before running the finalize script, is older than sweep-after; a folder
 * already handed over is left alone, so nothing is ingested twice.
 */
public final class Sweeper {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    private final Path recordingsDir;
    private final Ingestor ingestor;
    private final Jdbi jdbi;
    private final Clock clock;
    private final Duration after;

    public Sweeper(Path recordingsDir, Ingestor ingestor, Jdbi jdbi, Clock clock, Duration after) {
        this.recordingsDir = recordingsDir;
        this.ingestor = ingestor;
        this.jdbi = jdbi;
        this.clock = clock;
        this.after = after;
    }

    /** One pass; returns how many folders it handed to the ingestor. */
    public int sweep() {
        if (!Files.isDirectory(recordingsDir)) return 0;
        int found = 0;
        long cutoff = clock.millis() - after.toMillis();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(recordingsDir)) {
            for (Path dir : ds) {
                String name = dir.getFileName().toString();
                if (!SafePaths.DIR_NAME.matcher(name).matches() || Files.isSymbolicLink(dir)
                        || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
                Path meta = dir.resolve("metadata.json");
                if (!Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS)
                        || Files.getLastModifiedTime(meta).toMillis() > cutoff) continue;
                boolean known = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM handovers WHERE dir_name = :d AND state <> 'failed'")
                        .bind("d", name).mapTo(Integer.class).one()) > 0;
                if (known) continue;
                log.warn("sweeper: recording folder {} was never handed over; ingesting it", name);
                ingestor.accept(name, dir, "local");
                found++;
            }
        } catch (IOException e) {
            log.error("sweeper could not read {}: {}", recordingsDir, e.toString());
        }
        return found;
    }
}
