package com.zentrix.video.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** When a failed hand-over is tried again: doubling backoff, capped; a full disk as soon as it has room. */
class IngestRetriesTest {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");
    final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    };
    final IngestRetries retries = new IngestRetries(clock, Duration.ofSeconds(60), Duration.ofMinutes(10));

    @Test
    void aHandOverThatNeverFailedIsDue() {
        assertTrue(retries.due(1, () -> 0));
    }

    @Test
    void theWaitDoublesAfterEachFailureUpToTheCap() {
        assertEquals(Duration.ofSeconds(60), retries.delay(1));
        assertEquals(Duration.ofSeconds(120), retries.delay(2));
        assertEquals(Duration.ofSeconds(480), retries.delay(4));
        assertEquals(Duration.ofMinutes(10), retries.delay(5));
        assertEquals(Duration.ofMinutes(10), retries.delay(40));
    }

    @Test
    void aFailureThatIsNotAFullDiskWaitsOutItsBackoff() {
        retries.failed(7, -1);
        retries.failed(7, -1);
        now = now.plusSeconds(119);
        assertFalse(retries.due(7, () -> Long.MAX_VALUE), "plenty of space does not matter for a lock");
        now = now.plusSeconds(1);
        assertTrue(retries.due(7, () -> 0));
    }

    @Test
    void aFullDiskIsRetriedAsSoonAsTheArchiveHasRoomForTheFolder() {
        IngestRetries.Failure f = retries.failed(9, 5_000_000);
        assertTrue(f.noSpace());
        assertFalse(retries.due(9, () -> 4_999_999));
        assertTrue(retries.due(9, () -> 5_000_000));
        retries.succeeded(9);
        assertEquals(null, retries.last(9));
    }
}
