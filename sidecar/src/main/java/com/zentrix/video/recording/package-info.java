/**
 * When to record: the pure {@link com.zentrix.video.recording.RecordingPolicy}, who counts as staff
 * or client, and the coordinator that turns the policy's decisions into sessions and recorder calls.
 */
package com.zentrix.video.recording;
