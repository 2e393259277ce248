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
    private final int maxBytes;
    private final Clock clock;

    public EventIntake(Signatures signatures, EventParser parser, EventJournal journal, EventSequencer sequencer,
            int maxBytes, Clock clock) {
        this.signatures = signatures;
        this.parser = parser;
        this.journal = journal;
        this.sequencer = sequencer;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    public void handle(Context ctx) throws Exception {
        byte[] body = Bodies.readLimited(ctx, maxBytes);
        signatures.verify(ctx.header(Signatures.TIMESTAMP_HEADER), ctx.header(Signatures.SIGNATURE_HEADER), body,
                clock.instant());
        RoomEvent event = parser.parse(body);
        boolean fresh;
        try {
            fresh = journal.append(event).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.error("event {} room={} could not be journaled: {}", event.id(), event.room().jid(), e.toString());
            throw new ApiException(503, "unavailable", "the event could not be stored; retry later");
        }
        if (!fresh) {
            log.debug("duplicate event {} room={} ignored", event.id(), event.room().jid());
            ctx.status(200).json(Map.of("duplicate", true));
            return;
        }
        sequencer.submit(event);
        ctx.status(202).json(Map.of("accepted", true));
    }
}
