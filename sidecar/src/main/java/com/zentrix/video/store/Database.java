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
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.BusyHandler;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/** The SQLite file: WAL mode, migrated by Flyway on open, reached through Jdbi. */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final Jdbi jdbi;
    private final SQLiteDataSource sqliteDs;
    private final java.util.List<HikariDataSource> ownPools = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Path path;

    private final java.util.concurrent.ScheduledExecutorService checkpointer;

    private Database(Path path, HikariDataSource pool, SQLiteDataSource sqliteDs) {
        this.path = path;
        this.pool = pool;
        this.sqliteDs = sqliteDs;
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

    private static final Duration BUSY_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Waits for SQLite's write lock by trying again every 0.1 ms (1 ms after the first 5 ms), for up to
     * the busy timeout. SQLite's own handler sleeps 1, 2, 5, 10 … 100 ms between tries, so with the
     * recording loop, ingest and the sweeper all writing, a 0.2 ms update waited 10-300 ms for a lock
     * that had long been free: measured with JFR over the restart in ChurnCrashIT, 246 of the loop's
     * 1823 statements took over 10 ms and 11 of its 12 s in the database (docs/RELIABILITY.md).
     */
    static final class PromptBusyHandler extends BusyHandler {
        private final long timeoutNanos;
        private long since;

        PromptBusyHandler(Duration timeout) {
            this.timeoutNanos = timeout.toNanos();
        }

        @Override
        protected int callback(int tries) {
            long now = System.nanoTime();
            if (tries == 0) since = now;
            if (now - since > timeoutNanos) return 0; // SQLITE_BUSY: "database is locked"
            LockSupport.parkNanos(tries < 50 ? 100_000 : 1_000_000);
            return 1;
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
        sqlite.setBusyTimeout((int) BUSY_TIMEOUT.toMillis()); // replaced by PromptBusyHandler on every connection
        // Write transactions take the write lock up front: a deferred one that reads, then writes,
        // fails with SQLITE_BUSY at once (no busy wait) when another connection wrote in between.
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // 64 MiB page cache per connection (default 2 MiB): the archive's indexes stay in memory.
        sqlite.setCacheSize(-65536);
        SQLiteDataSource sqliteDs = new SQLiteDataSource(sqlite) {
            @Override
            public SQLiteConnection getConnection(String user, String password) throws SQLException {
                SQLiteConnection c = super.getConnection(user, password);
                BusyHandler.setHandler(c, new PromptBusyHandler(BUSY_TIMEOUT));
                return c;
            }
        };
        sqliteDs.setUrl("jdbc:sqlite:" + path.toAbsolutePath());

        HikariDataSource pool = pool(sqliteDs, "sqlite", 4);
        Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        return new Database(path, pool, sqliteDs);
    }

    private static HikariDataSource pool(SQLiteDataSource sqliteDs, String name, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(sqliteDs);
        hc.setPoolName(name);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        // SQLite's automatic checkpoint runs (with fsync) inside whichever commit crosses the limit,
        // stalling that request; a background thread checkpoints instead (docs/BENCHMARKS.md). The
        // limit stays as a bound on the WAL's size should the background thread fall behind.
        hc.setConnectionInitSql("PRAGMA wal_autocheckpoint = 20000");
        return new HikariDataSource(hc);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * A connection of the caller's own (for one thread: the recording loop, the event journal). Writers
     * that wait for SQLite's write lock hold their pooled connection meanwhile: during ChurnCrashIT's
     * restart, jstack showed four finalize hand-overs holding all four while the loop, with its stops and
     * starts, waited for one. With its own connection a decision waits at most for the write lock.
     */
    public Jdbi ownConnection(String name) {
        HikariDataSource own = pool(sqliteDs, "sqlite-" + name, 1);
        ownPools.add(own);
        return Jdbi.create(own).installPlugin(new SqlObjectPlugin());
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        checkpointer.shutdownNow();
        ownPools.forEach(HikariDataSource::close);
        pool.close();
    }
}
