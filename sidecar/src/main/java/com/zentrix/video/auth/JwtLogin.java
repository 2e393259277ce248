package com.zentrix.video.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.zentrix.video.config.ZentrixConfig;
import java.util.Map;
import java.util.Optional;

/**
 * Jitsi JWT single sign-on: an HS256 token signed with the host's app secret, carrying Jitsi's claims
 * ({@code iss} = app id, {@code aud}, {@code exp}, {@code context.user.id/name/email/moderator}), as the
 * portal in front of Jitsi issues them (jitsi-meet's token auth, resources/prosody-plugins/token/util.lib.lua).
 */
public final class JwtLogin {
    public record Identity(String userId, String name, String email, boolean moderator) {}

    private final JWTVerifier verifier;

    public JwtLogin(ZentrixConfig.JwtLogin config) {
        var v = JWT.require(Algorithm.HMAC256(config.appSecret())).withAnyOfAudience(config.audiences().toArray(String[]::new))
                .acceptLeeway(30);
        if (!config.appId().isBlank()) v = v.withIssuer(config.appId());
        this.verifier = v.build();
    }

    /** The user in a valid, unexpired token; empty for anything forged, expired or incomplete. */
    public Optional<Identity> verify(String token) {
        if (token == null || token.length() > 8192) return Optional.empty();
        try {
            DecodedJWT jwt = verifier.verify(token);
            if (jwt.getExpiresAt() == null) return Optional.empty(); // a token that never expires is not accepted
            Map<String, Object> context = jwt.getClaim("context").asMap();
            if (context == null || !(context.get("user") instanceof Map<?, ?> user)) return Optional.empty();
            Object id = user.get("id");
            if (id == null || id.toString().isBlank()) return Optional.empty();
            Object mod = user.get("moderator");
            return Optional.of(new Identity(id.toString(), str(user.get("name")), str(user.get("email")),
                    Boolean.TRUE.equals(mod) || "true".equals(String.valueOf(mod))));
        } catch (JWTVerificationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
