package com.zentrix.video.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Javalin assembly: base path, static UI, JSON mapping, one error mapper, security headers, auth. */
public final class WebServer {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);

    private WebServer() {}

    public static Javalin create(String pathPrefix, Set<String> trustedProxies, ObjectMapper json, Consumer<Javalin> routes) {
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            // ctx.ip() is who the audit trail and the login limiter see: behind nginx, the client it names.
            cfg.contextResolver.ip = ctx -> clientAddress(ctx.req().getRemoteAddr(), ctx.header("X-Forwarded-For"), trustedProxies);
            cfg.router.contextPath = pathPrefix.isEmpty() ? "/" : pathPrefix;
            cfg.router.treatMultipleSlashesAsSingleSlash = false;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.staticFiles.add(sf -> {
                sf.hostedPath = "/";
                sf.directory = "/web";
                sf.location = Location.CLASSPATH;
            });
            // third-party browser code (the dashboard's uPlot) from its webjar: <base>/webjars/<name>/<version>/...
            cfg.staticFiles.enableWebjars();
        });
        app.before(ctx -> {
            ctx.attribute("t0", System.nanoTime());
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("X-Frame-Options", "DENY");
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("Cache-Control", "no-store");
        });
        // How long the server spent, for browsers' dev tools and for the benchmarks.
        app.after(WebServer::serverTiming);
        app.exception(ApiException.class, (e, ctx) -> {
            if (e.status() >= 500) log.error("{} {} -> {} {}", ctx.method(), ctx.path(), e.status(), e.getMessage());
            else log.info("{} {} refused -> {} {}: {}", ctx.method(), ctx.path(), e.status(), e.code(), e.getMessage());
            ctx.status(e.status()).json(Map.of("error", e.code(), "message", e.getMessage()));
        });
        app.exception(Exception.class, (e, ctx) -> {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            ctx.status(500).json(Map.of("error", "internal", "message", "internal error; see the sidecar log"));
        });
        routes.accept(app);
        return app;
    }

    /**
     * The client's address: the peer's, unless the peer is a trusted proxy that says whom it forwards for.
     * nginx (as install.sh configures it) sets the header to the one address it accepted the connection
     * from; a proxy that appends gives a list, whose last entry is the one it added itself.
     */
    static String clientAddress(String peer, String forwardedFor, Set<String> trustedProxies) {
        if (forwardedFor == null || !trustedProxies.contains(peer)) return peer;
        String[] hops = forwardedFor.split(",", -1);
        String last = hops[hops.length - 1].strip();
        return last.isEmpty() || last.length() > 64 || !last.matches("[0-9A-Fa-f.:\\[\\]]+") ? peer : last;
    }

    /**
     * Sets {@code Server-Timing: app;dur=<ms>} (time since the request reached us). The after-handler does it for
     * every answer; a handler that streams its body calls it before the first byte, when headers still go out.
     */
    public static void serverTiming(Context ctx) {
        Long t0 = ctx.attribute("t0");
        if (t0 != null && !ctx.res().isCommitted()) {
            ctx.header("Server-Timing", String.format(java.util.Locale.ROOT, "app;dur=%.2f", (System.nanoTime() - t0) / 1e6));
        }
    }

    /** A before-handler requiring {@code Authorization: Bearer <token>}. */
    public static void requireBearer(Context ctx, String token) {
        String h = ctx.header("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : "";
        if (given.isEmpty() || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized("a valid bearer token is required");
        }
    }
}
