package com.zentrix.video.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Bodies;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging in and out: {@code POST /api/v1/auth/login} (local or Jitsi account), {@code POST|GET
 * /api/v1/auth/jwt} (Jitsi JWT), {@code POST /api/v1/auth/logout}, {@code GET /api/v1/me}; and the filter
 * that authenticates every other API request and checks its CSRF token.
 */
public final class AuthApi {
    public static final String COOKIE = "zv_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Logger log = LoggerFactory.getLogger(AuthApi.class);

    private final Users users;
    private final LoginSessions sessions;
    private final LoginLimiter limiter;
    private final JitsiLogin jitsi;
    private final boolean jitsiAutoCreate;
    private final JwtLogin jwt;
    private final boolean jwtAutoCreate;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final Clock clock;
    private final String cookiePath;
    private final boolean cookieSecure;
    private final Duration ttl;
    private final String apiToken;

    public AuthApi(Users users, LoginSessions sessions, LoginLimiter limiter, JitsiLogin jitsi, boolean jitsiAutoCreate,
            JwtLogin jwt, boolean jwtAutoCreate, AuditLog audit, ObjectMapper json, Clock clock, String pathPrefix,
            boolean cookieSecure, Duration ttl, String apiToken) {
        this.users = users;
        this.sessions = sessions;
        this.limiter = limiter;
        this.jitsi = jitsi;
        this.jitsiAutoCreate = jitsiAutoCreate;
        this.jwt = jwt;
        this.jwtAutoCreate = jwtAutoCreate;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.cookiePath = pathPrefix + "/";
        this.cookieSecure = cookieSecure;
        this.ttl = ttl;
        this.apiToken = apiToken;
    }

