package com.zentrix.video.recording;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the policy knows about one room: who counts and is present, and where the session is; and
 * whether the room records in pre-warm mode (zentrix.recording.prewarm). Immutable; the policy returns a
 * new one. In WARMING, sessionStart is when the warm-up began and graceDeadline when it gives up.
 */
public record RoomState(
        Map<String, Participant> present, Phase phase, Instant sessionStart, Instant graceDeadline, String graceReason,
        boolean prewarm) {

    public enum Phase {
        /** No session. */
        IDLE,
        /** A session runs: at least one operator and one client are here. */
        ACTIVE,
        /** A session runs but one side has gone; it ends at graceDeadline unless they come back. */
        GRACE,
        /** The session was stopped at the maximum length; nothing starts until the pair breaks up. */
        CAPPED,
        /** Pre-warm: an operator waits alone and the recorder already runs; a client's join makes it the session. */
        WARMING,
        /** Pre-warm: the warm-up waited its maximum; nothing runs, the next client starts an ordinary session. */
        WARM_EXPIRED
    }

    public static RoomState empty() {
        return empty(false);
    }

    public static RoomState empty(boolean prewarm) {
        return new RoomState(Map.of(), Phase.IDLE, null, null, null, prewarm);
    }

    public RoomState(Map<String, Participant> present, Phase phase, Instant sessionStart, Instant graceDeadline,
            String graceReason) {
        this(present, phase, sessionStart, graceDeadline, graceReason, false);
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

    /** A conversation's session runs (not a warm-up: see {@link #warming()}). */
    public boolean sessionRunning() {
        return phase == Phase.ACTIVE || phase == Phase.GRACE;
    }

    public boolean warming() {
        return phase == Phase.WARMING;
    }

    public Optional<Participant> firstStaff() {
        return present.values().stream().filter(Participant::isStaff).findFirst();
    }

    public Optional<Participant> firstClient() {
        return present.values().stream().filter(p -> !p.isStaff()).findFirst();
    }

    RoomState with(Map<String, Participant> newPresent) {
        return new RoomState(newPresent, phase, sessionStart, graceDeadline, graceReason, prewarm);
    }

    RoomState phase(Phase p, Instant start, Instant deadline, String reason) {
        return new RoomState(present, p, start, deadline, reason, prewarm);
    }
}
