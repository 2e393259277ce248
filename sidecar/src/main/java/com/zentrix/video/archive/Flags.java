package com.zentrix.video.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The flags "contains sensitive data" and "needs supervisor review", set and cleared by the owning
 * operator or a supervisor (anyone who sees the session), with who and when; and "mark reviewed",
 * which only supervisors and admins may do.
 */
public final class Flags {
    private final Jdbi jdbi;
    private final AuditLog audit;
    private final Clock clock;
    private final Notes.Json json;
    private final Access.Rule access;

    public Flags(Jdbi jdbi, AuditLog audit, Clock clock, Notes.Json json, Access.Rule access) {
        this.jdbi = jdbi;
        this.audit = audit;
        this.clock = clock;
        this.json = json;
        this.access = access;
    }

    /** {@code PUT /api/v1/sessions/{id}/flags {"sensitive": true, "needs_review": false}} (either or both). */
    public void set(Context ctx) {
        Principal p = Notes.requireUser(ctx);
        long id = SessionApi.id(ctx);
        JsonNode body = json.read(ctx);
        Boolean sensitive = bool(body, "sensitive");
        Boolean review = bool(body, "needs_review");
        if (sensitive == null && review == null) throw ApiException.badRequest("bad_flags", "give 'sensitive' and/or 'needs_review' as true or false");
        long now = clock.millis();
        jdbi.useTransaction(h -> {
            SessionQueries.card(h, access.of(p), id).orElseThrow(() -> SessionApi.noSuchSession(id));
            if (sensitive != null) change(h, p, id, "sensitive", sensitive, now, ctx.ip());
            if (review != null) change(h, p, id, "needs_review", review, now, ctx.ip());
        });
        ctx.json(Map.of("id", id));
    }

    private void change(Handle h, Principal p, long id, String flag, boolean value, long now, String ip) {
        int changed = h.createUpdate("UPDATE sessions SET " + flag + " = :v, " + flag + "_by = :u, " + flag + "_ms = :now "
                        + "WHERE id = :id AND " + flag + " <> :v")
                .bind("v", value ? 1 : 0).bind("u", p.userId()).bind("now", now).bind("id", id).execute();
        if (changed == 0) return;
        if (flag.equals("needs_review") && value) {
            h.createUpdate("UPDATE sessions SET reviewed_by = NULL, reviewed_ms = NULL WHERE id = :id").bind("id", id).execute();
        }
        h.createUpdate("INSERT INTO flag_history (session_id, flag, value, user_id, at_ms) VALUES (:s, :f, :v, :u, :now)")
                .bind("s", id).bind("f", flag).bind("v", value ? 1 : 0).bind("u", p.userId()).bind("now", now).execute();
        audit.record(h, p, value ? "flag_set" : "flag_clear", id, flag, ip);
    }

    /** {@code POST /api/v1/sessions/{id}/reviewed}: a supervisor has reviewed it; it leaves the queue. */
    public void reviewed(Context ctx) {
        Principal p = Notes.requireUser(ctx);
        if (!p.role().seesEverything()) throw ApiException.forbidden("only supervisors and admins mark sessions reviewed");
        long id = SessionApi.id(ctx);
        long now = clock.millis();
        jdbi.useTransaction(h -> {
            SessionQueries.card(h, access.of(p), id).orElseThrow(() -> SessionApi.noSuchSession(id));
            int n = h.createUpdate("UPDATE sessions SET needs_review = 0, reviewed_by = :u, reviewed_ms = :now WHERE id = :id AND needs_review = 1")
                    .bind("u", p.userId()).bind("now", now).bind("id", id).execute();
            if (n == 0) throw new ApiException(409, "not_in_review", "session " + id + " is not waiting for review");
            h.createUpdate("INSERT INTO flag_history (session_id, flag, value, user_id, at_ms) VALUES (:s, 'reviewed', 1, :u, :now)")
                    .bind("s", id).bind("u", p.userId()).bind("now", now).execute();
            audit.record(h, p, "reviewed", id, null, ctx.ip());
        });
        ctx.json(Map.of("id", id, "reviewed", true));
    }

    private static Boolean bool(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw ApiException.badRequest("bad_flags", "'" + name + "' must be true or false");
        return v.asBoolean();
    }
}
