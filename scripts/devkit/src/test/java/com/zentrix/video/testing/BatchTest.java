package com.zentrix.video.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.testing.EventReceiver.Delivery;
import com.zentrix.video.testing.XmppClients.Client;
import com.zentrix.video.testing.XmppClients.Participant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mod_zentrix_events batching (docs/protocol.md, "Batches"): events that queue up while the sidecar is
 * away go out as signed {@code {"events":[...]}} batches of at most {@code zentrix_batch_max}, in order,
 * once each; a refused batch is re-sent one event at a time so only the bad event is lost.
 */
class BatchTest {

    private static final String SECRET = "batch-secret-ÿ-7";
    private static final Duration EVENTS = Duration.ofSeconds(10);
    private static final int BATCH_MAX = 3;

    @RegisterExtension
    static final ModuleBench bench = new ModuleBench(SECRET, b -> b
            .mucOption("zentrix_retry_max_delay = 1")
            .mucOption("zentrix_request_timeout = 1")
            .mucOption("zentrix_batch_max = " + BATCH_MAX));

    /** Operator, three guests in and out, operator out: 10 events while the receiver is down. */
    private static void visit(String room) throws Exception {
        try (Client operator = bench.operator();
             Client g1 = bench.clients().guest();
             Client g2 = bench.clients().guest();
             Client g3 = bench.clients().guest()) {
            Participant op = operator.join(room, "0a1b2c3d", null);
            Participant p1 = g1.join(room, "11111111", "Guest One");
            Participant p2 = g2.join(room, "22222222", "Guest Two");
            Participant p3 = g3.join(room, "33333333", null);
            p1.leave();
            p2.leave();
            p3.leave();
            op.leave();
        }
    }

    private static void awaitRefusedAttempt(String room) {
        await().atMost(EVENTS).until(() -> bench.prosody().logLines("warn").stream()
                .anyMatch(line -> line.contains("room=" + room) && line.contains("transport error")));
    }

    private static List<Delivery> deliveriesOf(String room) {
        return bench.receiver().deliveries().stream()
                .filter(d -> d.events().stream().anyMatch(e -> room.equals(e.at("/room/jid").asText())))
                .toList();
    }

    private static List<Integer> seqs(List<JsonNode> events) {
        return events.stream().map(e -> e.get("seq").asInt()).toList();
    }

    @Test
    void eventsQueuedDuringAnOutageArriveBatchedInOrderExactlyOnce() throws Exception {
        String room = bench.prosody().roomJid("batch-outage1");
        bench.receiver().stop();
        visit(room);
        awaitRefusedAttempt(room);
        bench.receiver().ensureRunning();

        List<JsonNode> events = bench.receiver().awaitAccepted(room, 10);
        assertEquals(IntStream.rangeClosed(1, 10).boxed().toList(), seqs(events), "in order, none missing");
        assertEquals(10, new HashSet<>(events.stream().map(e -> e.get("id").asText()).toList()).size());
        assertEquals(10, bench.receiver().requests(room).size(), "each event arrived exactly once");

        List<Delivery> deliveries = deliveriesOf(room);
        assertTrue(deliveries.stream().allMatch(d -> d.status() == 202), "all answered 202: " + deliveries);
        assertTrue(deliveries.stream().allMatch(d -> d.events().size() <= BATCH_MAX), "zentrix_batch_max holds");
        List<Delivery> batches = deliveries.stream().filter(Delivery::batch).toList();
        assertTrue(batches.size() >= 3, "the queued events went in batches: " + deliveries);
        assertTrue(batches.stream().allMatch(d -> d.events().size() > 1), "a batch carries more than one event");
        assertTrue(deliveries.size() <= 5, "10 events in at most 5 requests (one in flight, then batches of 3): "
                + deliveries.size());
        // The batches, read one after another, are the room's sequence.
        List<JsonNode> flattened = new ArrayList<>();
        deliveries.forEach(d -> flattened.addAll(d.events()));
        assertEquals(IntStream.rangeClosed(1, 10).boxed().toList(), seqs(flattened));
        assertTrue(bench.receiver().deliveries().stream()
                        .noneMatch(d -> d.batch() && d.events().stream()
                                .anyMatch(e -> "snapshot".equals(e.path("type").asText()))),
                "a snapshot never travels in a batch");
        // ModuleBench checks after each test that every request (batches too) was validly signed.
    }

    @Test
    void aRefusedBatchIsResentOneByOneAndOnlyTheBadEventIsLost() throws Exception {
        String room = bench.prosody().roomJid("batch-refused1");
        // The sidecar finds the second guest's join bad: a batch holding it is refused whole (400), and so is
        // that event alone; every other event is fine.
        bench.receiver().refuse(e -> room.equals(e.at("/room/jid").asText())
                && "occupant-joined".equals(e.path("type").asText())
                && "22222222".equals(e.at("/occupant/endpoint").asText()));
        bench.receiver().stop();
        visit(room);
        awaitRefusedAttempt(room);
        bench.receiver().ensureRunning();

        List<JsonNode> accepted = bench.receiver().awaitAccepted(room, 9);
        List<Integer> good = IntStream.rangeClosed(1, 10).boxed().filter(s -> s != 4).toList();
        await().atMost(EVENTS).until(() -> bench.prosody().logLines("error").stream().anyMatch(line ->
                line.contains("Sidecar refused event") && line.contains("type=occupant-joined")
                        && line.contains("room=" + room) && line.contains("HTTP 400")));
        assertEquals(good, seqs(bench.receiver().awaitAccepted(room, 9)),
                "all good events delivered in order; the bad one (seq 4, the second guest's join) dropped: " + accepted);

        List<Delivery> deliveries = deliveriesOf(room);
        List<Delivery> refusedBatches = deliveries.stream().filter(d -> d.batch() && d.status() == 400).toList();
        assertEquals(1, refusedBatches.size(), "the batch with the bad event was refused: " + deliveries);
        assertTrue(deliveries.stream().filter(d -> d.batch() && d.status() == 202).count() >= 1,
                "later events still go in batches");
        // The refused batch's events came again one by one; only the bad one was refused then.
        List<String> refusedIds = refusedBatches.get(0).ids();
        for (String id : refusedIds) {
            List<Delivery> alone = deliveries.stream().filter(d -> !d.batch() && d.ids().equals(List.of(id))).toList();
            assertEquals(1, alone.size(), "event " + id + " re-sent alone once: " + deliveries);
        }
        assertEquals(1, deliveries.stream().filter(d -> !d.batch() && d.status() == 400).count(),
                "only the bad event was refused on its own");
        assertTrue(bench.prosody().logLines("warn").stream().anyMatch(line -> line.contains("Sidecar refused batch of")
                && line.contains("sending them one by one")), "the refused batch is logged");
        assertFalse(bench.receiver().requests(room).stream().filter(e -> seqs(List.of(e)).get(0) == 4).count() > 2,
                "the bad event is not retried after its own 400");
    }
}
