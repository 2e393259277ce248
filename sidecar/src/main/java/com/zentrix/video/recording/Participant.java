package com.zentrix.video.recording;

/**
 * Someone in a room who counts for the recording rule: an operator (staff) or a client. {@code email}
 * is the JWT's e-mail claim and {@code phone} a Jigasi caller's display name (usually the number), as
 * given, when known: what a data-subject request can later find the client by.
 */
public record Participant(String nick, Side side, String jid, String userId, String displayName, String email, String phone) {
    public enum Side { STAFF, CLIENT }

    public Participant(String nick, Side side, String jid, String userId, String displayName) {
        this(nick, side, jid, userId, displayName, null, null);
    }

    public boolean isStaff() {
        return side == Side.STAFF;
    }
}
