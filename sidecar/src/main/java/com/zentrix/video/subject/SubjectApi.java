package com.zentrix.video.subject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.Progress;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import com.zentrix.video.retention.RetentionApi;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Admin-only data-subject requests: {@code GET /api/v1/subject?name=&jwt_id=&email=&phone=} (the
 * cards), {@code GET /api/v1/subject/export?…} (a zip, streamed), {@code POST /api/v1/subject/delete?…}
 * with a reason. Criteria are query parameters; all three are audited.
 */
public final class SubjectApi {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Subjects subjects;
    private final ObjectMapper json;
    private final java.time.Clock clock;

    public SubjectApi(Subjects subjects, ObjectMapper json, java.time.Clock clock) {
        this.subjects = subjects;
        this.json = json;
        this.clock = clock;
    }

    public void find(Context ctx) {
        Principal p = admin(ctx);
        SubjectCriteria c = criteria(ctx);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("criteria", c.toString());
        out.put("items", subjects.find(c, p, ctx.ip()));
        ctx.json(out);
    }

    public void export(Context ctx) throws IOException {
        Principal p = admin(ctx);
        SubjectCriteria c = criteria(ctx);
        ctx.contentType("application/zip");
        ctx.header("Content-Disposition", "attachment; filename=\"subject-" + STAMP.format(clock.instant()) + ".zip\"");
        ctx.header("Cache-Control", "no-store");
        OutputStream out = ctx.outputStream();
        subjects.export(c, p, ctx.ip(), out, Progress.NONE);
        out.flush();
    }

    public void delete(Context ctx) {
        Principal p = admin(ctx);
        SubjectCriteria c = criteria(ctx);
        String reason = RetentionApi.reason(ctx, json);
        Subjects.Report r = subjects.delete(c, reason, p, ctx.ip(), Progress.NONE);
        ctx.json(r.toMap());
    }

    private static Principal admin(Context ctx) {
        Principal p = AuthApi.principal(ctx);
        if (p.role() != Role.ADMIN) throw ApiException.forbidden("only admins handle data-subject requests");
        return p;
    }

    private static SubjectCriteria criteria(Context ctx) {
        try {
            return SubjectCriteria.of(ctx.queryParam("name"), ctx.queryParam("jwt_id"), ctx.queryParam("email"), ctx.queryParam("phone"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_criteria", e.getMessage());
        }
    }
}
