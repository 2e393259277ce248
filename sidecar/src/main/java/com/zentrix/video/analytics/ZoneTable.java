package com.zentrix.video.analytics;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured time zone as SQL can use it: every UTC offset the zone has from 1970 to 2200 in
 * {@code analytics_zone}, which the counting rule (V7, re-created in V9: {@code analytics_measure}) looks up to put a session in its
 * local day and hour.
 * When the zone, or the JDK's rules for it, differ from what the aggregates were computed with, they
 * are all recomputed from the sessions, in one transaction.
 */
public final class ZoneTable {
    private static final Logger log = LoggerFactory.getLogger(ZoneTable.class);
    private static final Instant FIRST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("2200-01-01T00:00:00Z");

    private ZoneTable() {}

    /** One offset from an instant on. */
    record Offset(long fromMs, long offsetMs) {}

    static List<Offset> offsets(ZoneId zone) {
        ZoneRules rules = zone.getRules();
        List<Offset> out = new ArrayList<>();
        out.add(new Offset(Long.MIN_VALUE, rules.getOffset(FIRST).getTotalSeconds() * 1000L));
        Instant at = FIRST;
        for (ZoneOffsetTransition t = rules.nextTransition(at); t != null && t.getInstant().isBefore(LAST);
                t = rules.nextTransition(t.getInstant())) {
            ZoneOffset after = t.getOffsetAfter();
            out.add(new Offset(t.getInstant().toEpochMilli(), after.getTotalSeconds() * 1000L));
        }
        return out;
    }

    /** The zone id plus a digest of its offsets: changes when the zone or its rules (tzdata) change. */
    static String fingerprint(ZoneId zone, List<Offset> offsets) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Offset o : offsets) md.update((o.fromMs() + ":" + o.offsetMs() + ";").getBytes(StandardCharsets.US_ASCII));
            return zone.getId() + " " + HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes the aggregates match this zone; recomputes them when they were made for another. */
    public static void ensure(Jdbi jdbi, ZoneId zone) {
        List<Offset> offsets = offsets(zone);
        String want = fingerprint(zone, offsets);
        String have = jdbi.withHandle(h -> h.createQuery("SELECT value FROM analytics_state WHERE key = 'zone'")
                .mapTo(String.class).findOne().orElse(null));
        if (want.equals(have)) return;
        // About a minute per million sessions (docs/BENCHMARKS.md): say so before the start goes quiet.
        log.info("analytics: recomputing every aggregate for time zone {} (were for {})", want, have == null ? "none" : have);
        long t0 = System.nanoTime();
        int sessions = jdbi.inTransaction(h -> {
            h.execute("DELETE FROM analytics_zone");
            PreparedBatch b = h.prepareBatch("INSERT INTO analytics_zone (from_ms, offset_ms) VALUES (:f, :o)");
            for (Offset o : offsets) b.bind("f", o.fromMs()).bind("o", o.offsetMs()).add();
            b.execute();
            // Every session through the same path the triggers take (V7: analytics_pending -> analytics_apply),
            // in one go: set-based, instead of a million single-row upserts.
            h.execute("DELETE FROM analytics_cube");
            h.execute("INSERT INTO analytics_pending SELECT 1, started_ms, ended_ms, status, conversation_ms, recorded_ms, "
                    + "room_name, operator_jid, operator_user_id, warm_up_only FROM sessions");
            h.execute("INSERT INTO analytics_apply VALUES (1)");
            h.execute("INSERT INTO analytics_state (key, value) VALUES ('zone', ?) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value", want);
            return h.createQuery("SELECT count(*) FROM sessions").mapTo(Integer.class).one();
        });
        log.info("analytics recomputed for time zone {} (was {}): {} sessions in {} ms", want, have == null ? "none" : have,
                sessions, (System.nanoTime() - t0) / 1_000_000);
    }
}
