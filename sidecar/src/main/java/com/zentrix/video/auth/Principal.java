package com.zentrix.video.auth;

/**
 * Who is making a request. {@code userId} 0 is the configured API token (acts as an admin).
 * {@code csrf} is null for bearer-token requests, which carry no ambient browser credentials.
 */
public record Principal(long userId, String username, String displayName, Role role, String xmppJid,
        String jwtUserId, String csrf, String via) {

    public static Principal apiToken() {
        return new Principal(0, "api-token", "API token", Role.ADMIN, null, null, null, "token");
    }
}
