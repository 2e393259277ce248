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
    private final OpenReasons reasons;
    private final Notes.Json bodies;

    public SessionApi(SessionQueries queries, AuditLog audit, ZoneId zone, Access.Rule access, OpenReasons reasons, Notes.Json bodies) {
        this.queries = queries;
        this.audit = audit;
        this.zone = zone;
        this.access = access;
        this.reasons = reasons;
        this.bodies = bodies;
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
        String reason = reasons.toOpen(Boolean.TRUE.equals(detail.get("sensitive")), p, id, ctx);
        audit.record(p, "view", id, reason == null ? null : "reason=" + reason, ctx.ip());
        ctx.json(detail);
    }

    /**
     * {@code POST /api/v1/sessions/{id}/access {"reason": "…"}}: why this login opens a sensitive session.
     * Its page and recording then open without a reason in their URLs ({@link OpenReasons}); each view
     * and playback is audited with it. 404 for a session this person does not see.
     */
    public void giveReason(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        long id = id(ctx);
        queries.detail(access.of(p), id).orElseThrow(() -> noSuchSession(id));
        String reason = bodies.read(ctx).path("reason").asText("");
        if (reason.isBlank()) throw ApiException.badRequest("reason_required", "give a reason ('reason')");
        reasons.give(p, id, OpenReasons.cut(reason));
        ctx.status(204);
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
