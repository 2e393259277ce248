package com.zentrix.video.events;

import java.time.Instant;

/** One MUC event from the Prosody module (docs/protocol.md, "Room events"). */
public record RoomEvent(
        String id, Type type, long seq, Instant ts, Room room, Occupant occupant, Recording recording, String body) {

    public enum Type {
        ROOM_CREATED("room-created"),
        ROOM_DESTROYED("room-destroyed"),
        OCCUPANT_JOINED("occupant-joined"),
        OCCUPANT_LEFT("occupant-left"),
        /** Jicofo's jibri-recording-status in the focus's presence changed. */
        RECORDING_STATUS("recording-status");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public boolean isOccupantEvent() {
            return this == OCCUPANT_JOINED || this == OCCUPANT_LEFT;
        }

        public static Type fromWire(String s) {
            for (Type t : values()) if (t.wire.equals(s)) return t;
            return null;
        }
    }

    public record Room(String jid, String name, String instance) {}

    /**
     * Jicofo's recording status for the room ({@code jitsi/jicofo: JibriRecorder.kt}): status pending,
     * on or off; the Jicofo session id (the folder Jibri writes); why it failed, when it did.
     */
    public record Recording(String status, String sessionId, String failureReason, String initiator) {}

    /** The occupant's kind as far as Prosody knows. */
    public enum Kind {
        AUTHENTICATED, GUEST, JWT, HIDDEN, FOCUS, JIGASI;

        public static Kind fromWire(String s) {
            for (Kind k : values()) if (k.name().equalsIgnoreCase(s)) return k;
            return null;
        }
    }

    public record Jwt(String id, String name, String email, boolean moderator, String affiliation) {}

    public record Occupant(
            String nick, String endpoint, String displayName, String jid, String host,
            String role, String affiliation, Kind kind, Jwt jwt) {}
}
