package com.zentrix.video.analytics;

import com.zentrix.video.archive.Access;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * Reads the figures from the aggregates (V7's analytics_cube), never from the sessions: a whole-team grain
 * when the reader sees everything, the per-operator one (filtered by {@link Access}, whose column names
 * it shares) otherwise. Days are local calendar days; both ends of a range are included.
 */
public final class AnalyticsQueries {
    private final Jdbi jdbi;

    public AnalyticsQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Each period's figures, the figures of the period it is compared with, and the change. */
    public Table summary(Access access, List<Period> periods) {
        LocalDate min = periods.stream().map(Period::previousFrom).min(Comparator.naturalOrder()).orElseThrow();
        LocalDate max = periods.stream().map(Period::to).max(Comparator.naturalOrder()).orElseThrow();
        TreeMap<Long, Figures> days = perDay(access, min, max);
        List<String> columns = new ArrayList<>(List.of("period", "from", "to"));
        columns.addAll(Figures.COLUMNS);
        columns.addAll(List.of("previous_from", "previous_to"));
        for (String c : Figures.COLUMNS) columns.add("previous_" + c);
        columns.addAll(List.of("change_sessions", "change_talk_ms"));
        List<List<Object>> rows = new ArrayList<>();
        for (Period p : periods) {
            Figures now = total(days, p.from(), p.to());
            Figures before = total(days, p.previousFrom(), p.previousTo());
            List<Object> r = new ArrayList<>(List.of(p.name(), p.from().toString(), p.to().toString()));
            r.addAll(now.values());
            r.add(p.previousFrom().toString());
            r.add(p.previousTo().toString());
            r.addAll(before.values());
            r.add(change(now.sessions(), before.sessions()));
            r.add(change(now.talkMs(), before.talkMs()));
            rows.add(r);
        }
        return new Table("summary", List.copyOf(columns), rows);
    }

    /** Every day of the range, days without sessions included. */
    public Table daily(Access access, LocalDate from, LocalDate to) {
        TreeMap<Long, Figures> days = perDay(access, from, to);
        List<List<Object>> rows = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            rows.add(Table.row(days.getOrDefault(d.toEpochDay(), Figures.ZERO), d.toString(), d.getDayOfWeek().getValue()));
        }
        return new Table("daily", Table.withFigures("day", "weekday"), rows);
    }

    public Table byOperator(Access access, LocalDate from, LocalDate to) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT max(s.operator_jid), max(s.operator_user_id), " + Figures.SUMS + " FROM "
                    + cube(access, "op", from, to) + " s GROUP BY s.op_key HAVING sum(s.sessions) > 0");
            bindCube(q, access, from, to);
            record Op(String jid, String uid, Figures f) {}
            List<Op> ops = q.map((rs, ctx) -> new Op(rs.getString(1), rs.getString(2), Figures.read(rs, 3))).list();
            List<List<Object>> rows = new ArrayList<>();
            for (Op o : ops) rows.add(Table.row(o.f(), o.jid(), o.uid(), operatorName(h, o.jid(), o.uid())));
            rows.sort(bySessionsThen(2));
            return new Table("by-operator", Table.withFigures("operator_jid", "operator_user_id", "operator_name"), rows);
        });
    }

    public Table byRoom(Access access, LocalDate from, LocalDate to) {
        String grain = access.unrestricted() ? "room" : "room_op";
        List<List<Object>> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT s.room_name, " + Figures.SUMS + " FROM " + cube(access, grain, from, to)
                    + " s GROUP BY s.room_name HAVING sum(s.sessions) > 0");
            bindCube(q, access, from, to);
            return q.map((rs, ctx) -> Table.row(Figures.read(rs, 2), rs.getString(1))).list();
        });
        List<List<Object>> sorted = new ArrayList<>(rows);
        sorted.sort(bySessionsThen(0));
        return new Table("by-room", Table.withFigures("room"), sorted);
    }

    /** Load by weekday (1 = Monday … 7 = Sunday) × local hour (0–23): all 168 cells. */
    public Table byHour(Access access, LocalDate from, LocalDate to) {
        String grain = access.unrestricted() ? "hour" : "hour_op";
        Map<Integer, Figures> cells = jdbi.withHandle(h -> {
            // The cube's weekday is 0 on Mondays.
            Query q = h.createQuery("SELECT s.weekday, s.hour, " + Figures.SUMS + " FROM " + cube(access, grain, from, to)
                    + " s GROUP BY s.weekday, s.hour");
            bindCube(q, access, from, to);
            Map<Integer, Figures> out = new LinkedHashMap<>();
            q.map((rs, ctx) -> Map.entry(rs.getInt(1) * 24 + rs.getInt(2), Figures.read(rs, 3)))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
        List<List<Object>> rows = new ArrayList<>();
        for (DayOfWeek wd : DayOfWeek.values()) {
            for (int hour = 0; hour < 24; hour++) {
                int key = (wd.getValue() - 1) * 24 + hour;
                rows.add(Table.row(cells.getOrDefault(key, Figures.ZERO), wd.getValue(), hour));
            }
        }
        return new Table("by-hour", Table.withFigures("weekday", "hour"), rows);
    }

    private TreeMap<Long, Figures> perDay(Access access, LocalDate from, LocalDate to) {
        String grain = access.unrestricted() ? "day" : "day_op";
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT s.period, " + Figures.SUMS + " FROM analytics_cube s WHERE s.grain = '" + grain
                    + "' AND " + access.predicate() + " AND s.period BETWEEN :from AND :to GROUP BY s.period");
            bind(q, access, from, to);
            TreeMap<Long, Figures> out = new TreeMap<>();
            q.map((rs, ctx) -> Map.entry(rs.getLong(1), Figures.read(rs, 2))).forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    /**
     * The cube's rows of one breakdown ({@code op}, {@code room}, {@code hour}, …; see V7's analytics_grain)
     * for the days from–to, as a subquery: the whole calendar months inside the range from the monthly
     * grain, the days before the first and after the last whole month from the daily one. Two years cost
     * about 24 monthly rows and up to 60 daily ones per key, instead of 731 daily rows.
     */
    static String cube(Access access, String breakdown, LocalDate from, LocalDate to) {
        String where = " AND " + access.predicate();
        return "(SELECT * FROM analytics_cube s WHERE s.grain = 'day_" + breakdown + "' AND s.period BETWEEN :from AND :head_to" + where
                + " UNION ALL SELECT * FROM analytics_cube s WHERE s.grain = 'month_" + breakdown
                + "' AND s.period BETWEEN :month_from AND :month_to" + where
                + " UNION ALL SELECT * FROM analytics_cube s WHERE s.grain = 'day_" + breakdown + "' AND s.period BETWEEN :tail_from AND :to"
                + where + ")";
    }

    /** How {@link #cube} splits from–to: head days, whole months (their 1sts), tail days; empty parts have lo > hi. */
    record Split(long headTo, long monthFrom, long monthTo, long tailFrom) {
        static Split of(LocalDate from, LocalDate to) {
            LocalDate firstWhole = from.getDayOfMonth() == 1 ? from : from.withDayOfMonth(1).plusMonths(1);
            LocalDate afterWhole = to.plusDays(1).withDayOfMonth(1); // the 1st after the last whole month
            if (!firstWhole.isBefore(afterWhole)) return new Split(to.toEpochDay(), 1, 0, to.toEpochDay() + 1);
            return new Split(firstWhole.toEpochDay() - 1, firstWhole.toEpochDay(), afterWhole.minusMonths(1).toEpochDay(),
                    afterWhole.toEpochDay());
        }
    }

    private static Figures total(TreeMap<Long, Figures> days, LocalDate from, LocalDate to) {
        return days.subMap(from.toEpochDay(), true, to.toEpochDay(), true).values().stream().reduce(Figures.ZERO, Figures::plus);
    }

    /** Relative change against the previous period; null when there is nothing to compare with. */
    static Double change(long now, long before) {
        return before == 0 ? null : Math.round((now - before) * 1e6 / before) / 1e6;
    }

    private static void bind(Query q, Access access, LocalDate from, LocalDate to) {
        access.binds().forEach(q::bind);
        q.bind("from", from.toEpochDay()).bind("to", to.toEpochDay());
    }

    /** The binds of {@link #cube}'s subquery. */
    private static void bindCube(Query q, Access access, LocalDate from, LocalDate to) {
        bind(q, access, from, to);
        Split split = Split.of(from, to);
        q.bind("head_to", split.headTo()).bind("month_from", split.monthFrom()).bind("month_to", split.monthTo())
                .bind("tail_from", split.tailFrom());
    }

    /** Most sessions first, then by the name column. */
    private static Comparator<List<Object>> bySessionsThen(int nameColumn) {
        return Comparator.<List<Object>>comparingLong(r -> -((Number) r.get(r.size() - Figures.COLUMNS.size())).longValue())
                .thenComparing(r -> String.valueOf(r.get(nameColumn)));
    }

    /** The name people know an operator by: their account's, else the one their newest session showed. */
    private static String operatorName(Handle h, String jid, String uid) {
        return h.createQuery("SELECT coalesce((SELECT display_name FROM users WHERE xmpp_jid = :jid), "
                        + "(SELECT display_name FROM users WHERE jwt_user_id = :uid), "
                        + "(SELECT operator_name FROM sessions WHERE operator_jid = :jid ORDER BY started_ms DESC LIMIT 1), "
                        + "(SELECT operator_name FROM sessions WHERE operator_user_id = :uid ORDER BY started_ms DESC LIMIT 1))")
                .bind("jid", jid).bind("uid", uid).mapTo(String.class).findOne().orElse(null);
    }
}
