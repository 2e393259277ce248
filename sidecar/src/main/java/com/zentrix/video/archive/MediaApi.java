package com.zentrix.video.archive;

import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code GET /api/v1/sessions/{id}/media}: the recording, only for those who may see the session, with
 * HTTP Range (one range; {@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}; 416 when unsatisfiable)
 * so the player seeks anywhere at once. With x-accel-redirect on, nginx sends the bytes after our check.
 */
public final class MediaApi {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private final Jdbi jdbi;
    private final Path archiveDir;
    private final AuditLog audit;
    private final boolean xAccel;
    private final String xAccelPrefix;
    private final Access.Rule access;

    public MediaApi(Jdbi jdbi, Path archiveDir, AuditLog audit, boolean xAccel, String xAccelPrefix, Access.Rule access) {
        this.jdbi = jdbi;
        this.archiveDir = archiveDir.toAbsolutePath().normalize();
        this.audit = audit;
        this.xAccel = xAccel;
        this.access = access;
        this.xAccelPrefix = xAccelPrefix.endsWith("/") ? xAccelPrefix : xAccelPrefix + "/";
    }

    public void media(Context ctx) throws IOException {
        Principal p = AuthApi.principal(ctx);
        long id = SessionApi.id(ctx);
        String[] reason = new String[1];
        Map<String, Object> file = jdbi.withHandle(h -> {
            Map<String, Object> card = SessionQueries.card(h, access.of(p), id).orElseThrow(() -> SessionApi.noSuchSession(id));
            reason[0] = Access.reasonToOpen(card, ctx);
            return h.createQuery("SELECT id, path, original_name, size_bytes FROM files WHERE session_id = :s AND kind = 'media' AND deleting_ms IS NULL "
                            + "ORDER BY (media_error IS NULL) DESC, id LIMIT 1")
                    .bind("s", id).mapToMap().findOne().orElseThrow(() -> ApiException.notFound("session " + id + " has no recording"));
        });
        Path path = archiveDir.resolve((String) file.get("path")).normalize();
        if (!path.startsWith(archiveDir) || !Files.isRegularFile(path)) {
            throw ApiException.notFound("the recording of session " + id + " is not in the archive");
        }
        long size = Files.size(path);
        String range = ctx.header("Range");
        boolean download = "1".equals(ctx.queryParam("download"));
        String detail = "file=" + file.get("id") + (reason[0] == null ? "" : " reason=" + reason[0]);
        if (download) audit.record(p, "download", id, detail, ctx.ip());
        else if (range == null || range.startsWith("bytes=0-")) audit.record(p, "play", id, detail, ctx.ip());

        // nginx keeps these three on the file it sends for an X-Accel-Redirect
        ctx.header("Cache-Control", "private, no-store");
        ctx.contentType(contentType(path));
        if (download) {
            ctx.header("Content-Disposition", "attachment; filename=\"session-" + id + suffix(path) + "\"");
        }
        if (xAccel) {
            // nginx serves the bytes (and the Range, and Accept-Ranges) from its internal location; we only authorised.
            ctx.header("X-Accel-Redirect", xAccelUri(xAccelPrefix, archiveDir.relativize(path)));
            return;
        }
        ctx.header("Accept-Ranges", "bytes");
        long start = 0;
        long end = size - 1;
        if (range != null) {
            Matcher m = RANGE.matcher(range.strip());
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
                throw unsatisfiable(ctx, size); // includes multi-range requests, which we do not serve
            }
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0) throw unsatisfiable(ctx, size);
                start = Math.max(0, size - suffix);
            } else {
                start = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) end = Math.min(Long.parseLong(m.group(2)), size - 1);
                if (start >= size || end < start) throw unsatisfiable(ctx, size);
            }
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        long length = end - start + 1;
        ctx.header("Content-Length", Long.toString(length));
        if (ctx.method().name().equals("HEAD")) return;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            OutputStream out = ctx.outputStream();
            WritableByteChannel target = Channels.newChannel(out);
            long pos = start;
            long left = length;
            while (left > 0) {
                long n = ch.transferTo(pos, Math.min(left, 1 << 20), target);
                if (n <= 0) break;
                pos += n;
                left -= n;
            }
            out.flush();
        }
    }

    /**
     * The URI nginx resolves in its internal location: the prefix and the archive-relative path with every
     * byte outside {@code [A-Za-z0-9._~-]} of each segment percent-encoded. nginx decodes it again; unencoded,
     * a "?" would start a query string, a "%" would be decoded, and a non-ASCII name would not survive the header.
     */
    static String xAccelUri(String prefix, Path relative) {
        StringBuilder out = new StringBuilder(prefix);
        for (int i = 0; i < relative.getNameCount(); i++) {
            if (i > 0) out.append('/');
            for (byte b : relative.getName(i).toString().getBytes(StandardCharsets.UTF_8)) {
                char c = (char) (b & 0xff);
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                        || c == '_' || c == '~') {
                    out.append(c);
                } else {
                    out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
                }
            }
        }
        return out.toString();
    }

    private static ApiException unsatisfiable(Context ctx, long size) {
        ctx.header("Content-Range", "bytes */" + size);
        return new ApiException(416, "bad_range", "the requested range is not satisfiable (size " + size + ")");
    }

    private static String suffix(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot >= 0 ? n.substring(dot) : "";
    }

    private static String contentType(Path p) {
        String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".mp4") || n.endsWith(".m4a")) return "video/mp4";
        if (n.endsWith(".webm")) return "video/webm";
        return "application/octet-stream";
    }
}
