package com.zentrix.video.auth;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** The user table: accounts, their role, and the identities (XMPP JID, JWT id) that link them to sessions. */
public final class Users {
    public record User(long id, String username, String displayName, Role role, String passwordHash, String xmppJid,
            String jwtUserId, boolean disabled, long createdMs) {}

    private static final String COLS = "id, username, display_name, role, password_hash, xmpp_jid, jwt_user_id, disabled, created_ms";
    private static final RowMapper<User> MAP = (rs, ctx) -> new User(rs.getLong(1), rs.getString(2), rs.getString(3),
            Role.parse(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8) != 0, rs.getLong(9));

    private final Jdbi jdbi;

    public Users(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public User create(String username, String displayName, Role role, String passwordHash, String xmppJid,
            String jwtUserId, long nowMs) {
        String name = username.strip();
        if (!name.matches("[\\p{L}\\p{N}._@:+-]{1,100}")) {
            throw new IllegalArgumentException("username may have letters, digits and . _ @ : + - (1-100 characters)");
        }
        if (find(name).isPresent()) throw new IllegalArgumentException("user '" + name + "' already exists");
        long id = jdbi.withHandle(h -> h.createUpdate("INSERT INTO users (username, display_name, role, password_hash, xmpp_jid, "
                        + "jwt_user_id, created_ms) VALUES (:u, :d, :r, :p, :j, :w, :now)")
                .bind("u", name).bind("d", displayName).bind("r", role.wire()).bind("p", passwordHash)
                .bind("j", xmppJid == null ? null : xmppJid.toLowerCase(Locale.ROOT)).bind("w", jwtUserId).bind("now", nowMs)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        return byId(id).orElseThrow();
    }

    public Optional<User> byId(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLS + " FROM users WHERE id = :id").bind("id", id).map(MAP).findOne());
    }

    public Optional<User> find(String username) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLS + " FROM users WHERE username = :u").bind("u", username.strip())
                .map(MAP).findOne());
    }

    public Optional<User> byJid(String jid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLS + " FROM users WHERE xmpp_jid = :j").bind("j", jid.toLowerCase(Locale.ROOT))
                .map(MAP).findOne());
    }

    public Optional<User> byJwtId(String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLS + " FROM users WHERE jwt_user_id = :j").bind("j", id).map(MAP).findOne());
    }

    public List<User> list() {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLS + " FROM users ORDER BY username").map(MAP).list());
    }

    public void setRole(String username, Role role) {
        update(username, "role = :v", role.wire());
    }

    /** A new password also ends every login of that user: whoever knew the old one is out at once. */
    public void setPassword(String username, String hash) {
        User u = find(username).orElseThrow(() -> new IllegalArgumentException("no user '" + username + "'"));
        jdbi.useTransaction(h -> {
            h.createUpdate("UPDATE users SET password_hash = :v WHERE id = :id").bind("v", hash).bind("id", u.id()).execute();
            h.createUpdate("DELETE FROM login_sessions WHERE user_id = :id").bind("id", u.id()).execute();
        });
    }

    /** Disabling also ends every login of that user at once. */
    public void setDisabled(String username, boolean disabled) {
        User u = find(username).orElseThrow(() -> new IllegalArgumentException("no user '" + username + "'"));
        jdbi.useTransaction(h -> {
            h.createUpdate("UPDATE users SET disabled = :v WHERE id = :id").bind("v", disabled ? 1 : 0).bind("id", u.id()).execute();
            if (disabled) h.createUpdate("DELETE FROM login_sessions WHERE user_id = :id").bind("id", u.id()).execute();
        });
    }

    private void update(String username, String set, Object value) {
        int n = jdbi.withHandle(h -> h.createUpdate("UPDATE users SET " + set + " WHERE username = :u")
                .bind("v", value).bind("u", username.strip()).execute());
        if (n == 0) throw new IllegalArgumentException("no user '" + username + "'");
    }
}
