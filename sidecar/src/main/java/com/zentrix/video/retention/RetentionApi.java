package com.zentrix.video.retention;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Bodies;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Admin-only: the retention policy ({@code GET/PUT/DELETE /api/v1/retention}), legal holds
 * ({@code POST/DELETE /api/v1/sessions/{id}/legal-hold}) and manual deletion
 * ({@code DELETE /api/v1/sessions/{id}/recording}). Holds and deletions need a reason, given as
 * {@code {"reason": …}} or {@code ?reason=}; all of it is audited.
 */
public final class RetentionApi {
    private static final int MAX_REASON = 1000;

    private final Jdbi jdbi;
    private final RetentionPolicies policies;
    private final Deletions deletions;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final Clock clock;

    public RetentionApi(Jdbi jdbi, RetentionPolicies policies, Deletions deletions, AuditLog audit, ObjectMapper json, Clock clock) {
        this.jdbi = jdbi;
        this.policies = policies;
        this.deletions = deletions;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    public void getPolicy(Context ctx) {
        admin(ctx);
        Map<String, Object> out = new LinkedHashMap<>(policies.effective().toMap());
        out.put("source", policies.stored().isPresent() ? "admin" : "config");
        out.put("config", policies.configured().toMap());
        ctx.json(out);
    }

    /** {@code {"default_days": 365, "sensitive_days": 1825, "needs_review_days": 730, "rooms": {"reception-*": 90}}}, any subset. */
    public void putPolicy(Context ctx) {
        Principal p = admin(ctx);
        JsonNode b = Bodies.json(ctx, json, 16 * 1024);
        Map<String, Long> rooms = null;
        if (b.has("rooms")) {
            if (!b.get("rooms").isObject()) throw ApiException.badRequest("bad_policy", "'rooms' must map room names to days");
            rooms = new LinkedHashMap<>();
            for (var it = b.get("rooms").fields(); it.hasNext(); ) {
                var e = it.next();
                rooms.put(e.getKey(), days(e.getValue(), "rooms." + e.getKey()));
            }
        }
        RetentionPolicy next;
        try {
            next = policies.effective().with(days(b.get("default_days"), "default_days"), days(b.get("sensitive_days"), "sensitive_days"),
                    days(b.get("needs_review_days"), "needs_review_days"), rooms);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_policy", e.getMessage());
        }
        policies.set(next, p, ctx.ip());
        getPolicy(ctx);
    }

    public void resetPolicy(Context ctx) {
        policies.reset(admin(ctx), ctx.ip());
        getPolicy(ctx);
    }

    public void hold(Context ctx) {
        Principal p = admin(ctx);
        long id = id(ctx);
        String reason = reason(ctx);
        jdbi.useTransaction(h -> {
            Map<String, Object> s = h.createQuery("SELECT legal_hold, deleting_ms FROM sessions WHERE id = :id").bind("id", id)
                    .mapToMap().findOne().orElseThrow(() -> ApiException.notFound("no session " + id));
            if (s.get("deleting_ms") != null) throw new ApiException(409, "already_deleted", "the recording of session " + id + " is deleted");
            h.createUpdate("UPDATE sessions SET legal_hold = 1, legal_hold_reason = :r, legal_hold_by = :by, legal_hold_ms = :now WHERE id = :id")
                    .bind("r", reason).bind("by", p.username()).bind("now", clock.millis()).bind("id", id).execute();
            audit.record(h, p, "legal_hold_set", id, reason, ctx.ip());
        });
        ctx.json(Map.of("id", id, "legal_hold", true));
    }

    public void release(Context ctx) {
        Principal p = admin(ctx);
        long id = id(ctx);
        String reason = reason(ctx);
        jdbi.useTransaction(h -> {
            int n = h.createUpdate("UPDATE sessions SET legal_hold = 0, legal_hold_reason = NULL, legal_hold_by = NULL, legal_hold_ms = NULL "
                    + "WHERE id = :id AND legal_hold = 1").bind("id", id).execute();
            if (n == 0) throw new ApiException(409, "not_held", "session " + id + " is not under legal hold");
            audit.record(h, p, "legal_hold_released", id, reason, ctx.ip());
        });
        ctx.json(Map.of("id", id, "legal_hold", false));
    }

    /** Deletes a session's recording now; the card stays with status deleted. */
    public void deleteRecording(Context ctx) {
        Principal p = admin(ctx);
        long id = id(ctx);
        String reason = reason(ctx);
        deletions.delete(id, p, reason, ctx.ip());
        ctx.json(Map.of("id", id, "status", "deleted"));
    }

    private static Principal admin(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        if (p.role() != Role.ADMIN) throw ApiException.forbidden("only admins manage retention, holds and deletion");
        return p;
    }

    /** The mandatory reason: {@code ?reason=} or a JSON body's "reason". */
    private String reason(Context ctx) {
        String r = ctx.queryParam("reason");
        if (r == null || r.isBlank()) {
            byte[] body = Bodies.readLimited(ctx, 16 * 1024);
            if (body.length > 0) {
                try {
                    r = json.readTree(body).path("reason").asText("");
                } catch (IOException e) {
                    throw ApiException.badRequest("bad_request", "body is not valid JSON");
                }
            }
        }
        if (r == null || r.isBlank()) throw ApiException.badRequest("reason_required", "give a reason ('reason')");
        if (r.length() > MAX_REASON) throw ApiException.badRequest("reason_required", "a reason may have at most " + MAX_REASON + " characters");
        return r.strip();
    }

    private static Long days(JsonNode v, String name) {
        if (v == null || v.isNull()) return null;
        if (!v.canConvertToLong() || v.asLong() < 0) throw ApiException.badRequest("bad_policy", "'" + name + "' must be days, 0 (for ever) or more");
        return v.asLong();
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no session " + ctx.pathParam("id"));
        }
    }
}
