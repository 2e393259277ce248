package com.zentrix.video.archive;

import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /api/v1/sessions} and {@code GET /api/v1/sessions/{id}}. */
public final class SessionApi {
    private final SessionQueries queries;

    public SessionApi(SessionQueries queries) {
        this.queries = queries;
    }

    public void list(Context ctx) {
        int limit = intParam(ctx, "limit", 50, 1, 500);
        String before = ctx.queryParam("before");
        Long beforeId = before == null ? null : (long) parse(before, "before");
        List<Map<String, Object>> items = queries.list(limit, beforeId);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        out.put("next", items.size() == limit ? items.get(items.size() - 1).get("id") : null);
        ctx.json(out);
    }

    public void get(Context ctx) {
        long id = parse(ctx.pathParam("id"), "id");
        ctx.json(queries.get(id).orElseThrow(() -> ApiException.notFound("no session " + id)));
    }

    private static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null) return dflt;
        long n = parse(v, name);
        if (n < min || n > max) throw ApiException.badRequest("bad_query", "'" + name + "' must be between " + min + " and " + max);
        return (int) n;
    }

    private static long parse(String v, String name) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad_query", "'" + name + "' must be a whole number");
        }
    }
}
