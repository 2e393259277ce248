package com.zentrix.video.analytics;

import com.zentrix.video.archive.Access;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Csv;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/v1/analytics/{summary,daily,by-operator,by-room,by-hour}[.csv]?from=D&to=D}: the
 * dashboard's figures as JSON, or as CSV to download. Operators get their own figures only.
 */
public final class AnalyticsApi {
    private final AnalyticsQueries queries;
    private final Clock clock;
    private final ZoneId zone;

    public AnalyticsApi(AnalyticsQueries queries, Clock clock, ZoneId zone) {
        this.queries = queries;
        this.clock = clock;
        this.zone = zone;
    }

    /** The chosen range: from and to (local days, both included); the last 30 days by default. */
    public record Range(LocalDate from, LocalDate to) {}

    public Range range(Context ctx) {
        LocalDate today = LocalDate.now(clock.withZone(zone));
        LocalDate to = date(ctx.queryParam("to"), "to", today);
        LocalDate from = date(ctx.queryParam("from"), "from", to.minusDays(29));
        if (from.isAfter(to)) throw ApiException.badRequest("bad_query", "'from' is after 'to'");
        if (ChronoUnit.DAYS.between(from, to) + 1 > Period.MAX_DAYS) {
            throw ApiException.badRequest("bad_query", "a range may cover at most " + Period.MAX_DAYS + " days");
        }
        return new Range(from, to);
    }

    private static LocalDate date(String s, String name, LocalDate otherwise) {
        if (s == null || s.isBlank()) return otherwise;
        try {
            return LocalDate.parse(s.strip());
        } catch (DateTimeException e) {
            throw ApiException.badRequest("bad_query", "'" + name + "' must be a date like 2026-11-24");
        }
    }

    /** {@code /api/v1/analytics/{table}}: summary, daily, by-operator, by-room or by-hour, each also with ".csv". */
    public void table(Context ctx) {
        String name = ctx.pathParam("table");
        boolean csv = name.endsWith(".csv");
        if (csv) name = name.substring(0, name.length() - 4);
        Access access = Access.identity(AuthApi.principal(ctx));
        Range r = range(ctx);
        Table t = switch (name) {
            case "summary" -> queries.summary(access, Period.standard(LocalDate.now(clock.withZone(zone)), r.from(), r.to()));
            case "daily" -> queries.daily(access, r.from(), r.to());
            case "by-operator" -> queries.byOperator(access, r.from(), r.to());
            case "by-room" -> queries.byRoom(access, r.from(), r.to());
            case "by-hour" -> queries.byHour(access, r.from(), r.to());
            default -> throw ApiException.notFound("no analytics table '" + name + "' (summary, daily, by-operator, by-room, by-hour)");
        };
        if (csv) csv(ctx, t, r);
        else json(ctx, t, r, access);
    }

    private static void csv(Context ctx, Table t, Range r) {
        ctx.header("Content-Disposition", "attachment; filename=\"zentrix-" + t.name() + "-" + r.from() + "_" + r.to() + ".csv\"");
        // The byte-order mark makes spreadsheet programs read the UTF-8 (Ukrainian names) as UTF-8.
        ctx.contentType("text/csv; charset=utf-8").result(("\uFEFF" + Csv.write(t.columns(), t.rows())).getBytes(StandardCharsets.UTF_8));
    }

    private void json(Context ctx, Table t, Range r, Access access) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("zone", zone.getId());
        out.put("from", r.from().toString());
        out.put("to", r.to().toString());
        out.put("own_only", !access.unrestricted());
        out.put("columns", t.columns());
        out.put("rows", t.maps());
        ctx.json(out);
    }
}
