package com.zentrix.video.archive;

import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.QueryParams;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** The list's filters, sort and page position, read from query parameters and checked. */
public record SessionFilter(Long fromMs, Long toMs, String operator, String room, String status, String flag,
        String text, Sort sort, boolean ascending, Cursor after, int limit) {

    public enum Sort {
        STARTED("s.started_ms"),
        DURATION("coalesce(s.ended_ms - s.started_ms, -1)"),
        ROOM("s.room_name");

        final String sql;

        Sort(String sql) {
            this.sql = sql;
        }
    }

    /** Where the previous page ended: the sort value and id of its last card. */
    public record Cursor(String value, long id) {
        public String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((id + "|" + value).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String s) {
            try {
                String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
                int bar = raw.indexOf('|');
                return new Cursor(raw.substring(bar + 1), Long.parseLong(raw.substring(0, bar)));
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                throw ApiException.badRequest("bad_query", "'after' is not a page cursor from this API");
            }
        }
    }

    private static final List<String> STATUSES = List.of("starting", "recording", "stopping", "ok", "technical_error", "deleted");
    private static final List<String> FLAGS = List.of("sensitive", "needs_review");

    public static SessionFilter from(Context ctx, ZoneId zone) {
        Long from = QueryParams.day(ctx.queryParam("from"), zone, "from", 0);
        Long to = QueryParams.day(ctx.queryParam("to"), zone, "to", 1);
        String status = ctx.queryParam("status");
        if (status != null && !STATUSES.contains(status)) throw ApiException.badRequest("bad_query", "'status' must be one of " + STATUSES);
        String flag = ctx.queryParam("flag");
        if (flag != null && !FLAGS.contains(flag)) throw ApiException.badRequest("bad_query", "'flag' must be one of " + FLAGS);
        String sortText = ctx.queryParamAsClass("sort", String.class).getOrDefault("started").toUpperCase(Locale.ROOT);
        Sort sort;
        try {
            sort = Sort.valueOf(sortText);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_query", "'sort' must be started, duration or room");
        }
        String order = ctx.queryParamAsClass("order", String.class).getOrDefault("desc");
        if (!order.equals("asc") && !order.equals("desc")) throw ApiException.badRequest("bad_query", "'order' must be asc or desc");
        int limit;
        try {
            limit = Integer.parseInt(ctx.queryParamAsClass("limit", String.class).getOrDefault("50"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad_query", "'limit' must be a whole number");
        }
        if (limit < 1 || limit > 500) throw ApiException.badRequest("bad_query", "'limit' must be between 1 and 500");
        String after = ctx.queryParam("after");
        String q = ctx.queryParam("q");
        if (q != null && q.length() > 200) throw ApiException.badRequest("bad_query", "'q' is longer than 200 characters");
        return new SessionFilter(from, to, blankToNull(ctx.queryParam("operator")), blankToNull(ctx.queryParam("room")), status,
                flag, blankToNull(q), sort, order.equals("asc"), after == null ? null : Cursor.decode(after), limit);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Turns free text into an FTS5 query: every word must match, as a prefix, taken literally. */
    public String ftsQuery() {
        StringBuilder sb = new StringBuilder();
        for (String word : text.split("[\\s\"]+")) {
            String w = word.replaceAll("[^\\p{L}\\p{N}@._-]", "");
            if (w.isEmpty()) continue;
            if (sb.length() > 0) sb.append(' ');
            sb.append('"').append(w).append("\"*");
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
