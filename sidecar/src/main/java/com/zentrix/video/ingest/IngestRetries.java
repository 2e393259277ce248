package com.zentrix.video.ingest;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When a failed hand-over is tried again: after {@code first}, then twice as long each time up to
 * {@code max}; one that failed for lack of space is due as soon as the archive has room for its files
 * (checked cheaply on every sweep), so a freed disk is used at once. Kept in memory: after a restart
 * every failed hand-over is tried once straight away.
 */
final class IngestRetries {
    /** Why the last attempt failed: {@code bytesNeeded} is what the folder needs when it was a full disk, else -1. */
    record Failure(int attempts, long notBeforeMs, long bytesNeeded) {
        boolean noSpace() {
            return bytesNeeded >= 0;
        }
    }

    private final Clock clock;
    private final Duration first;
    private final Duration max;
    private final Map<Long, Failure> failures = new ConcurrentHashMap<>();

    IngestRetries(Clock clock, Duration first, Duration max) {
        this.clock = clock;
        this.first = first;
        this.max = max.compareTo(first) < 0 ? first : max;
    }

    /** Records one more failed attempt and returns it, with the time of the next. */
    Failure failed(long handoverId, long bytesNeeded) {
        return failures.compute(handoverId, (id, before) -> {
            int attempts = before == null ? 1 : before.attempts() + 1;
            return new Failure(attempts, clock.millis() + delay(attempts).toMillis(), bytesNeeded);
        });
    }

    Duration delay(int attempts) {
        long ms = first.toMillis();
        for (int i = 1; i < attempts && ms < max.toMillis(); i++) ms *= 2;
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }

    /** Whether to try now; {@code usableBytes} is asked only for a full-disk failure still waiting. */
    boolean due(long handoverId, LongSupplier usableBytes) {
        Failure f = failures.get(handoverId);
        if (f == null || clock.millis() >= f.notBeforeMs()) return true;
        return f.noSpace() && usableBytes.getAsLong() >= f.bytesNeeded();
    }

    Failure last(long handoverId) {
        return failures.get(handoverId);
    }

    void succeeded(long handoverId) {
        failures.remove(handoverId);
    }
}
