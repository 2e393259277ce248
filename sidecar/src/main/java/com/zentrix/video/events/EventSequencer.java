package com.zentrix.video.events;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts each room instance's events back in Prosody's order (by {@code seq}); posts can overtake each
 * other on the way. An event that arrives early waits up to the reorder window for the ones before
 * it; after that the room moves on and the gap is logged. All methods run on the given single
 * thread, which is also where the consumer is called.
 */
public final class EventSequencer {
    private static final Logger log = LoggerFactory.getLogger(EventSequencer.class);

    private final ScheduledExecutorService loop;
    private final Duration window;
    private final Consumer<RoomEvent> consumer;
    private final Map<String, Stream> streams = new HashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean gapSeen = new java.util.concurrent.atomic.AtomicBoolean();

    private static final class Stream {
        long next = 1;
        final TreeMap<Long, RoomEvent> waiting = new TreeMap<>();
        ScheduledFuture<?> timeout;
        boolean destroyed;
    }

    public EventSequencer(ScheduledExecutorService loop, Duration window, Consumer<RoomEvent> consumer) {
        this.loop = loop;
        this.window = window;
        this.consumer = consumer;
    }

    /** Call from any thread; ordering and delivery happen on the loop. */
    public void submit(RoomEvent event) {
        loop.execute(() -> accept(event));
    }

    private void accept(RoomEvent e) {
        Stream s = streams.computeIfAbsent(e.room().instance(), k -> new Stream());
        if (e.seq() < s.next) {
            log.warn("late event dropped from ordering room={} event={} seq={} expected>={} type={}",
                    e.room().jid(), e.id(), e.seq(), s.next, e.type().wire());
            return;
        }
        s.waiting.put(e.seq(), e);
        drain(e.room().instance(), s);
    }

    private void drain(String instance, Stream s) {
        while (!s.waiting.isEmpty() && s.waiting.firstKey() == s.next) {
            RoomEvent e = s.waiting.pollFirstEntry().getValue();
            s.next++;
            deliver(e, s);
        }
        if (s.timeout != null) {
            s.timeout.cancel(false);
            s.timeout = null;
        }
        if (!s.waiting.isEmpty()) {
            s.timeout = loop.schedule(() -> skipGap(instance), window.toMillis(), TimeUnit.MILLISECONDS);
        } else if (s.destroyed) {
            streams.remove(instance);
        }
    }

    private void skipGap(String instance) {
        Stream s = streams.get(instance);
        if (s == null || s.waiting.isEmpty()) return;
        long first = s.waiting.firstKey();
        RoomEvent e = s.waiting.get(first);
        log.warn("event gap room={} seq {}..{} missing after {} ms; moving on", e.room().jid(), s.next, first - 1,
                window.toMillis());
        s.next = first;
        gapSeen.set(true);
        drain(instance, s);
    }

    private void deliver(RoomEvent e, Stream s) {
        if (e.type() == RoomEvent.Type.ROOM_DESTROYED) s.destroyed = true;
        try {
            consumer.accept(e);
        } catch (RuntimeException ex) {
            log.error("handling event {} of room {} failed", e.id(), e.room().jid(), ex);
        }
    }

    /**
     * A snapshot says where each room's sequence stands: events up to lastSeq are contained in it,
     * so waiting for them stops; later ones continue the sequence. Runs on the loop.
     */
    private void resync(String instance, long lastSeq) {
        Stream s = streams.computeIfAbsent(instance, k -> new Stream());
        if (lastSeq + 1 > s.next) {
            s.next = lastSeq + 1;
            s.waiting.headMap(s.next).clear();
        }
    }

    /** Applies a snapshot on the loop: resyncs every room it lists, then hands it on. Call from any thread. */
    public void resyncAll(Snapshot snapshot, Consumer<Snapshot> then) {
        loop.execute(() -> {
            try {
                for (Snapshot.RoomSnapshot r : snapshot.rooms()) resync(r.room().instance(), r.seq());
                then.accept(snapshot);
                // Events that came after the snapshot, and were waiting for older ones, go on now.
                for (Snapshot.RoomSnapshot r : snapshot.rooms()) {
                    Stream st = streams.get(r.room().instance());
                    if (st != null) drain(r.room().instance(), st);
                }
            } catch (RuntimeException e) {
                log.error("applying snapshot {} failed", snapshot.id(), e);
            }
        });
    }

    /** True once since the last call if a gap was skipped: the caller asks Prosody for a snapshot. */
    public boolean takeGapSeen() {
        return gapSeen.getAndSet(false);
    }

    /** Room instances with state held here (for tests and metrics). */
    public int openStreams() {
        return streams.size();
    }
}
