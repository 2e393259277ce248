package com.zentrix.video.events;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every accepted event to the {@code events} table before anyone acts on it. One writer thread
 * commits whatever has queued up in a single transaction (group commit), so the durable rate is far
 * above one fsync per event while each caller still waits for its own event to be committed.
 */
public final class EventJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventJournal.class);
    private static final int MAX_BATCH = 512;

    /** One row of the journal: a room event, or a snapshot (room '*', seq 0). */
    public record Entry(String id, String roomJid, String instance, long seq, String type, long tsMs, String body) {
        public static Entry of(RoomEvent e) {
            return new Entry(e.id(), e.room().jid(), e.room().instance(), e.seq(), e.type().wire(), e.ts().toEpochMilli(), e.body());
        }

        public static Entry of(Snapshot s) {
            return new Entry(s.id(), "*", "*", 0, "snapshot", s.ts().toEpochMilli(), s.body());
        }
    }

    private record Pending(Entry event, CompletableFuture<Boolean> done) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(100_000);
    private final Thread writer;
    private volatile boolean running = true;

    public EventJournal(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.writer = new Thread(this::run, "event-journal");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Completes with true once the event is committed, false when its id was already journaled. */
    public CompletableFuture<Boolean> append(Entry event) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("event journal is closed"));
        } else if (!queue.offer(new Pending(event, done))) {
            done.completeExceptionally(new IllegalStateException("event journal queue is full"));
        }
        return done;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        long now = clock.millis();
        try {
            int[] counts = jdbi.inTransaction(h -> {
                PreparedBatch pb = h.prepareBatch("INSERT OR IGNORE INTO events "
                        + "(id, room_jid, room_instance, seq, type, ts_ms, received_ms, body) "
                        + "VALUES (:id, :room, :instance, :seq, :type, :ts, :received, :body)");
                for (Pending p : batch) {
                    Entry e = p.event();
                    pb.bind("id", e.id()).bind("room", e.roomJid()).bind("instance", e.instance())
                            .bind("seq", e.seq()).bind("type", e.type()).bind("ts", e.tsMs())
                            .bind("received", now).bind("body", e.body()).add();
                }
                return pb.execute();
            });
            for (int i = 0; i < batch.size(); i++) batch.get(i).done().complete(counts[i] > 0);
        } catch (RuntimeException e) {
            log.error("journaling {} events failed: {}", batch.size(), e.toString());
            for (Pending p : batch) p.done().completeExceptionally(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        writer.join(5_000);
    }
}
