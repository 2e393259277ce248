package com.zentrix.video.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Server-side logins: a random cookie value (stored only as its SHA-256) and a CSRF token per login. */
public final class LoginSessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    public record Created(String cookieValue, String csrf) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final Duration ttl;

    public LoginSessions(Jdbi jdbi, Clock clock, Duration ttl) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.ttl = ttl;
    }

    public Created create(long userId, String method, String ip) {
        String token = random();
        String csrf = random();
        long now = clock.millis();
        jdbi.useHandle(h -> {
            h.createUpdate("DELETE FROM login_sessions WHERE expires_ms < :now").bind("now", now).execute();
            h.createUpdate("INSERT INTO login_sessions (token_hash, user_id, csrf_token, method, ip, created_ms, expires_ms) "
                            + "VALUES (:t, :u, :c, :m, :ip, :now, :exp)")
                    .bind("t", hash(token)).bind("u", userId).bind("c", csrf).bind("m", method).bind("ip", ip)
                    .bind("now", now).bind("exp", now + ttl.toMillis()).execute();
        });
        return new Created(token, csrf);
    }

    /** The principal behind a cookie value, if the login is current and the user enabled. */
    public Optional<Principal> resolve(String cookieValue) {
        if (cookieValue == null || cookieValue.length() > 200) return Optional.empty();
        return jdbi.withHandle(h -> h.createQuery("SELECT u.id, u.username, u.display_name, u.role, u.xmpp_jid, u.jwt_user_id, "
                        + "l.csrf_token, l.method FROM login_sessions l JOIN users u ON u.id = l.user_id "
                        + "WHERE l.token_hash = :t AND l.expires_ms > :now AND u.disabled = 0")
                .bind("t", hash(cookieValue)).bind("now", clock.millis())
                .map((rs, ctx) -> new Principal(rs.getLong(1), rs.getString(2), rs.getString(3), Role.parse(rs.getString(4)),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)))
                .findOne());
    }

    public void delete(String cookieValue) {
        if (cookieValue == null) return;
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM login_sessions WHERE token_hash = :t").bind("t", hash(cookieValue)).execute());
    }

    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
