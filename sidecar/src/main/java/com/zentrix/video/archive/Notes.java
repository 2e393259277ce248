package com.zentrix.video.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Notes on a session, optionally pinned to a moment of the recording. Anyone who can see the session
 * may add one; only its author edits or deletes it (an admin may delete any).
 */
public final class Notes {
    private static final int MAX_BODY = 4000;

    private final Jdbi jdbi;
    private final AuditLog audit;
    private final Clock clock;
    private final Json json;
    private final Access.Rule access;

    /** Reads JSON bodies (kept small: the web package's limits apply). */
    public interface Json {
        JsonNode read(Context ctx);
    }

    public Notes(Jdbi jdbi, AuditLog audit, Clock clock, Json json, Access.Rule access) {
        this.jdbi = jdbi;
        this.audit = audit;
        this.clock = clock;
        this.json = json;
        this.access = access;
    }

    static List<Map<String, Object>> list(Handle h, long sessionId) {
        return h.createQuery("SELECT n.id, n.body, n.at_ms, n.created_ms, n.updated_ms, n.author_id, u.username AS author, "
                        + "u.display_name AS author_name FROM notes n JOIN users u ON u.id = n.author_id "
                        + "WHERE n.session_id = :s ORDER BY coalesce(n.at_ms, 9223372036854775807), n.id")
                .bind("s", sessionId).mapToMap().list();
    }

    public void list(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        long sessionId = SessionApi.id(ctx);
        ctx.json(Map.of("items", jdbi.withHandle(h -> {
            SessionQueries.card(h, access.of(p), sessionId).orElseThrow(() -> SessionApi.noSuchSession(sessionId));
            return list(h, sessionId);
        })));
    }

    public void add(Context ctx) {
        Principal p = requireUser(ctx);
        long sessionId = SessionApi.id(ctx);
        JsonNode body = json.read(ctx);
        String text = text(body);
        Long at = at(body);
        long now = clock.millis();
        long id = jdbi.inTransaction(h -> {
            SessionQueries.card(h, access.of(p), sessionId).orElseThrow(() -> SessionApi.noSuchSession(sessionId));
            long noteId = h.createUpdate("INSERT INTO notes (session_id, author_id, body, at_ms, created_ms, updated_ms) "
                            + "VALUES (:s, :a, :b, :at, :now, :now)")
                    .bind("s", sessionId).bind("a", p.userId()).bind("b", text).bind("at", at).bind("now", now)
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            audit.record(h, p, "note_add", sessionId, "note=" + noteId + (at == null ? "" : " at_ms=" + at), ctx.ip());
            return noteId;
        });
        ctx.status(201).json(Map.of("id", id));
    }

    public void edit(Context ctx) {
        Principal p = requireUser(ctx);
        long noteId = noteId(ctx);
        JsonNode body = json.read(ctx);
        String text = text(body);
        Long at = at(body);
        jdbi.useTransaction(h -> {
            long sessionId = ownNote(h, p, noteId, false);
            h.createUpdate("UPDATE notes SET body = :b, at_ms = :at, updated_ms = :now WHERE id = :id")
                    .bind("b", text).bind("at", at).bind("now", clock.millis()).bind("id", noteId).execute();
            audit.record(h, p, "note_edit", sessionId, "note=" + noteId, ctx.ip());
        });
        ctx.json(Map.of("id", noteId));
    }

    public void delete(Context ctx) {
        Principal p = requireUser(ctx);
        long noteId = noteId(ctx);
        jdbi.useTransaction(h -> {
            long sessionId = ownNote(h, p, noteId, true);
            String old = h.createQuery("SELECT body FROM notes WHERE id = :id").bind("id", noteId).mapTo(String.class).one();
            h.createUpdate("DELETE FROM notes WHERE id = :id").bind("id", noteId).execute();
            audit.record(h, p, "note_delete", sessionId, "note=" + noteId + " text=" + old, ctx.ip());
        });
        ctx.status(204);
    }

    /** The note's session, if the principal sees it and wrote the note (or, for deletion, is an admin). */
    private long ownNote(Handle h, Principal p, long noteId, boolean adminMay) {
        var row = h.createQuery("SELECT session_id, author_id FROM notes WHERE id = :id").bind("id", noteId).mapToMap().findOne()
                .orElseThrow(() -> ApiException.notFound("no note " + noteId));
        long sessionId = ((Number) row.get("session_id")).longValue();
        SessionQueries.card(h, access.of(p), sessionId).orElseThrow(() -> ApiException.notFound("no note " + noteId));
        boolean mine = ((Number) row.get("author_id")).longValue() == p.userId();
        if (!mine && !(adminMay && p.role() == Role.ADMIN)) throw ApiException.forbidden("only the author may change this note");
        return sessionId;
    }

    static Principal requireUser(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        if (p.userId() == 0) throw ApiException.forbidden("notes and flags need a personal login, not the API token");
        return p;
    }

    private static String text(JsonNode body) {
        String t = body.path("body").asText("").strip();
        if (t.isEmpty()) throw ApiException.badRequest("bad_note", "a note needs some text ('body')");
        if (t.length() > MAX_BODY) throw ApiException.badRequest("bad_note", "a note may have at most " + MAX_BODY + " characters");
        return t;
    }

    private static Long at(JsonNode body) {
        JsonNode at = body.get("at_ms");
        if (at == null || at.isNull()) return null;
        if (!at.canConvertToLong() || at.asLong() < 0) throw ApiException.badRequest("bad_note", "'at_ms' must be a position in milliseconds");
        return at.asLong();
    }

    private static long noteId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("noteId"));
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no such note");
        }
    }
}