    /** The principal of an authenticated request (set by {@link #authenticate}). */
    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute("principal");
        if (p == null) throw ApiException.unauthorized("please log in");
        return p;
    }

    /** Before every non-public API route: who is it, and for changes, is the CSRF token right. */
    public void authenticate(Context ctx) {
        Principal p;
        String authz = ctx.header("Authorization");
        if (authz != null) {
            String given = authz.regionMatches(true, 0, "Bearer ", 0, 7) ? authz.substring(7).strip() : "";
            if (given.isEmpty() || !java.security.MessageDigest.isEqual(given.getBytes(), apiToken.getBytes())) {
                throw ApiException.unauthorized("a valid bearer token is required");
            }
            p = Principal.apiToken();
        } else {
            p = sessions.resolve(ctx.cookie(COOKIE)).orElseThrow(() -> ApiException.unauthorized("please log in"));
            String m = ctx.method().name();
            if (!m.equals("GET") && !m.equals("HEAD") && !m.equals("OPTIONS")) {
                String given = ctx.header(CSRF_HEADER);
                if (given == null || !java.security.MessageDigest.isEqual(given.getBytes(), p.csrf().getBytes())) {
                    throw new ApiException(403, "csrf", "missing or wrong " + CSRF_HEADER + " header");
                }
            }
        }
        ctx.attribute("principal", p);
    }

    public void login(Context ctx) {
        JsonNode body = body(ctx);
        String username = body.path("username").asText("").strip();
        String password = body.path("password").asText("");
        String method = body.path("method").asText("local");
        if (username.isEmpty() || password.isEmpty()) throw ApiException.badRequest("bad_login", "username and password are required");
        String ip = ctx.ip();
        if (limiter.blocked(ip, username)) {
            audit.record(null, "login_blocked", null, "username=" + username, ip);
            throw new ApiException(429, "too_many_attempts", "too many failed logins; wait a minute");
        }
        Optional<Users.User> user = switch (method) {
            case "local" -> users.find(username).filter(u -> Passwords.verify(password, u.passwordHash()))
                    .or(() -> {
                        Passwords.verify(password, null); // same time for unknown users
                        return Optional.empty();
                    });
            case "jitsi" -> jitsiUser(username, password);
            default -> throw ApiException.badRequest("bad_login", "method must be local or jitsi");
        };
        if (user.isEmpty() || user.get().disabled()) {
            limiter.failed(ip, username);
            audit.record(null, "login_failed", null, "method=" + method + " username=" + username, ip);
            log.info("login failed method={} username={} ip={}", method, username, ip);
            throw new ApiException(401, "bad_credentials", "wrong username or password");
        }
        startSession(ctx, user.get(), method);
    }

    private Optional<Users.User> jitsiUser(String username, String password) {
        if (jitsi == null) throw new ApiException(404, "not_enabled", "Jitsi account login is not enabled");
        String local = username.toLowerCase(Locale.ROOT);
        if (local.endsWith("@" + jitsi.domain())) local = local.substring(0, local.length() - jitsi.domain().length() - 1);
        JitsiLogin.Result r = jitsi.check(local, password);
        if (r == JitsiLogin.Result.UNAVAILABLE) throw new ApiException(503, "unavailable", "the Jitsi server could not be reached");
        if (r == JitsiLogin.Result.BAD_CREDENTIALS) return Optional.empty();
        String jid = local + "@" + jitsi.domain();
        Optional<Users.User> existing = users.byJid(jid);
        if (existing.isPresent()) return existing;
        if (!jitsiAutoCreate) throw new ApiException(403, "not_enabled", "this Jitsi account has no access to the archive; ask an admin");
        log.info("created operator {} on first Jitsi login", jid);
        return Optional.of(users.create(jid, local, Role.OPERATOR, null, jid, null, clock.millis()));
    }

    /** {@code POST {"token": …}} or {@code GET ?jwt=…} (the portal's link; redirects to the UI). */
    public void jwt(Context ctx) {
        if (jwt == null) throw new ApiException(404, "not_enabled", "JWT login is not enabled");
        boolean redirect = ctx.method().name().equals("GET");
        String token = redirect ? ctx.queryParam("jwt") : body(ctx).path("token").asText(null);
        String ip = ctx.ip();
        // Per address only: a forged token names nobody, and one sender must not lock out everyone's sign-on.
        if (limiter.blocked(ip)) throw new ApiException(429, "too_many_attempts", "too many failed logins; wait a minute");
        Optional<JwtLogin.Identity> id = jwt.verify(token);
        if (id.isEmpty()) {
            limiter.failed(ip);
            audit.record(null, "login_failed", null, "method=jwt", ip);
            throw new ApiException(401, "bad_token", "the token is invalid or expired");
        }
        Users.User user = users.byJwtId(id.get().userId()).orElse(null);
        if (user == null) {
            if (!jwtAutoCreate) throw new ApiException(403, "not_enabled", "this user has no access to the archive; ask an admin");
            String username = "jwt:" + id.get().userId().replaceAll("[^\\p{L}\\p{N}._@:+-]", "_");
            user = users.create(username, id.get().name(), Role.OPERATOR, null, null, id.get().userId(), clock.millis());
            log.info("created operator {} on first JWT login", username);
        }
        if (user.disabled()) throw new ApiException(401, "bad_token", "this account is disabled");
        startSession(ctx, user, "jwt");
        if (redirect) ctx.redirect(cookiePath, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void startSession(Context ctx, Users.User user, String method) {
        LoginSessions.Created s = sessions.create(user.id(), method, ctx.ip());
        Cookie c = new Cookie(COOKIE, s.cookieValue(), cookiePath, (int) ttl.toSeconds(), cookieSecure, 0, true, null, null,
                SameSite.STRICT);
        ctx.cookie(c);
        audit.record(new Principal(user.id(), user.username(), user.displayName(), user.role(), null, null, null, method),
                "login", null, "method=" + method, ctx.ip());
        log.info("login user={} role={} method={} ip={}", user.username(), user.role().wire(), method, ctx.ip());
        ctx.json(me(user.id(), user.username(), user.displayName(), user.role(), s.csrf()));
    }

    public void logout(Context ctx) {
        Principal p = principal(ctx);
        sessions.delete(ctx.cookie(COOKIE));
        ctx.cookie(new Cookie(COOKIE, "", cookiePath, 0, cookieSecure, 0, true, null, null, SameSite.STRICT));
        audit.record(p, "logout", null, null, ctx.ip());
        ctx.json(Map.of("logged_out", true));
    }

    public void me(Context ctx) {
        Principal p = principal(ctx);
        ctx.json(me(p.userId(), p.username(), p.displayName(), p.role(), p.csrf()));
    }

    private static Map<String, Object> me(long id, String username, String displayName, Role role, String csrf) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("username", username);
        out.put("display_name", displayName);
        out.put("role", role.wire());
        out.put("csrf", csrf);
        return out;
    }

    private JsonNode body(Context ctx) {
        // Login CSRF: a cross-site form can post text/plain or a form encoding, never application/json
        // (that takes a CORS preflight we never grant), so a foreign page cannot log a browser in as someone else.
        String type = ctx.contentType();
        if (type == null || !type.strip().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "send the login as Content-Type: application/json");
        }
        try {
            JsonNode n = json.readTree(Bodies.readLimited(ctx, 16 * 1024));
            if (n == null || !n.isObject()) throw ApiException.badRequest("bad_request", "body must be a JSON object");
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest("bad_request", "body is not valid JSON");
        }
    }
}
