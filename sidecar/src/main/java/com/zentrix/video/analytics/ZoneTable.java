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
 * {@code analytics_zone}, which the V5 triggers look up to put a session in its local day and hour.
 * When the zone, or the JDK's rules for it, differ from what the aggregates were computed with, they
 * are all recomputed from the sessions, in one transaction.
 */
public final class ZoneTable {
    private static final Logger log = LoggerFactory.getLogger(ZoneTable.class);
    private static final Instant FIRST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("2200-01-01T00:00:00Z");

    private ZoneTable() {}

    /** An aggregate table: what it is grouped by, and what it stores for the group before the sums. */
    private record Aggregate(String table, String groupBy, String keys) {
        Aggregate(String table, String groupBy) {
            this(table, groupBy, groupBy);
        }
    }

    private static final String OPERATOR = "max(operator_jid), max(operator_user_id)";
    private static final List<Aggregate> AGGREGATES = List.of(
            new Aggregate("analytics_day", "day"),
            new Aggregate("analytics_day_op", "day, op_key", "day, op_key, " + OPERATOR),
            new Aggregate("analytics_day_room", "day, room_name"),
            new Aggregate("analytics_day_room_op", "day, room_name, op_key", "day, room_name, op_key, " + OPERATOR),
            new Aggregate("analytics_hour", "day, hour"),
            new Aggregate("analytics_hour_op", "day, hour, op_key", "day, hour, op_key, " + OPERATOR));

    private static final String SUMS = "sum(sessions), sum(ended), sum(duration_ms), sum(ok), sum(errors), sum(deleted), "
            + "sum(conversation_ms), sum(recorded_ms)";

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
        long t0 = System.nanoTime();
        int sessions = jdbi.inTransaction(h -> {
            h.execute("DELETE FROM analytics_zone");
            PreparedBatch b = h.prepareBatch("INSERT INTO analytics_zone (from_ms, offset_ms) VALUES (:f, :o)");
            for (Offset o : offsets) b.bind("f", o.fromMs()).bind("o", o.offsetMs()).add();
            b.execute();
            h.execute("DROP TABLE IF EXISTS temp.analytics_rebuild");
            h.execute("CREATE TEMP TABLE analytics_rebuild AS SELECT * FROM analytics_recompute");
            for (Aggregate a : AGGREGATES) {
                h.execute("DELETE FROM " + a.table());
                h.execute("INSERT INTO " + a.table() + " SELECT " + a.keys() + ", " + SUMS + " FROM analytics_rebuild GROUP BY " + a.groupBy());
            }
            h.execute("DROP TABLE temp.analytics_rebuild");
            h.execute("INSERT INTO analytics_state (key, value) VALUES ('zone', ?) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value", want);
            return h.createQuery("SELECT count(*) FROM sessions").mapTo(Integer.class).one();
        });
        log.info("analytics recomputed for time zone {} (was {}): {} sessions in {} ms", want, have == null ? "none" : have,
                sessions, (System.nanoTime() - t0) / 1_000_000);
    }
}
