package com.zentrix.video.recording;

/**
 * Tells the people in a room that they are being recorded. Called on the recording loop when a
 * session's recorder starts capturing; implementations must not block.
 */
public interface RecordingNotice {
    void recordingStarted(String roomJid, long sessionId);

    RecordingNotice NONE = (room, session) -> { };
}
