package com.zentrix.video.cli;

import com.zentrix.video.analytics.AnalyticsQueries;
import com.zentrix.video.analytics.Period;
import com.zentrix.video.analytics.Table;
import com.zentrix.video.analytics.ZoneTable;
import com.zentrix.video.archive.Access;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.store.Database;
import com.zentrix.video.web.Csv;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zentrix-video report --from D --to D --by day|operator|room [--format table|csv]}: the dashboard's tables offline. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Print the sessions' figures for a range of days, per day, per operator or per room: sessions, talk time,",
                "average duration, outcomes, share of technical errors and recording coverage (see docs/analytics.md).",
                "Days are calendar days in zentrix.time-zone; a session counts on the day it started."},
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:printed", "2:usage or config error"})
public final class ReportCommand implements Callable<Integer> {
    enum By { day, operator, room }

    enum Format { table, csv }

    @Mixin ConfigOption config;
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "DATE", description = "first day, e.g. 2026-11-01")
    LocalDate from;

    @Option(names = "--to", required = true, paramLabel = "DATE", description = "last day (included), e.g. 2026-11-30")
    LocalDate to;

    @Option(names = "--by", required = true, paramLabel = "WHAT", description = "day, operator or room")
    By by;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (aligned text, durations as h:mm:ss, shares in %%) or csv (RFC 4180, raw numbers); default ${DEFAULT-VALUE}")
    Format format;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (from.isAfter(to)) {
            err.println("zentrix-video report: --from is after --to");
            return 2;
        }
        if (ChronoUnit.DAYS.between(from, to) + 1 > Period.MAX_DAYS) {
            err.println("zentrix-video report: a report may cover at most " + Period.MAX_DAYS + " days");
            return 2;
        }
        ZentrixConfig cfg;
        try {
            cfg = config.load();
        } catch (ZentrixConfig.ConfigError e) {
            err.println("zentrix-video: " + e.getMessage());
            return 2;
        }
        try (Database db = Database.open(cfg.databasePath())) {
            ZoneTable.ensure(db.jdbi(), cfg.timeZone());
            AnalyticsQueries q = new AnalyticsQueries(db.jdbi());
            Table t = switch (by) {
                case day -> q.daily(Access.everything(), from, to);
                case operator -> q.byOperator(Access.everything(), from, to);
                case room -> q.byRoom(Access.everything(), from, to);
            };
            PrintWriter out = spec.commandLine().getOut();
            out.print(format == Format.csv ? Csv.write(t.columns(), t.rows()) : text(t));
            out.flush();
            return 0;
        }
    }

    /** Aligned columns; numbers to the right. */
    static String text(Table t) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(t.columns());
        for (List<Object> r : t.rows()) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) line.add(human(t.columns().get(i), r.get(i)));
            cells.add(line);
        }
        int[] width = new int[t.columns().size()];
        for (List<String> line : cells) for (int i = 0; i < line.size(); i++) width[i] = Math.max(width[i], line.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (int row = 0; row < cells.size(); row++) {
            List<String> line = cells.get(row);
            for (int i = 0; i < line.size(); i++) {
                if (i > 0) sb.append("  ");
                String s = line.get(i);
                String pad = " ".repeat(width[i] - s.length());
                boolean number = row > 0 && t.rows().get(row - 1).get(i) instanceof Number;
                sb.append(number ? pad + s : s + pad);
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String human(String column, Object v) {
        if (v == null) return "-";
        if (column.endsWith("_ms") && v instanceof Number n) {
            long s = Math.round(n.doubleValue() / 1000);
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
        if ((column.equals("error_share") || column.equals("coverage")) && v instanceof Number n) {
            return String.format(Locale.ROOT, "%.1f%%", n.doubleValue() * 100);
        }
        return v.toString();
    }
}
