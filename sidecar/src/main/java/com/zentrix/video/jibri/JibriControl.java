package com.zentrix.video.jibri;

/**
 * Starts and stops recorders. Implementations block (network calls) and must be called off the
 * recording loop. {@link #stop} may take as long as Jibri's finalize script runs.
 */
public interface JibriControl {

    /**
     * The room to record, and the staff occupant (in-room JID, {@code room@conference.host/nick}) on
     * whose behalf it is asked; null when no operator is present. Recording through Jicofo needs the
     * occupant (Jicofo accepts the request only from a moderator); the HTTP API does not.
     */
    record Target(String roomJid, String roomName, String staffOccupant) {}

    /**
     * Outcome of a start: which recorder took it, or why none could. {@code sessionId} is the recorder
     * session id the controller assigned when it is not ours (Jicofo picks its own, and Jibri names the
     * recording folder after it); null keeps the id we asked for.
     */
    record StartResult(boolean started, String jibriUrl, String sessionId, String failure) {
        public static StartResult ok(String url) {
            return new StartResult(true, url, null, null);
        }

        public static StartResult ok(String url, String sessionId) {
            return new StartResult(true, url, sessionId, null);
        }

        public static StartResult failed(String why) {
            return new StartResult(false, null, null, why);
        }
    }

    /**
     * A stop nobody in the room may ask for now: Jicofo takes a stop only from a moderator occupant
     * ({@code jitsi/jicofo jibri/BaseJibri.kt verifyModeratorRole}), and none is there (or the one asked
     * is not a moderator yet). It can be asked again once a moderator is in the room.
     */
    final class NoModerator extends java.io.IOException {
        public NoModerator(String message) {
            super(message);
        }
    }

    /** Asks a recorder to record the room into a folder named after jibriSessionId (or the id it returns). */
    StartResult start(String jibriSessionId, Target target);

    /** Whether the recorder at jibriUrl is busy now; null when it cannot be reached or cannot be asked. */
    Boolean busy(String jibriUrl);

    /**
     * Whether {@link #stop} returns only after the recorder has finished, finalize included (Jibri's HTTP
     * stopService does). When it does not (a stop through Jicofo is fire-and-forget), a recorder that
     * never reported capture may still hand files over: its end is known from its status, not the stop.
     */
    default boolean stopWaitsForFinalize() {
        return true;
    }

    /**
     * Whether the recorder's state is what Jicofo shows in the room (its jibri-recording-status), so
     * that Prosody's occupancy snapshot says whether a recording still runs and a room that is gone has
     * no recorder left. False for recorders asked directly (their state comes from {@link #busy}).
     */
    default boolean stateInRoom() {
        return false;
    }

    /**
     * Gives no new start to the recorder at jibriUrl until {@link #release}: a stop not yet seen through
     * is about to be asked again, and must not end a newer recording there. A no-op where the recorder is
     * not chosen by us (Jicofo picks it).
     */
    default void hold(String jibriUrl) {}

    /** Ends a {@link #hold}. */
    default void release(String jibriUrl) {}

    /** Asks the recorder at jibriUrl to stop; returns once it has (finalize included, where it can tell). */
    void stop(String jibriUrl, String jibriSessionId, Target target) throws Exception;
}
