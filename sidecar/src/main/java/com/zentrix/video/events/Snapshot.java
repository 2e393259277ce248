package com.zentrix.video.events;

import java.time.Instant;
import java.util.List;

/**
 * Who is in which room right now, as Prosody knows it (docs/protocol.md, "Occupancy snapshot"): sent
 * by the module when it starts and after its queue overflowed, or fetched by the sidecar. Rooms absent
 * from a snapshot are empty.
 */
public record Snapshot(String id, Instant ts, List<RoomSnapshot> rooms, String body) {

    /**
     * One room: its instance, the last seq assigned in it, its occupants with their identities, and the
     * recording Jicofo shows in the focus's presence now (null when there is no focus or no status).
     */
    public record RoomSnapshot(RoomEvent.Room room, long seq, List<RoomEvent.Occupant> occupants, RoomEvent.Recording recording) {}
}
