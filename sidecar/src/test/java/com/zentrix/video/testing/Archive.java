package com.zentrix.video.testing;

import static org.awaitility.Awaitility.await;

import com.zentrix.video.auth.Passwords;
import com.zentrix.video.auth.Role;
import com.zentrix.video.auth.Users;
import com.zentrix.video.recording.Participant;
import com.zentrix.video.recording.SessionStore;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Puts recorded sessions into a running sidecar through its own code paths: the session lifecycle
 * (SessionStore, as the coordinator drives it) and a real finalize hand-over of a real MP4 over HTTP.
 */
public final class Archive {
    private final Sidecar sidecar;
    private final SessionStore store;
    private final Users users;
    private int n;

    public Archive(Sidecar sidecar) {
        this.sidecar = sidecar;
        this.store = new SessionStore(sidecar.db());
        this.users = new Users(sidecar.db());
    }

    public Users.User user(String username, Role role, String jid, String password) {
        return users.create(username, username, role, Passwords.hash(password), jid, null, System.currentTimeMillis());
    }

    /** A finished session of the given operator with a real recording of the given length; returns its id. */
    public long recordedSession(String room, String operatorJid, String clientName, double seconds) throws Exception {
        return recordedSession(room, operatorJid, clientName, null, null, seconds);
    }

    /** The same, for a client who came with a JWT carrying this user id and e-mail (either may be null). */
    public long recordedSession(String room, String operatorJid, String clientName, String clientJwtId, String clientEmail,
            double seconds) throws Exception {
        long now = System.currentTimeMillis();
        long id = store.openSession(room + "@conference.meet.zentrix.local", room,
                new Participant(room + "/op", Participant.Side.STAFF, operatorJid, null, "Operator " + operatorJid),
                new Participant(room + "/cl", Participant.Side.CLIENT, "x@guest.meet.zentrix.local", clientJwtId, clientName,
                        clientEmail, null), now);
        String jibriId = "zv-test-" + id + "-" + (++n);
        long rec = store.newRecording(id, jibriId, now);
        store.recordingAccepted(rec, "http://jibri.test", now);
        store.recordingOn(rec, now);
        store.endSession(id, "client-left", now + (long) (seconds * 1000), now + (long) (seconds * 1000));
        Path folder = sidecar.recordingsDir().resolve(jibriId);
        Media.mp4(folder.resolve(room + "_2026-11-24-10-00-00.mp4"), seconds);
        var r = sidecar.postSigned("/api/v1/finalize", "{\"directory\":\"" + folder + "\"}", Sidecar.FINALIZE_SECRET);
        if (r.statusCode() != 202) throw new AssertionError("finalize: " + r.statusCode() + " " + r.body());
        await().atMost(Duration.ofSeconds(20)).until(() -> "ok".equals(store.status(id).orElse(null)));
        return id;
    }
}
