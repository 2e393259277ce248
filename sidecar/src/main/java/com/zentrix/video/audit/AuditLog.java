package com.zentrix.video.audit;

import com.zentrix.video.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Who did what to which session, when, from where: every view, playback, download, note and flag
 * change, deletion and hold. Append-only and hash-chained: each row stores the hash of the row before
 * ({@code prev_hash}) and its own ({@code hash} = SHA-256 over prev_hash and its canonical fields), so
 * an edited, removed or inserted row breaks the chain ({@link AuditVerifier}).
 */
public final class AuditLog {
    /** The prev_hash of the first row. */
    public static final String GENESIS = "0".repeat(64);

    private final Jdbi jdbi;
    private final Clock clock;

    public AuditLog(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public void record(Principal who, String action, Long sessionId, String detail, String ip) {
        jdbi.useTransaction(h -> append(h, who, action, sessionId, detail, ip));
    }

    /** Inside the caller's transaction, so the change and its audit row commit together. */
    public void record(Handle h, Principal who, String action, Long sessionId, String detail, String ip) {
        if (h.isInTransaction()) append(h, who, action, sessionId, detail, ip);
        else h.useTransaction(t -> append(t, who, action, sessionId, detail, ip));
    }

    /**
     * Reads the chain's head and appends after it. Runs inside a write transaction (the database opens
     * them IMMEDIATE, so the write lock is held from the start): no other writer, in this process or
     * another, can append between the read and the insert; the unique index on prev_hash backs it up.
     */
    private void append(Handle h, Principal who, String action, Long sessionId, String detail, String ip) {
        Map<String, Object> head = h.createQuery("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").mapToMap().findOne().orElse(null);
        long id = head == null ? 1 : ((Number) head.get("id")).longValue() + 1;
        String prev = head == null || head.get("hash") == null ? GENESIS : (String) head.get("hash");
        Entry e = new Entry(id, clock.millis(), who == null || who.userId() == 0 ? null : who.userId(),
                who == null ? null : who.username(), action, sessionId, detail, ip);
        h.createUpdate("INSERT INTO audit (id, at_ms, user_id, username, action, session_id, detail, ip, prev_hash, hash) "
                        + "VALUES (:id, :at, :uid, :user, :action, :sid, :detail, :ip, :prev, :hash)")
                .bind("id", e.id()).bind("at", e.atMs()).bind("uid", e.userId()).bind("user", e.username())
                .bind("action", e.action()).bind("sid", e.sessionId()).bind("detail", e.detail()).bind("ip", e.ip())
                .bind("prev", prev).bind("hash", e.hash(prev)).execute();
    }

    /**
     * Seals rows written before the chain existed (hash NULL), once, in id order: only when no row is
     * sealed yet, so a tampered chain is never quietly re-sealed.
     */
    public int sealLegacy() {
        return jdbi.inTransaction(h -> {
            if (h.createQuery("SELECT count(*) FROM audit WHERE hash IS NOT NULL").mapTo(Long.class).one() > 0) return 0;
            var rows = h.createQuery("SELECT id, at_ms, user_id, username, action, session_id, detail, ip FROM audit ORDER BY id")
                    .map((rs, ctx) -> Entry.from(rs)).list();
            String prev = GENESIS;
            for (Entry e : rows) {
                String hash = e.hash(prev);
                h.createUpdate("UPDATE audit SET prev_hash = :p, hash = :h WHERE id = :id")
                        .bind("p", prev).bind("h", hash).bind("id", e.id()).execute();
                prev = hash;
            }
            return rows.size();
        });
    }

    /** One audit row's content, and its hash given the previous row's. */
    public record Entry(long id, long atMs, Long userId, String username, String action, Long sessionId, String detail,
            String ip) {

        static Entry from(java.sql.ResultSet rs) throws java.sql.SQLException {
            long uid = rs.getLong("user_id");
            Long userId = rs.wasNull() ? null : uid;
            long sid = rs.getLong("session_id");
            Long sessionId = rs.wasNull() ? null : sid;
            return new Entry(rs.getLong("id"), rs.getLong("at_ms"), userId, rs.getString("username"), rs.getString("action"),
                    sessionId, rs.getString("detail"), rs.getString("ip"));
        }

        /**
         * SHA-256 (hex) over the previous hash and the fields, each length-prefixed so no two
         * different rows can produce the same input ("ab"+"c" vs "a"+"bc"); null is "-1:".
         */
        public String hash(String prevHash) {
            StringBuilder sb = new StringBuilder(prevHash);
            for (Object f : new Object[] {id, atMs, userId, username, action, sessionId, detail, ip}) {
                if (f == null) {
                    sb.append("|-1:");
                } else {
                    String s = f.toString();
                    sb.append('|').append(s.length()).append(':').append(s);
                }
            }
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }
}
