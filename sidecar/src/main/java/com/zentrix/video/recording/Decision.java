package com.zentrix.video.recording;

/** What the policy wants done. The coordinator carries it out and logs it with room and session. */
public sealed interface Decision {
    /** Open a new session and start recording it. */
    record Start(String reason, Participant staff, Participant client) implements Decision {}

    /**
     * End the running session and stop its recorder. {@code conversationEnded} is when the
     * conversation itself ended: when the client left, not when the grace period ran out.
     */
    record Stop(String reason, java.time.Instant conversationEnded) implements Decision {}

    /** One side left: the session goes on for the grace period. */
    record GraceStarted(String reason) implements Decision {}

    /**
     * Pre-warm: an operator waits alone in a pre-warm room. Open a session (no client yet) and start the
     * recorder now, so it has joined by the time a client comes.
     */
    record Warm(String reason, Participant staff) implements Decision {}

    /**
     * Pre-warm: a client joined while the recorder was warming. The warm-up becomes the conversation's
     * session; the client's join time (Prosody's) is where ingest cuts the file.
     */
    record ClientArrived(String reason, Participant client) implements Decision {}

    /** They came back within the grace period: the same session goes on. */
    record Resumed(String reason) implements Decision {}
}
