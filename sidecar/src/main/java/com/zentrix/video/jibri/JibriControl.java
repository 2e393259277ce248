package com.zentrix.video.jibri;

/**
 * Starts and stops recorders. Implementations block (network calls) and must be called off the
 * recording loop. {@link #stop} may take as long as Jibri's finalize script runs.
 */
public interface JibriControl {

    /** Outcome of a start: which recorder took it, or why none could. */
    record StartResult(boolean started, String jibriUrl, String failure) {
        public static StartResult ok(String url) {
            return new StartResult(true, url, null);
        }

        public static StartResult failed(String why) {
            return new StartResult(false, null, why);
        }
    }

    /** Asks a recorder to record the room into a folder named after jibriSessionId. */
    StartResult start(String jibriSessionId, String roomName);

    /** Whether the recorder at jibriUrl is busy now; null when it cannot be reached. */
    Boolean busy(String jibriUrl);

    /** Asks the recorder at jibriUrl to stop; returns once it has (finalize included). */
    void stop(String jibriUrl, String jibriSessionId) throws Exception;
}
