package com.zentrix.video.events;

import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Bodies;
import com.zentrix.video.web.Signatures;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/events}: verify, parse, journal, then hand to the sequencer. A bad signature,
 * a malformed event or an oversized body changes nothing.
 */
public final class EventIntake {
    private static final Logger log = LoggerFactory.getLogger(EventIntake.class);

    private final Signatures signatures;
    private final EventParser parser;
    private final EventJournal journal;
    private final EventSequencer sequencer;
    private volatile java.util.function.Consumer<Snapshot> snapshots = s -> { };
    private final int maxBytes;
    private final int maxSnapshotBytes;
    private final Clock clock;

    public EventIntake(Signatures signatures, EventParser parser, EventJournal journal, EventSequencer sequencer,
            int maxBytes, int maxSnapshotBytes, Clock clock) {
        this.signatures = signatures;
        this.parser = parser;
        this.journal = journal;
        this.sequencer = sequencer;
        this.maxBytes = maxBytes;
        this.maxSnapshotBytes = maxSnapshotBytes;
        this.clock = clock;
    }

    /** Where snapshots go once journaled (the recording coordinator's reconciliation). */
    public void onSnapshot(java.util.function.Consumer<Snapshot> consumer) {
        this.snapshots = consumer;
    }

    /**
     * A batch: every event journaled (one group commit), then each handed to the sequencer in order.
     * Repeats inside or across batches are stored once.
     */
    private void handleBatch(Context ctx, java.util.List<RoomEvent> events) throws InterruptedException {
        java.util.List<java.util.concurrent.CompletableFuture<Boolean>> done = new java.util.ArrayList<>(events.size());
        for (RoomEvent e : events) done.add(journal.append(EventJournal.Entry.of(e)));
        int fresh = 0;
        try {
            for (int i = 0; i < events.size(); i++) {
                if (done.get(i).get(10, TimeUnit.SECONDS)) {
                    fresh++;
                    sequencer.submit(events.get(i));
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            log.error("a batch of {} events could not be journaled: {}", events.size(), e.toString());
            throw new ApiException(503, "unavailable", "the events could not be stored; retry later");
        }
        if (sequencer.takeGapSeen()) ctx.header("X-Zentrix-Want-Snapshot", "1");
        ctx.status(202).json(Map.of("accepted", fresh, "duplicates", events.size() - fresh));
    }

    @SuppressWarnings("unchecked")
    public void handle(Context ctx) throws Exception {
        byte[] body = Bodies.readLimited(ctx, Math.max(maxBytes, maxSnapshotBytes));
        signatures.verify(ctx.header(Signatures.TIMESTAMP_HEADER), ctx.header(Signatures.SIGNATURE_HEADER), body,
                clock.instant());
        Object parsed = parser.parseAny(body);
        if (parsed instanceof java.util.List<?> batch) {
            handleBatch(ctx, (java.util.List<RoomEvent>) batch);
            return;
        }
        if (parsed instanceof RoomEvent && body.length > maxBytes) {
            throw ApiException.tooLarge("event of " + body.length + " bytes exceeds the limit of " + maxBytes);
        }
        EventJournal.Entry entry = parsed instanceof Snapshot s ? EventJournal.Entry.of(s) : EventJournal.Entry.of((RoomEvent) parsed);
        boolean fresh;
        try {
            fresh = journal.append(entry).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.error("event {} room={} could not be journaled: {}", entry.id(), entry.roomJid(), e.toString());
            throw new ApiException(503, "unavailable", "the event could not be stored; retry later");
        }
        if (sequencer.takeGapSeen()) ctx.header("X-Zentrix-Want-Snapshot", "1");
        if (!fresh) {
            log.debug("duplicate event {} room={} ignored", entry.id(), entry.roomJid());
            ctx.status(200).json(Map.of("duplicate", true));
            return;
        }
        if (parsed instanceof Snapshot s) {
            log.info("occupancy snapshot {} received: {} rooms", s.id(), s.rooms().size());
            sequencer.resyncAll(s, snapshots);
        } else {
            sequencer.submit((RoomEvent) parsed);
        }
        ctx.status(202).json(Map.of("accepted", true));
    }
}
