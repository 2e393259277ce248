package com.zentrix.video.archive;

import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /api/v1/sessions} (filters, sort, keyset pages), {@code GET /api/v1/sessions/{id}}, the review queue. */
public final class SessionApi {
    private final SessionQueries queries;
    private final AuditLog audit;
    private final ZoneId zone;
    private final Access.Rule access;

    public SessionApi(SessionQueries queries, AuditLog audit, ZoneId zone, Access.Rule access) {
        this.queries = queries;
        this.audit = audit;
        this.zone = zone;
        this.access = access;
    }

    public void list(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        SessionQueries.Page page = queries.list(access.of(p), SessionFilter.from(ctx, zone));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.items());
        out.put("next", page.next());
        ctx.json(out);
    }

    /** Sessions waiting for a supervisor's review, oldest first. */
    public void reviewQueue(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        if (!p.role().seesEverything()) throw ApiException.forbidden("the review queue is for supervisors and admins");
        SessionFilter f = SessionFilter.from(ctx, zone);
        SessionFilter queue = new SessionFilter(f.fromMs(), f.toMs(), f.operator(), f.room(), f.status(), "needs_review",
                f.text(), f.sort(), ctx.queryParam("order") == null || f.ascending(), f.after(), f.limit());
        SessionQueries.Page page = queries.list(access.of(p), queue);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.items());
        out.put("next", page.next());
        ctx.json(out);
    }

    public void get(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        long id = id(ctx);
        Map<String, Object> detail = queries.detail(access.of(p), id).orElseThrow(() -> noSuchSession(id));
        String reason = Access.reasonToOpen(detail, ctx);
        audit.record(p, "view", id, reason == null ? null : "reason=" + reason, ctx.ip());
        ctx.json(detail);
    }

    static long id(Context ctx) {
        String v = ctx.pathParam("id");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no session " + v);
        }
    }

    /** The same answer whether the session does not exist or belongs to someone else. */
    static ApiException noSuchSession(long id) {
        return ApiException.notFound("no session " + id);
    }
}
