package com.zentrix.video.live;

/**
 * A client is in the room and nothing records. {@code reason}: {@code technical_error} (the session
 * says recording failed) or {@code not_recording} (no recorder has been capturing for longer than the
 * configured wait); {@code detail} is the session's own reason when it has one.
 */
public record Alert(String room, long session, String reason, String detail, long sinceMs, long raisedMs) {}
