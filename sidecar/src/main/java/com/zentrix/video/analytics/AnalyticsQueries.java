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
 * Reads the figures from the aggregate tables, never from the sessions: a whole-team table when the
 * reader sees everything, the per-operator one (filtered by {@link Access}, whose column names it
 * shares) otherwise. Days are local calendar days; both ends of a range are included.
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
            Query q = h.createQuery("SELECT max(s.operator_jid), max(s.operator_user_id), " + Figures.SUMS
                    + " FROM analytics_day_op s WHERE " + access.predicate() + " AND s.day BETWEEN :from AND :to "
                    + "GROUP BY s.op_key HAVING sum(s.sessions) > 0");
            bind(q, access, from, to);
            record Op(String jid, String uid, Figures f) {}
            List<Op> ops = q.map((rs, ctx) -> new Op(rs.getString(1), rs.getString(2), Figures.read(rs, 3))).list();
            List<List<Object>> rows = new ArrayList<>();
            for (Op o : ops) rows.add(Table.row(o.f(), o.jid(), o.uid(), operatorName(h, o.jid(), o.uid())));
            rows.sort(bySessionsThen(2));
            return new Table("by-operator", Table.withFigures("operator_jid", "operator_user_id", "operator_name"), rows);
        });
    }

    public Table byRoom(Access access, LocalDate from, LocalDate to) {
        String table = access.unrestricted() ? "analytics_day_room" : "analytics_day_room_op";
        List<List<Object>> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT s.room_name, " + Figures.SUMS + " FROM " + table + " s WHERE " + access.predicate()
                    + " AND s.day BETWEEN :from AND :to GROUP BY s.room_name HAVING sum(s.sessions) > 0");
            bind(q, access, from, to);
            return q.map((rs, ctx) -> Table.row(Figures.read(rs, 2), rs.getString(1))).list();
        });
        List<List<Object>> sorted = new ArrayList<>(rows);
        sorted.sort(bySessionsThen(0));
        return new Table("by-room", Table.withFigures("room"), sorted);
    }

    /** Load by weekday (1 = Monday … 7 = Sunday) × local hour (0–23): all 168 cells. */
    public Table byHour(Access access, LocalDate from, LocalDate to) {
        String table = access.unrestricted() ? "analytics_hour" : "analytics_hour_op";
        Map<Integer, Figures> cells = jdbi.withHandle(h -> {
            // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
            Query q = h.createQuery("SELECT (s.day + 3) % 7, s.hour, " + Figures.SUMS + " FROM " + table + " s WHERE "
                    + access.predicate() + " AND s.day BETWEEN :from AND :to GROUP BY 1, 2");
            bind(q, access, from, to);
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
        String table = access.unrestricted() ? "analytics_day" : "analytics_day_op";
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT s.day, " + Figures.SUMS + " FROM " + table + " s WHERE " + access.predicate()
                    + " AND s.day BETWEEN :from AND :to GROUP BY s.day");
            bind(q, access, from, to);
            TreeMap<Long, Figures> out = new TreeMap<>();
            q.map((rs, ctx) -> Map.entry(rs.getLong(1), Figures.read(rs, 2))).forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
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
