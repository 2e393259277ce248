package com.zentrix.video.audit;

import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Role;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.QueryParams;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * The audit trail for admins: {@code GET /api/v1/audit} (newest first, keyset pages by id) and
 * {@code GET /api/v1/audit.csv} (every matching row). Filters: from, to (days in the institution's
 * zone), user, action, session.
 */
public final class AuditApi {
    private static final String COLUMNS = "id, at_ms, user_id, username, action, session_id, detail, ip, prev_hash, hash";

    private final Jdbi jdbi;
    private final ZoneId zone;

    public AuditApi(Jdbi jdbi, ZoneId zone) {
        this.jdbi = jdbi;
        this.zone = zone;
    }

    public void list(Context ctx) {
        requireAdmin(ctx);
        int limit = intParam(ctx, "limit", 100);
        if (limit < 1 || limit > 1000) throw ApiException.badRequest("bad_query", "'limit' must be between 1 and 1000");
        Filter f = filter(ctx);
        String after = ctx.queryParam("after");
        if (after != null) {
            f.where.add("id < :after");
            f.binds.put("after", QueryParams.whole(after, "after"));
        }
        List<Map<String, Object>> rows = jdbi.withHandle(h -> query(h.createQuery(f.sql() + " LIMIT " + (limit + 1)), f).mapToMap().list());
        String next = null;
        if (rows.size() > limit) {
            rows = rows.subList(0, limit);
            next = String.valueOf(rows.get(limit - 1).get("id"));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", rows);
        out.put("next", next);
        ctx.json(out);
    }

    public void csv(Context ctx) throws IOException {
        requireAdmin(ctx);
        Filter f = filter(ctx);
        ctx.contentType("text/csv; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"audit.csv\"");
        ctx.header("Cache-Control", "no-store");
        Writer w = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8);
        w.write(COLUMNS.replace(" ", "") + "\r\n");
        jdbi.useHandle(h -> {
            try (var it = query(h.createQuery(f.sql()), f).setFetchSize(500).mapToMap().iterator()) {
                while (it.hasNext()) {
                    Map<String, Object> r = it.next();
                    List<String> cells = new ArrayList<>();
                    for (String c : COLUMNS.split(", ")) cells.add(cell(r.get(c)));
                    w.write(String.join(",", cells) + "\r\n");
                }
            }
        });
        w.flush();
    }

    /** RFC 4180 quoting with spreadsheet formulas defused: the one CSV rule every export uses. */
    static String cell(Object v) {
        return com.zentrix.video.web.Csv.cell(v);
    }

    private record Filter(List<String> where, Map<String, Object> binds) {
        String sql() {
            return "SELECT " + COLUMNS + " FROM audit" + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)) + " ORDER BY id DESC";
        }
    }

    private static Query query(Query q, Filter f) {
        f.binds.forEach(q::bind);
        return q;
    }

    private Filter filter(Context ctx) {
        Filter f = new Filter(new ArrayList<>(), new LinkedHashMap<>());
        Long from = QueryParams.day(ctx.queryParam("from"), zone, "from", 0);
        Long to = QueryParams.day(ctx.queryParam("to"), zone, "to", 1);
        if (from != null) {
            f.where.add("at_ms >= :from");
            f.binds.put("from", from);
        }
        if (to != null) {
            f.where.add("at_ms < :to");
            f.binds.put("to", to);
        }
        String user = blank(ctx.queryParam("user"));
        if (user != null) {
            f.where.add("username = :user COLLATE NOCASE");
            f.binds.put("user", user);
        }
        String action = blank(ctx.queryParam("action"));
        if (action != null) {
            f.where.add("action = :action");
            f.binds.put("action", action);
        }
        String session = blank(ctx.queryParam("session"));
        if (session != null) {
            f.where.add("session_id = :session");
            f.binds.put("session", QueryParams.whole(session, "session"));
        }
        return f;
    }

    private static void requireAdmin(Context ctx) {
        if (AuthApi.principal(ctx).role() != Role.ADMIN) throw ApiException.forbidden("the audit log is for admins");
    }

    private static int intParam(Context ctx, String name, int dflt) {
        String v = ctx.queryParam(name);
        return v == null ? dflt : (int) Math.min(Integer.MAX_VALUE, Math.max(Integer.MIN_VALUE, QueryParams.whole(v, name)));
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
