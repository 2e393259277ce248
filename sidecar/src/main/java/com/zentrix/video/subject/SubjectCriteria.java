package com.zentrix.video.subject;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who a data-subject request is about; a session matches when <em>any</em> given criterion does:
 * {@code name} the client's display name, case-insensitive and exact, or a prefix when it ends with
 * {@code *}; {@code jwtId} the JWT user id, exact; {@code email} case-insensitive, exact; {@code phone}
 * digits only, compared with the digits of the stored phone and of the display name (a Jigasi caller's
 * name is usually the number).
 */
public record SubjectCriteria(String name, String jwtId, String email, String phone) {
    private static final int MAX = 200;

    /** Blank values count as not given; throws {@link IllegalArgumentException} when nothing usable is left. */
    public static SubjectCriteria of(String name, String jwtId, String email, String phone) {
        SubjectCriteria c = new SubjectCriteria(clean(name), clean(jwtId), clean(email), clean(phone));
        if (c.name == null && c.jwtId == null && c.email == null && c.phone == null) {
            throw new IllegalArgumentException("give at least one of name, jwt_id, email, phone");
        }
        for (String v : new String[] {c.name, c.jwtId, c.email, c.phone}) {
            if (v != null && v.length() > MAX) throw new IllegalArgumentException("a criterion may have at most " + MAX + " characters");
        }
        if (c.name != null && c.prefix() && normal(c.namePart()).length() < 2) {
            throw new IllegalArgumentException("a name prefix needs at least 2 characters before the *");
        }
        if (c.phone != null && digits(c.phone).length() < 5) throw new IllegalArgumentException("a phone number needs at least 5 digits");
        return c;
    }

    public boolean prefix() {
        return name != null && name.endsWith("*");
    }

    private String namePart() {
        return prefix() ? name.substring(0, name.length() - 1) : name;
    }

    /** Whether a session with these client fields is this subject's. */
    public boolean matches(String clientName, String clientUserId, String clientEmail, String clientPhone) {
        if (name != null && clientName != null) {
            String want = normal(namePart());
            String have = normal(clientName);
            if (prefix() ? have.startsWith(want) : have.equals(want)) return true;
        }
        if (jwtId != null && jwtId.equals(clientUserId)) return true;
        if (email != null && clientEmail != null && normal(email).equals(normal(clientEmail))) return true;
        if (phone != null) {
            String want = digits(phone);
            if (want.equals(digits(clientPhone)) || want.equals(digits(clientName))) return true;
        }
        return false;
    }

    /** For the audit row: the criteria given, never anything found. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (name != null) parts.add("name=" + name);
        if (jwtId != null) parts.add("jwt_id=" + jwtId);
        if (email != null) parts.add("email=" + email);
        if (phone != null) parts.add("phone=" + phone);
        return String.join(" ", parts);
    }

    static String digits(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        s.codePoints().filter(ch -> ch >= '0' && ch <= '9').forEach(b::appendCodePoint);
        return b.toString();
    }

    /** NFC, trimmed, inner white space collapsed, lower case (any script). */
    static String normal(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFC).strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    private static String clean(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
