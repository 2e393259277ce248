package com.zentrix.video.auth;

import java.util.Locale;

/** What a user may do. Roles are ours to give: no login method (Jitsi, JWT) can raise one. */
public enum Role {
    /** Configures, manages users, sees everything. */
    ADMIN,
    /** Sees every recording and the analytics; reviews. */
    SUPERVISOR,
    /** Sees only their own conversations; may add notes and flags to them. */
    OPERATOR;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean seesEverything() {
        return this == ADMIN || this == SUPERVISOR;
    }

    public static Role parse(String s) {
        for (Role r : values()) if (r.wire().equalsIgnoreCase(s == null ? "" : s.strip())) return r;
        throw new IllegalArgumentException("role must be admin, supervisor or operator (got '" + s + "')");
    }
}
