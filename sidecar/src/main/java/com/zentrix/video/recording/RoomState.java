package com.zentrix.video.recording;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the policy knows about one room: who counts and is present, and where the session is.
 * Immutable; the policy returns a new one.
 */
public record RoomState(
        Map<String, Participant> present, Phase phase, Instant sessionStart, Instant graceDeadline, String graceReason) {

    public enum Phase {
        /** No session. */
        IDLE,
        /** A session runs: at least one operator and one client are here. */
        ACTIVE,
        /** A session runs but one side has gone; it ends at graceDeadline unless they come back. */
        GRACE,
        /** The session was stopped at the maximum length; nothing starts until the pair breaks up. */
        CAPPED
    }

    public static RoomState empty() {
        return new RoomState(Map.of(), Phase.IDLE, null, null, null);
    }

    public RoomState {
        present = Collections.unmodifiableMap(new LinkedHashMap<>(present));
    }

    public long staffCount() {
        return present.values().stream().filter(Participant::isStaff).count();
    }

    public long clientCount() {
        return present.values().stream().filter(p -> !p.isStaff()).count();
    }

    /** An operator and a client are both here: a conversation is going on. */
    public boolean conversing() {
        return staffCount() > 0 && clientCount() > 0;
    }

    public boolean sessionRunning() {
        return phase == Phase.ACTIVE || phase == Phase.GRACE;
    }

    public Optional<Participant> firstStaff() {
        return present.values().stream().filter(Participant::isStaff).findFirst();
    }

    public Optional<Participant> firstClient() {
        return present.values().stream().filter(p -> !p.isStaff()).findFirst();
    }

    RoomState with(Map<String, Participant> newPresent) {
        return new RoomState(newPresent, phase, sessionStart, graceDeadline, graceReason);
    }

    RoomState phase(Phase p, Instant start, Instant deadline, String reason) {
        return new RoomState(present, p, start, deadline, reason);
    }
}
