package com.zentrix.video.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** The SQLite file: WAL mode, migrated by Flyway on open, reached through Jdbi. */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final Jdbi jdbi;
    private final Path path;

    private final java.util.concurrent.ScheduledExecutorService checkpointer;

    private Database(Path path, HikariDataSource pool) {
        this.path = path;
        this.pool = pool;
        this.jdbi = Jdbi.create(pool).installPlugin(new SqlObjectPlugin());
        this.checkpointer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sqlite-checkpoint");
            t.setDaemon(true);
            return t;
        });
        checkpointer.scheduleWithFixedDelay(this::checkpoint, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private void checkpoint() {
        try {
            jdbi.useHandle(h -> h.createQuery("PRAGMA wal_checkpoint(PASSIVE)").mapToMap().list());
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Database.class).warn("WAL checkpoint failed: {}", e.toString());
        }
    }

    public static Database open(Path path) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the database folder for " + path, e);
        }
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode: a commit survives a process crash; only an OS crash may lose the last ones.
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        sqlite.enforceForeignKeys(true);
        sqlite.setBusyTimeout(10_000);
        // Write transactions take the write lock up front: a deferred one that reads, then writes,
        // fails with SQLITE_BUSY at once (no busy wait) when another connection wrote in between.
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // 64 MiB page cache per connection (default 2 MiB): the archive's indexes stay in memory.
        sqlite.setCacheSize(-65536);
        SQLiteDataSource sqliteDs = new SQLiteDataSource(sqlite);
        sqliteDs.setUrl("jdbc:sqlite:" + path.toAbsolutePath());

        HikariConfig hc = new HikariConfig();
        hc.setDataSource(sqliteDs);
        hc.setPoolName("sqlite");
        hc.setMaximumPoolSize(4);
        hc.setMinimumIdle(1);
        // SQLite's automatic checkpoint runs (with fsync) inside whichever commit crosses the limit,
        // stalling that request; a background thread checkpoints instead (docs/BENCHMARKS.md). The
        // limit stays as a bound on the WAL's size should the background thread fall behind.
        hc.setConnectionInitSql("PRAGMA wal_autocheckpoint = 20000");
        HikariDataSource pool = new HikariDataSource(hc);

        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        return new Database(path, pool);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        checkpointer.shutdownNow();
        pool.close();
    }
}
