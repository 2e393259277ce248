package com.zentrix.video.recording;

/** Someone in a room who counts for the recording rule: an operator (staff) or a client. */
public record Participant(String nick, Side side, String jid, String userId, String displayName) {
    public enum Side { STAFF, CLIENT }

    public boolean isStaff() {
        return side == Side.STAFF;
    }
}
