package com.zentrix.video.archive;

import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.WebServer;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

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
    private final long grantSeconds;
    private final Access.Rule access;
    private final OpenReasons reasons;

    public MediaApi(Jdbi jdbi, Path archiveDir, AuditLog audit, ZentrixConfig.Media config, Access.Rule access, OpenReasons reasons) {
        this.jdbi = jdbi;
        this.archiveDir = archiveDir.toAbsolutePath().normalize();
        this.audit = audit;
        this.xAccel = config.xAccelRedirect();
        this.access = access;
        this.reasons = reasons;
        this.xAccelPrefix = config.xAccelPrefix().endsWith("/") ? config.xAccelPrefix() : config.xAccelPrefix() + "/";
        this.grantSeconds = config.grantCache().toSeconds();
    }

    /** Set by nginx on its auth_request subrequest: "may this request have the file, and which file is it?". */
    public static final String GRANT_HEADER = "X-Zentrix-Media-Grant";

    /** The file a request may have: what one query over the session (through the access rule) and its files finds. */
    private record Grant(long fileId, String path, boolean sensitive) {}

    /**
     * The session (only if the access rule lets this principal see it) joined with its best media file, in one
     * indexed query: a player sends a Range request per seek, so this is on the path of every seek
     * (docs/BENCHMARKS.md, "Recording delivery"). The slower questions — no such session, or a session without
     * a recording — are asked only when it finds nothing.
     */
    private Grant grant(Access acc, long id) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("SELECT f.id, f.path, s.sensitive FROM sessions s JOIN files f ON f.session_id = s.id "
                            + "WHERE s.id = :id AND f.kind = 'media' AND f.deleting_ms IS NULL AND " + acc.predicate()
                            + " ORDER BY (f.media_error IS NULL) DESC, f.id LIMIT 1")
                    .bind("id", id);
            acc.binds().forEach(q::bind);
            return q.map((rs, c) -> new Grant(rs.getLong(1), rs.getString(2), rs.getInt(3) != 0)).findOne().orElseGet(() -> {
                SessionQueries.card(h, acc, id).orElseThrow(() -> SessionApi.noSuchSession(id));
                throw ApiException.notFound("session " + id + " has no recording");
            });
        });
    }

    public void media(Context ctx) throws IOException {
        Principal p = AuthApi.principal(ctx);
        long id = SessionApi.id(ctx);
        Grant file = grant(access.of(p), id);
        String reason = reasons.toOpen(file.sensitive(), p, id, ctx);
        Path path = archiveDir.resolve(file.path()).normalize();
        BasicFileAttributes attrs;
        try {
            attrs = path.startsWith(archiveDir) ? Files.readAttributes(path, BasicFileAttributes.class) : null;
        } catch (NoSuchFileException e) {
            attrs = null;
        }
        if (attrs == null || !attrs.isRegularFile()) {
            throw ApiException.notFound("the recording of session " + id + " is not in the archive");
        }
        long size = attrs.size();
        String range = ctx.header("Range");
        boolean download = "1".equals(ctx.queryParam("download"));
        String detail = "file=" + file.fileId() + (reason == null ? "" : " reason=" + reason);
        if (download) audit.record(p, "download", id, detail, ctx.ip());
        else if (range == null || range.startsWith("bytes=0-")) audit.record(p, "play", id, detail, ctx.ip());

        // nginx keeps these three on the file it sends for an X-Accel-Redirect
        ctx.header("Cache-Control", "private, no-store");
        ctx.contentType(contentType(path));
        if (download) {
            ctx.header("Content-Disposition", "attachment; filename=\"session-" + id + suffix(path) + "\"");
        }
        if (xAccel && ctx.header(GRANT_HEADER) != null) {
            grantForNginx(ctx, file, archiveDir.relativize(path), download);
            return;
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
            long[] r = byteRange(range, size);
            if (r == null) throw unsatisfiable(ctx, size); // includes multi-range requests, which we do not serve
            start = r[0];
            end = r[1];
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        long length = end - start + 1;
        ctx.header("Content-Length", Long.toString(length));
        if (ctx.method().name().equals("HEAD")) return;
        WebServer.serverTiming(ctx); // authorised and ready to send: what the benchmarks compare with nginx
        send(path, start, length, ctx.res().getOutputStream());
    }

    /** Read steps: one buffer per request thread, so a seek's answer goes out as one write, not many small ones. */
    private static final int STEP = 256 << 10;
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[STEP]);

    /**
     * The bytes {@code [start, start+length)} of the file, in buffer-sized writes straight to the servlet's
     * output (the content type is a video's, which is never compressed). A whole seek answer (64 KiB–256 KiB)
     * leaves in one write with the headers; a full download streams in 256 KiB steps.
     */
    private static void send(Path path, long start, long length, OutputStream out) throws IOException {
        byte[] buf = BUFFER.get();
        ByteBuffer bb = ByteBuffer.wrap(buf);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long pos = start;
            long left = length;
            while (left > 0) {
                bb.clear().limit((int) Math.min(left, buf.length));
                int n = ch.read(bb, pos);
                if (n <= 0) break; // the file shrank under us: the client sees a short body, never wrong bytes
                out.write(buf, 0, n);
                pos += n;
                left -= n;
            }
            out.flush();
        }
    }

    /**
     * The answer to nginx's auth_request (install.sh's media location): 200 and no body, with the file nginx
     * then sends itself from {@code alias <archive>/$file} (with its own Range, ETag, sendfile) — so a seek
     * costs nginx a cache lookup instead of a round trip here. {@code X-Accel-Expires} lets nginx reuse the
     * answer for this login and URL for {@code zentrix.media.grant-cache}; never for a sensitive recording
     * (each opening is decided and audited) or a download (audited each time). A file nginx cannot be told
     * this way (not an MP4, control characters in its name) gets 403 {@code grant_unavailable}: nginx's
     * error_page then sends the request here the ordinary way, answered by X-Accel-Redirect.
     */
    private void grantForNginx(Context ctx, Grant file, Path relative, boolean download) {
        String name = relative.toString().replace(java.io.File.separatorChar, '/');
        if (!"video/mp4".equals(contentType(relative)) || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ApiException(403, "grant_unavailable", "nginx cannot be told this file; ask without " + GRANT_HEADER);
        }
        // the path's UTF-8 bytes, one char each: Jetty writes header chars up to 0xFF as single bytes, and nginx
        // takes the bytes as they are (no percent-decoding in alias)
        ctx.header("X-Zentrix-Media-File", new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        ctx.header("X-Accel-Expires", Long.toString(download || file.sensitive() ? 0 : grantSeconds));
        ctx.status(200);
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

    /**
     * The first and last byte a single-range {@code Range} header asks for in a file of {@code size} bytes
     * (RFC 9110 14.1.2: a last position past the end means the end, a suffix longer than the file means the
     * whole file, numbers too long for a long are just very large), or null when it is unsatisfiable or
     * not a form we serve.
     */
    static long[] byteRange(String header, long size) {
        Matcher m = RANGE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) return null;
        if (m.group(1).isEmpty()) {
            long suffix = position(m.group(2));
            if (suffix == 0 || size == 0) return null;
            return new long[] {Math.max(0, size - suffix), size - 1};
        }
        long start = position(m.group(1));
        long end = m.group(2).isEmpty() ? size - 1 : Math.min(position(m.group(2)), size - 1);
        if (start >= size || end < start) return null;
        return new long[] {start, end};
    }

    /** A byte position; one beyond any file's size when it has more digits than a long holds. */
    private static long position(String digits) {
        String d = digits.replaceFirst("^0+(?=.)", "");
        return d.length() > 18 ? Long.MAX_VALUE : Long.parseLong(d);
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
