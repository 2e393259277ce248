package com.zentrix.video.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;

/** Password hashing with bcrypt (cost 12), from a kept library rather than by hand. */
public final class Passwords {
    private static final int COST = 12;
    /** Checked against when the user does not exist, so a miss takes as long as a wrong password. */
    private static final String DUMMY = BCrypt.withDefaults().hashToString(COST, "not-a-password".toCharArray());

    private Passwords() {}

    public static String hash(String password) {
        if (password == null || password.length() < 8) throw new IllegalArgumentException("a password needs at least 8 characters");
        if (password.getBytes(StandardCharsets.UTF_8).length > 72) throw new IllegalArgumentException("a password may have at most 72 bytes");
        return BCrypt.withDefaults().hashToString(COST, password.toCharArray());
    }

    public static boolean verify(String password, String hash) {
        if (password == null) return false;
        if (password.getBytes(StandardCharsets.UTF_8).length > 72) return false;
        return BCrypt.verifyer().verify(password.toCharArray(), hash == null ? DUMMY : hash).verified && hash != null;
    }
}
