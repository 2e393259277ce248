package com.zentrix.video.recording;

import com.zentrix.video.events.RoomEvent;
import com.zentrix.video.events.Snapshot;
import com.zentrix.video.jibri.JibriControl;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Carries out the recording policy for every room: feeds it events and wake-ups, opens and ends
 * sessions, asks recorders to start and stop, and retries when none would. All room state lives on one
 * thread (the loop); network calls run on the io and stop executors and report back to the loop. A stop
 * never holds anything the finalize hand-over needs: Jibri's stopService returns only after its finalize
 * script has exited (jitsi-integration.md).
 */
public final class RecordingCoordinator {
    private static final Logger log = LoggerFactory.getLogger(RecordingCoordinator.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RecordingNotice notice;
    private final java.util.Set<Long> noticed = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > 10_000;
        }
    });
    private final RecordingPolicy policy;
    private final OccupantClassifier classifier;
    private final SessionStore store;
    private final JibriControl jibri;
    private final ScheduledExecutorService loop;
    private final ExecutorService io;
    private final ExecutorService stopper;
    private final Clock clock;
    private final Duration retryInitial;
    private final Duration retryMax;
    private final Map<String, Room> rooms = new HashMap<>();
    private final java.util.function.Predicate<String> prewarmRooms;

    private final class Room {
        final String jid;
        String name;
        RoomState state;
        /** Prosody's time of the occupant-joined being applied; null for joins learnt from a snapshot. */
        Instant joinTs;
        Long sessionId;
        Attempt attempt;
        int attempts;
        ScheduledFuture<?> wake;
        ScheduledFuture<?> retry;
        Duration retryDelay;
        /** The newest event applied: a snapshot older than it must not undo it. */
        String instance;
        long lastSeq;
        long lastEventTs;
        /** Adopted after a restart: its grace does not run out before Prosody's first snapshot (or this time). */
        Instant awaitingSnapshotUntil;
        /** Recorders whose stop Jicofo cannot take until a moderator is in the room. */
        final List<Attempt> awaitingModerator = new java.util.ArrayList<>();

        Room(String jid, String name) {
            this.jid = jid;
            this.name = name;
            this.state = RoomState.empty(prewarmRooms.test(name));
        }
    }

    /** One try at recording a session on a recorder. */
    private static final class Attempt {
        /** Known once the rows are written, right after the start is sent (same loop task). */
        long sessionId;
        long recordingId;
        /** Ours until the controller assigns its own (Jicofo does). */
        String jibriSessionId;
        /** The operator on whose behalf the recorder was asked (in-room JID). */
        String staffOccupant;
        String jibriUrl;
        boolean stopRequested;
        boolean over;
        /** A recorder status that arrived while the start was still in flight. */
        RoomEvent.Recording early;
        /** The recorder said capture runs. */
        boolean on;
        /** How long the recorder took to answer the start (written off the loop, read after it handed back). */
        volatile long answeredInMs;
        /** Taken back after a restart and not yet seen in Jicofo's status: whether it still runs is unknown. */
        boolean adopted;
        /** When the recorder accepted the start (or the attempt was adopted after a restart); 0 before. */
        long acceptedMs;
        /** Since when the recorder could not be asked whether it is busy; -1 while it answers. */
        long unreachableSinceMs = -1;
        /** The next try of a stop that waits for a moderator, and the pause before the one after. */
        ScheduledFuture<?> stopRetry;
        Duration stopDelay;

        Attempt(String jibriSessionId) {
            this.jibriSessionId = jibriSessionId;
        }

        Attempt(long sessionId, long recordingId, String jibriSessionId) {
            this.sessionId = sessionId;
            this.recordingId = recordingId;
            this.jibriSessionId = jibriSessionId;
        }
    }

    /** What a live view shows of a room. */
    public record RoomView(String jid, String name, RoomState.Phase phase, Long sessionId, long staff, long clients,
            String jibriSessionId, String jibriUrl) {}

    private volatile Duration assumeCapturingAfter;
    private volatile Duration unreachableAfter;

    public RecordingCoordinator(RecordingPolicy policy, OccupantClassifier classifier, SessionStore store,
            JibriControl jibri, ScheduledExecutorService loop, ExecutorService io, ExecutorService stopper, Clock clock,
            Duration retryInitial, Duration retryMax, RecordingNotice notice) {
        this(policy, classifier, store, jibri, loop, io, stopper, clock, retryInitial, retryMax, notice, name -> false);
    }

    /** prewarmRooms: which room names record in pre-warm mode (zentrix.recording.prewarm.rooms). */
    public RecordingCoordinator(RecordingPolicy policy, OccupantClassifier classifier, SessionStore store,
            JibriControl jibri, ScheduledExecutorService loop, ExecutorService io, ExecutorService stopper, Clock clock,
            Duration retryInitial, Duration retryMax, RecordingNotice notice, java.util.function.Predicate<String> prewarmRooms) {
        this.prewarmRooms = prewarmRooms;
        this.notice = notice;
        this.policy = policy;
        this.classifier = classifier;
        this.store = store;
        this.jibri = jibri;
        this.loop = loop;
        this.io = io;
        this.stopper = stopper;
        this.clock = clock;
        this.retryInitial = retryInitial;
        this.retryMax = retryMax;
    }

    /**
     * How the recorder check judges a recorder asked directly (not through Jicofo): still busy this long
     * after accepting without a word of capture, it captures (its one ON webhook was lost: Jibri gives up
     * a call it cannot join within 30 s and goes IDLE); unreachable this long, it is gone. Null: never.
     * Set once, before the first event.
     */
    public RecordingCoordinator recorderWatch(Duration assumeCapturingAfter, Duration unreachableAfter) {
        this.assumeCapturingAfter = assumeCapturingAfter;
        this.unreachableAfter = unreachableAfter;
        return this;
    }

    /** Handles one event, in order; runs on the loop (the sequencer calls it there). */
    public void onEvent(RoomEvent e) {
        Room room = rooms.computeIfAbsent(e.room().jid(), jid -> new Room(jid, e.room().name()));
        room.name = e.room().name();
        if (!e.room().instance().equals(room.instance)) room.lastSeq = 0;
        room.instance = e.room().instance();
        room.lastSeq = Math.max(room.lastSeq, e.seq());
        room.lastEventTs = Math.max(room.lastEventTs, e.ts().toEpochMilli());
        withRoomContext(room, () -> {
            switch (e.type()) {
                case ROOM_CREATED -> log.debug("room created room={}", room.name);
                case OCCUPANT_JOINED -> {
                    Optional<Participant> p = classifier.classify(e.occupant());
                    if (p.isEmpty()) {
                        log.info("occupant not counted room={} nick={} kind={} jid={}", room.name, e.occupant().nick(),
                                e.occupant().kind(), e.occupant().jid());
                        return;
                    }
                    log.info("{} joined room={} nick={} jid={} name={}", p.get().isStaff() ? "operator" : "client",
                            room.name, p.get().nick(), p.get().jid(), p.get().displayName());
                    room.joinTs = e.ts();
                    try {
                        apply(room, new RecordingPolicy.Input.Joined(p.get()));
                    } finally {
                        room.joinTs = null;
                    }
                    if (p.get().isStaff()) retryStopsNow(room);
                }
                case OCCUPANT_LEFT -> apply(room, new RecordingPolicy.Input.Left(e.occupant().nick()));
                case RECORDING_STATUS -> recordingStatus(room, e.recording());
                case ROOM_DESTROYED -> {
                    apply(room, new RecordingPolicy.Input.Destroyed());
                    if (room.wake != null) room.wake.cancel(false);
                    if (room.retry != null) room.retry.cancel(false);
                    rooms.remove(room.jid);
                    log.debug("room destroyed room={}", room.name);
                }
            }
        });
    }

    private void apply(Room room, RecordingPolicy.Input input) {
        Instant now = clock.instant();
        RoomState before = room.state;
        RecordingPolicy.Outcome out = policy.next(before, input, now);
        room.state = out.state();
        for (Decision d : out.decisions()) carryOut(room, d, now);
        trackPresence(room, before, now);
        reschedule(room, out.wakeAt(policy.maxLength()));
    }

    private void carryOut(Room room, Decision d, Instant now) {
        if (d instanceof Decision.Start s) {
            room.attempts = 0;
            room.retryDelay = retryInitial;
            // Ask the recorder first: its folder name needs no database row, and the rows written right
            // after are in place before any answer can be handled (answers come back on this loop).
            Attempt a = dispatchRecorder(room, s.staff().nick());
            long id = store.openSession(room.jid, room.name, s.staff(), s.client(), now.toEpochMilli());
            room.sessionId = id;
            recordAttempt(room, a, id);
            MDC.put("session", Long.toString(id));
            log.info("recording started room={} session={} reason={} operator={} client={} jibriSession={}", room.name, id,
                    s.reason(), s.staff().jid(), s.client().displayName() != null ? s.client().displayName() : s.client().nick(),
                    a.jibriSessionId);
        } else if (d instanceof Decision.Stop s) {
            Long id = room.sessionId;
            if (id == null) return;
            MDC.put("session", Long.toString(id));
            if (room.retry != null) room.retry.cancel(false);
            Attempt a = room.attempt;
            room.attempt = null;
            room.sessionId = null;
            log.info("recording stopped room={} session={} reason={}", room.name, id, s.reason());
            boolean stop = a != null && !a.over;
            // The session's end and its recorder's stop are written together, before the stop is sent.
            store.endSession(id, s.reason(), s.conversationEnded().toEpochMilli(), now.toEpochMilli(),
                    stop && a.jibriUrl != null ? a.recordingId : null);
            if (stop) stopRecorder(room, a, false);
        } else if (d instanceof Decision.Warm w) {
            room.attempts = 0;
            room.retryDelay = retryInitial;
            Attempt a = dispatchRecorder(room, w.staff().nick());
            long id = store.openWarmup(room.jid, room.name, w.staff(), now.toEpochMilli());
            room.sessionId = id;
            recordAttempt(room, a, id);
            MDC.put("session", Long.toString(id));
            log.info("recording warming room={} session={} reason={} operator={} jibriSession={}", room.name, id, w.reason(),
                    w.staff().jid(), a.jibriSessionId);
        } else if (d instanceof Decision.ClientArrived c) {
            Long id = room.sessionId;
            if (id == null) return;
            MDC.put("session", Long.toString(id));
            Long joined = room.joinTs == null ? null : room.joinTs.toEpochMilli();
            store.clientJoinedWarmup(id, c.client(), joined, now.toEpochMilli());
            log.info("client joined the warm recording room={} session={} client={} joinedAt={} recorder={}", room.name, id,
                    c.client().displayName() != null ? c.client().displayName() : c.client().nick(), room.joinTs,
                    room.attempt == null ? "none" : room.attempt.on ? "capturing" : "starting");
            if (room.attempt == null) {
                if (room.retry == null || room.retry.isDone()) requestRecorder(room);
            } else if (room.attempt.on) {
                store.setStatus(id, "recording", null, now.toEpochMilli());
                if (noticed.add(id)) notice.recordingStarted(room.jid, id);
            }
        } else if (d instanceof Decision.GraceStarted g) {
            log.info("session continues for the grace period room={} session={} reason={} deadline={}", room.name,
                    room.sessionId, g.reason(), room.state.graceDeadline());
        } else if (d instanceof Decision.Resumed r) {
            log.info("session goes on room={} session={} reason={}", room.name, room.sessionId, r.reason());
            if (room.attempt == null && room.sessionId != null && (room.retry == null || room.retry.isDone())) {
                requestRecorder(room);
            }
        }
    }

    /** Keeps the session's client-presence intervals (for coverage) in step with the room. */
    private void trackPresence(Room room, RoomState before, Instant now) {
        if (room.sessionId == null || !room.state.sessionRunning() || !before.sessionRunning()) return;
        boolean had = before.clientCount() > 0;
        boolean has = room.state.clientCount() > 0;
        if (had && !has) store.clientGone(room.sessionId, now.toEpochMilli());
        if (!had && has) store.clientArrived(room.sessionId, now.toEpochMilli());
    }

    private void reschedule(Room room, Instant wakeAt) {
        if (room.wake != null) room.wake.cancel(false);
        room.wake = null;
        if (wakeAt == null) return;
        long delay = Math.max(0, Duration.between(clock.instant(), wakeAt).toMillis());
        room.wake = loop.schedule(guarded(() -> {
            if (rooms.get(room.jid) != room) return;
            if (room.awaitingSnapshotUntil != null && clock.instant().isBefore(room.awaitingSnapshotUntil)) {
                // Who is present is unknown until the snapshot says: a slow restart must not end a call
                // that goes on (it would come back as a second session). reconcile() wakes it.
                reschedule(room, room.awaitingSnapshotUntil);
                return;
            }
            room.awaitingSnapshotUntil = null;
            withRoomContext(room, () -> apply(room, new RecordingPolicy.Input.Tick()));
        }), delay, TimeUnit.MILLISECONDS);
    }

    private void requestRecorder(Room room) {
        long sessionId = room.sessionId;
        Attempt a = dispatchRecorder(room, room.state.firstStaff().map(Participant::nick).orElse(null));
        recordAttempt(room, a, sessionId);
    }

    /** Sends the start to a recorder off the loop; the attempt's rows are written by {@link #recordAttempt}. */
    private Attempt dispatchRecorder(Room room, String staffNick) {
        room.attempts++;
        String jibriSessionId = "zv-" + HexFormat.of().formatHex(randomBytes()) + "-" + room.attempts;
        Attempt a = new Attempt(jibriSessionId);
        a.staffOccupant = staffNick;
        room.attempt = a;
        JibriControl.Target target = new JibriControl.Target(room.jid, room.name, a.staffOccupant);
        io.execute(() -> {
            long asked = System.nanoTime();
            JibriControl.StartResult r;
            try {
                r = jibri.start(jibriSessionId, target);
            } catch (RuntimeException ex) {
                r = JibriControl.StartResult.failed("recorder call failed: " + ex);
            }
            a.answeredInMs = (System.nanoTime() - asked) / 1_000_000;
            JibriControl.StartResult result = r;
            onLoop(() -> withRoomContext(room, () -> startFinished(room, a, result)));
        });
        return a;
    }

    private void recordAttempt(Room room, Attempt a, long sessionId) {
        a.sessionId = sessionId;
        a.recordingId = store.newRecording(sessionId, a.jibriSessionId, clock.millis());
        log.info("asked a recorder room={} session={} attempt={} jibriSession={}", room.name, sessionId, room.attempts,
                a.jibriSessionId);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8]; // the folder name must be unique among every recording ever made
        RANDOM.nextBytes(b);
        return b;
    }

    private void startFinished(Room room, Attempt a, JibriControl.StartResult r) {
        long now = clock.millis();
        MDC.put("session", Long.toString(a.sessionId));
        if (r.started()) {
            a.jibriUrl = r.jibriUrl();
            if (r.sessionId() != null && !r.sessionId().equals(a.jibriSessionId)) {
                // Jicofo chose the id; Jibri names the recording folder after it, and finalize matches by it.
                log.info("recorder session renamed room={} session={} from={} to={}", room.name, a.sessionId,
                        a.jibriSessionId, r.sessionId());
                store.renameRecording(a.recordingId, r.sessionId());
                a.jibriSessionId = r.sessionId();
            }
            store.recordingAccepted(a.recordingId, r.jibriUrl(), now);
            a.acceptedMs = now;
            if (a.stopRequested || room.attempt != a) {
                log.info("recorder started after the session ended; stopping it room={} session={} jibri={}", room.name,
                        a.sessionId, r.jibriUrl());
                stopRecorder(room, a);
                return;
            }
            room.retryDelay = retryInitial;
            // Accepted is not recording yet: Jibri says ON once capture runs.
            store.setStatus(a.sessionId, "starting", room.state.warming() ? SessionStore.WARMING
                    : "recorder " + r.jibriUrl() + " is joining the call", now);
            log.info("recorder accepted room={} session={} jibri={} jibriSession={} answeredInMs={}", room.name, a.sessionId,
                    r.jibriUrl(), a.jibriSessionId, a.answeredInMs);
            RoomEvent.Recording early = a.early;
            a.early = null;
            if (early != null && a.jibriSessionId.equals(early.sessionId())) recordingStatus(room, early);
        } else {
            a.over = true;
            store.recordingFailed(a.recordingId, r.failure(), now);
            if (room.attempt == a) {
                room.attempt = null;
                store.setStatus(a.sessionId, "technical_error", r.failure(), now);
                log.warn("recording failed room={} session={} reason={}", room.name, a.sessionId, r.failure());
                scheduleRetry(room);
            } else {
                store.settle(a.sessionId, now);
            }
        }
    }

    private void scheduleRetry(Room room) {
        if (room.sessionId == null || (room.state.clientCount() == 0 && !room.state.warming())) return;
        Duration delay = room.retryDelay == null ? retryInitial : room.retryDelay;
        room.retryDelay = delay.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : delay.multipliedBy(2);
        long sessionId = room.sessionId;
        log.info("will retry recording room={} session={} in={}ms", room.name, sessionId, delay.toMillis());
        room.retry = loop.schedule(guarded(() -> withRoomContext(room, () -> {
            if (rooms.get(room.jid) == room && room.sessionId != null && room.sessionId == sessionId
                    && room.attempt == null && (room.state.clientCount() > 0 || room.state.warming())) {
                requestRecorder(room);
            }
        })), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void stopRecorder(Room room, Attempt a) {
        stopRecorder(room, a, true);
    }

    /** markStopping false: the caller already wrote the stop (with the session's end, in one transaction). */
    private void stopRecorder(Room room, Attempt a, boolean markStopping) {
        a.stopRequested = true;
        if (a.jibriUrl == null) return; // start still under way: startFinished stops it
        a.over = true;
        if (markStopping) store.recordingStopping(a.recordingId, clock.millis());
        jibri.hold(a.jibriUrl);
        sendStop(room, a);
    }

    private void sendStop(Room room, Attempt a) {
        String roomName = room.name;
        // Jicofo takes a stop only from a moderator occupant: whoever is staff now, else the one who started.
        JibriControl.Target target = new JibriControl.Target(room.jid, room.name,
                room.state.firstStaff().map(Participant::nick).orElse(a.staffOccupant));
        // stopService blocks until Jibri's finalize script has exited, and that script calls us:
        // run it on its own executor, holding nothing.
        stopper.execute(() -> {
            try {
                jibri.stop(a.jibriUrl, a.jibriSessionId, target);
                if (jibri.stopWaitsForFinalize()) {
                    onLoop(() -> {
                        store.recorderStopReturned(a.recordingId, a.jibriSessionId, clock.millis());
                        jibri.release(a.jibriUrl);
                    });
                }
                log.info("recorder stopped room={} session={} jibri={}", roomName, a.sessionId, a.jibriUrl);
                onLoop(() -> room.awaitingModerator.remove(a));
            } catch (JibriControl.NoModerator ex) {
                onLoop(() -> withRoomContext(room, () -> stopWaitsForModerator(room, a, ex.getMessage())));
            } catch (Exception ex) {
                log.error("stopping the recorder failed room={} session={} jibri={}: {}; asking again", roomName, a.sessionId,
                        a.jibriUrl, ex.toString());
                onLoop(() -> withRoomContext(room, () -> retryStop(room, a)));
            }
        });
    }

    /**
     * A stop that failed (lost on the way, refused, timed out) is asked again with backoff until the
     * recorder is seen stopped, or until the wait for its files gives up (finalize timeout). The recorder
     * takes no new start meanwhile ({@link JibriControl#hold}).
     */
    private void retryStop(Room room, Attempt a) {
        Duration delay = a.stopDelay == null ? retryInitial : a.stopDelay;
        a.stopDelay = delay.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : delay.multipliedBy(2);
        a.stopRetry = loop.schedule(guarded(() -> withRoomContext(room, () -> finishStop(room, a, "the last stop failed"))),
                delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Sees a stop through that was asked and never answered: a recorder asked directly is asked whether
     * it still records, and stopped again if it does, until it is seen idle (held meanwhile, so that
     * "busy" can only mean this recording); through Jicofo the stop is sent again until the recording is
     * no longer stopping (Jicofo's off status, its files in, or the finalize timeout gave up on it).
     */
    private void finishStop(Room room, Attempt a, String why) {
        MDC.put("session", Long.toString(a.sessionId));
        boolean stopping = store.recordingStatus(a.recordingId).filter("stopping"::equals).isPresent();
        if (!jibri.stopWaitsForFinalize()) {
            if (!stopping) return;
            // Jicofo runs one recording per room and a stop names none: with a newer one accepted, the old is off.
            if (room.attempt != null && room.attempt.jibriUrl != null) return;
            log.info("asking again to stop the recorder room={} session={} jibriSession={}: {}", room.name, a.sessionId,
                    a.jibriSessionId, why);
            sendStop(room, a);
            return;
        }
        io.execute(() -> {
            Boolean busy = jibri.busy(a.jibriUrl);
            onLoop(() -> withRoomContext(room, () -> {
                MDC.put("session", Long.toString(a.sessionId));
                if (Boolean.FALSE.equals(busy)) {
                    log.info("recorder is idle: it has stopped room={} session={} jibri={} ({})", room.name, a.sessionId,
                            a.jibriUrl, why);
                    store.recordingStopped(a.recordingId, clock.millis()); // its files follow (finalize or sweeper)
                    jibri.release(a.jibriUrl);
                } else if (busy == null && !stopping) {
                    // Unreachable, and its files came or were given up on (finalize timeout): nothing left to see through.
                    log.warn("recorder cannot be asked whether it stopped room={} session={} jibri={}; no longer waiting for it",
                            room.name, a.sessionId, a.jibriUrl);
                    jibri.release(a.jibriUrl);
                } else if (busy == null) {
                    log.warn("recorder cannot be asked whether it stopped room={} session={} jibri={}; asking again later",
                            room.name, a.sessionId, a.jibriUrl);
                    retryStop(room, a);
                } else {
                    log.info("recorder still records; stopping it again room={} session={} jibri={} ({})", room.name,
                            a.sessionId, a.jibriUrl, why);
                    sendStop(room, a);
                }
            }));
        });
    }

    /**
     * Jicofo refused the stop for want of a moderator (the operator who could ask has left). Jicofo does
     * not stop a recording while its Jibri is in the room (the Jibri is a member: jitsi/jicofo
     * JitsiMeetConferenceImpl.maybeStop, ChatRoomImpl.memberCount); Jibri ends the call itself once it has
     * been alone in it for jibri.call-status-checks.default-call-empty-timeout (30 s, checked every 15 s:
     * jitsi/jibri EmptyCallStatusCheck). Until Jicofo says off, the stop is asked again whenever an
     * operator is in the room (as soon as one joins, then with backoff while Jicofo has not made them a
     * moderator yet), so a returning operator does not find the old recording still running.
     */
    private void stopWaitsForModerator(Room room, Attempt a, String why) {
        if (rooms.get(room.jid) != room || a.stopRetry != null && !a.stopRetry.isDone()) return;
        if (!room.awaitingModerator.contains(a)) {
            room.awaitingModerator.add(a);
            a.stopDelay = retryInitial;
            MDC.put("session", Long.toString(a.sessionId));
            log.info("recorder stop waits for a moderator room={} session={} jibriSession={}: {}; Jibri ends the call once "
                    + "alone in it", room.name, a.sessionId, a.jibriSessionId, why);
            if (store.status(a.sessionId).filter("stopping"::equals).isPresent()) {
                store.setStatus(a.sessionId, "stopping", "no moderator left to stop the recorder through Jicofo: Jibri ends "
                        + "the call once it is alone in it (empty-call check, about 30-45 s)", clock.millis());
            }
        }
        if (room.state.staffCount() == 0) return; // asked again when an operator joins
        Duration delay = a.stopDelay;
        a.stopDelay = delay.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : delay.multipliedBy(2);
        a.stopRetry = loop.schedule(guarded(() -> withRoomContext(room, () -> resendStop(room, a))), delay.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** An operator joined: the stops waiting for a moderator are asked again (as that operator) now. */
    private void retryStopsNow(Room room) {
        for (Attempt a : List.copyOf(room.awaitingModerator)) {
            if (a.stopRetry != null) a.stopRetry.cancel(false);
            a.stopRetry = null;
            a.stopDelay = retryInitial;
            resendStop(room, a);
        }
    }

    private void resendStop(Room room, Attempt a) {
        if (rooms.get(room.jid) != room || !room.awaitingModerator.contains(a)) return;
        if (room.attempt != null && room.attempt.jibriUrl != null) {
            // Jicofo accepted a newer start, so the old recording is off (it runs one per room, and a stop
            // names none: JibriRecorder.getJibriSessionForMeetIq): a stop now would end the new one.
            room.awaitingModerator.remove(a);
            return;
        }
        log.info("asking again to stop the recorder room={} session={} jibriSession={}", room.name, a.sessionId, a.jibriSessionId);
        sendStop(room, a);
    }

    /**
     * Jicofo's recording status for the room (the focus's presence, forwarded by the module): on means
     * capturing, off means stopped, off with a failure reason means Jibri failed. Runs on the loop.
     */
    private void recordingStatus(Room room, RoomEvent.Recording r) {
        if (r == null || r.sessionId() == null) {
            log.warn("recording status without a session id room={} status={}", room.name, r == null ? null : r.status());
            return;
        }
        Attempt a = room.attempt;
        if (store.recordingByJibriId(r.sessionId()).isEmpty() && a != null && a.jibriUrl == null && !a.over) {
            // Jicofo published it before its answer to our start reached us: apply it once that has.
            a.early = r;
            log.info("recording status ahead of the start answer room={} status={} jibriSession={}", room.name,
                    r.status(), r.sessionId());
            return;
        }
        switch (r.status()) {
            case "pending" -> log.info("Jicofo is starting a recorder room={} jibriSession={}", room.name, r.sessionId());
            case "on" -> recorderStatus(r.sessionId(), true, null);
            default -> recorderStatus(r.sessionId(), false,
                    failure(r));
        }
    }

    /** Why Jicofo says a recording is off: null when it simply ended. */
    private static String failure(RoomEvent.Recording r) {
        return r.failureReason() == null ? null : "Jibri failed (failure_reason=" + r.failureReason() + ")";
    }

    /** Jibri's session webhook: ON, OFF, or OFF with a failure. Call from any thread. */
    public void onRecorderStatus(String jibriSessionId, boolean on, String failure) {
        onLoop(() -> recorderStatus(jibriSessionId, on, failure));
    }

    private void recorderStatus(String jibriSessionId, boolean on, String failure) {
        Optional<SessionStore.RecordingRow> row = store.recordingByJibriId(jibriSessionId);
        if (row.isEmpty()) {
            log.warn("recorder status for an unknown recording jibriSession={} on={}", jibriSessionId, on);
            return;
        }
        long now = clock.millis();
        if (!on) {
            for (Room r : rooms.values()) {
                r.awaitingModerator.removeIf(w -> {
                    if (w.recordingId != row.get().id()) return false;
                    if (w.stopRetry != null) w.stopRetry.cancel(false);
                    return true;
                });
            }
        }
        Room room = rooms.values().stream().filter(r -> r.attempt != null && r.attempt.recordingId == row.get().id())
                .findFirst().orElse(null);
        long sessionId = row.get().sessionId();
        MDC.put("session", Long.toString(sessionId));
        try {
            if (on) {
                store.recordingOn(row.get().id(), now);
                boolean warming = room != null && room.state.warming();
                if (room != null) {
                    room.attempt.on = true;
                    store.setStatus(sessionId, "recording", warming ? SessionStore.WARMING : null, now);
                }
                log.info("recorder is capturing session={} jibriSession={} warming={}", sessionId, jibriSessionId, warming);
                // The people in the room are told once per session, when the recording really runs (a
                // warm-up: once the client has joined, so the client reads it).
                if (room != null && !warming && noticed.add(sessionId)) notice.recordingStarted(room.jid, sessionId);
                return;
            }
            if (failure != null) {
                store.recordingFailed(row.get().id(), failure, now);
            } else {
                store.recordingStopped(row.get().id(), now);
            }
            if (room != null && room.sessionId != null && room.sessionId == sessionId) {
                // The recorder ended while the conversation goes on.
                room.attempt.over = true;
                room.attempt = null;
                String why = failure != null ? "recorder failed: " + failure : "recorder stopped on its own";
                store.setStatus(sessionId, "technical_error", why, now);
                log.warn("recording interrupted room={} session={} reason={}", room.name, sessionId, why);
                scheduleRetry(room);
            } else {
                store.settle(sessionId, now);
                log.info("recorder is off session={} jibriSession={} failure={}", sessionId, jibriSessionId, failure);
            }
        } finally {
            MDC.remove("session");
        }
    }

    /** Sessions whose recorders stopped long ago and never handed files over become technical errors. */
    public void expireMissingFinalizes(Duration timeout) {
        onLoop(() -> {
            long now = clock.millis();
            List<Long> late = store.sessionsAwaitingFiles(now - timeout.toMillis());
            for (long id : late) {
                log.warn("finalize never arrived session={} after={}s", id, timeout.toSeconds());
                store.finalizeTimedOut(id, now);
            }
        });
    }

    /**
     * After a restart: takes back the sessions that were running. Each resumes in a grace period (who
     * is present is unknown until Prosody's snapshot says); a recorder that is no longer busy has
     * stopped while we were away. Runs before any event is taken in. With a snapshot on its way
     * ({@code snapshotWithin} not null) the grace lasts until it has been applied, however long the
     * start took, but at most {@code snapshotWithin}.
     */
    public void adoptOpenSessions(Duration waitForSnapshot, Duration snapshotWithin) throws Exception {
        loop.submit(guarded(() -> {
            Instant now = clock.instant();
            for (SessionStore.OpenSession o : store.openSessions()) {
                Room room = rooms.computeIfAbsent(o.roomJid(), jid -> new Room(jid, o.roomName()));
                room.sessionId = o.id();
                room.awaitingSnapshotUntil = snapshotWithin == null ? null : now.plus(snapshotWithin);
                room.attempts = o.attempts();
                room.retryDelay = retryInitial;
                room.state = new RoomState(Map.of(), RoomState.Phase.GRACE, Instant.ofEpochMilli(o.startedMs()),
                        now.plus(waitForSnapshot), "sidecar-restarted", room.state.prewarm());
                withRoomContext(room, () -> {
                    MDC.put("session", Long.toString(o.id()));
                    log.info("adopted session after restart room={} session={} recorder={}", room.name, o.id(),
                            o.live() == null ? "none" : o.live().jibriUrl());
                    if (o.live() != null) {
                        Attempt a = new Attempt(o.id(), o.live().id(), o.live().jibriSessionId());
                        a.jibriUrl = o.live().jibriUrl();
                        a.adopted = true;
                        a.on = store.recordingWasOn(a.recordingId); // the room was told already
                        a.acceptedMs = clock.millis(); // when it was accepted before is not kept; count from now
                        room.attempt = a;
                        if (a.jibriUrl == null) {
                            // The start was under way when we stopped: whether Jibri took it is unknown.
                            recorderGone(room, a, "the sidecar restarted while this recorder was starting");
                        } else {
                            checkRecorder(room, a, "stopped while the sidecar was down");
                        }
                    }
                    reschedule(room, new RecordingPolicy.Outcome(room.state, List.of()).wakeAt(policy.maxLength()));
                });
            }
            // Stops asked just before the restart and never answered: the recorder may record still. Its
            // hold is taken before any event is in, so no new start can land there first.
            for (SessionStore.UnfinishedStop u : store.unfinishedStops(!jibri.stateInRoom())) {
                Room room = rooms.computeIfAbsent(u.roomJid(), jid -> new Room(jid, u.roomName()));
                Attempt a = new Attempt(u.sessionId(), u.recordingId(), u.jibriSessionId());
                a.jibriUrl = u.jibriUrl();
                a.stopRequested = true;
                a.over = true;
                jibri.hold(a.jibriUrl);
                withRoomContext(room, () -> finishStop(room, a, "its stop was not seen through before the restart"));
            }
        })).get(30, TimeUnit.SECONDS);
    }

    private static RoomState withGraceUntil(RoomState st, Instant deadline) {
        if (st.phase() != RoomState.Phase.GRACE) return st;
        return new RoomState(st.present(), st.phase(), st.sessionStart(), deadline, st.graceReason());
    }

    /**
     * Asks the recorder whether it is still busy. Idle: it stopped without telling us. Busy long after it
     * accepted, with no ON: it captures (see {@link #recorderWatch}). Unreachable for long: it is gone.
     */
    private void checkRecorder(Room room, Attempt a, String why) {
        String url = a.jibriUrl;
        io.execute(() -> {
            Boolean busy = jibri.busy(url);
            onLoop(() -> withRoomContext(room, () -> {
                if (room.attempt != a || a.stopRequested) return;
                if (Boolean.FALSE.equals(busy)) {
                    recorderGone(room, a, why);
                    return;
                }
                if (jibri.stateInRoom()) return; // Jicofo's status in the room speaks for these (reconcileRecorder)
                long now = clock.millis();
                if (busy == null) {
                    if (a.unreachableSinceMs < 0) {
                        a.unreachableSinceMs = now;
                        log.warn("recorder cannot be reached room={} session={} jibri={}", room.name, a.sessionId, url);
                    } else if (unreachableAfter != null && now - a.unreachableSinceMs >= unreachableAfter.toMillis()) {
                        recorderGone(room, a, "recorder " + url + " unreachable for " + (now - a.unreachableSinceMs) / 1000 + " s");
                    }
                    return;
                }
                if (a.unreachableSinceMs >= 0) log.info("recorder reachable again room={} session={} jibri={}", room.name, a.sessionId, url);
                a.unreachableSinceMs = -1;
                if (!a.on && assumeCapturingAfter != null && a.acceptedMs > 0 && now - a.acceptedMs >= assumeCapturingAfter.toMillis()) {
                    log.warn("recorder still busy {} s after accepting, so it joined and captures; its ON webhook never came "
                            + "room={} session={} jibriSession={}", (now - a.acceptedMs) / 1000, room.name, a.sessionId, a.jibriSessionId);
                    recorderStatus(a.jibriSessionId, true, null);
                }
            }));
        });
    }

    private void recorderGone(Room room, Attempt a, String why) {
        long now = clock.millis();
        MDC.put("session", Long.toString(a.sessionId));
        a.over = true;
        room.attempt = null;
        if (a.jibriUrl == null) store.recordingFailed(a.recordingId, why, now);
        else store.recordingStopped(a.recordingId, now); // its files may still come (finalize or sweeper)
        store.setStatus(a.sessionId, "technical_error", "recorder " + why, now);
        log.warn("recorder gone room={} session={} reason={}", room.name, a.sessionId, why);
        scheduleRetry(room);
    }

    /**
     * Makes the rooms match Prosody's snapshot: whoever is missing has left, whoever is new has joined,
     * rooms not listed are gone. The policy decides as if those events had arrived. Runs on the loop
     * (the sequencer calls it there).
     */
    public void reconcile(Snapshot snapshot) {
        Map<String, Snapshot.RoomSnapshot> listed = new HashMap<>();
        for (Snapshot.RoomSnapshot r : snapshot.rooms()) listed.put(r.room().jid(), r);
        int changes = 0;
        long snapTs = snapshot.ts().toEpochMilli();
        for (Room room : List.copyOf(rooms.values())) {
            if (listed.containsKey(room.jid)) continue;
            if (room.lastEventTs > snapTs) continue; // events newer than the snapshot already speak for it
            if (room.state.present().isEmpty() && room.sessionId == null) {
                rooms.remove(room.jid);
                continue;
            }
            changes++;
            withRoomContext(room, () -> {
                log.info("reconcile: room gone room={} session={}", room.name, room.sessionId);
                Attempt a = room.attempt;
                if (jibri.stateInRoom() && a != null && a.jibriUrl != null && !a.over) {
                    // A MUC room lasts while anyone is in it, Jibri included (Jicofo counts it as a member:
                    // jitsi/jicofo ChatRoomImpl.memberCount), so a room that is gone has no recorder in it;
                    // there is no focus left to ask for a stop either. Its files follow through finalize.
                    a.over = true;
                    room.attempt = null;
                    store.recordingStopped(a.recordingId, clock.millis());
                    log.info("reconcile: the recorder ended with the room room={} session={} jibriSession={}", room.name,
                            a.sessionId, a.jibriSessionId);
                }
                apply(room, new RecordingPolicy.Input.Destroyed());
                if (room.wake != null) room.wake.cancel(false);
                if (room.retry != null) room.retry.cancel(false);
                rooms.remove(room.jid);
            });
        }
        for (Snapshot.RoomSnapshot r : snapshot.rooms()) {
            Room known = rooms.get(r.room().jid());
            if (known != null && (r.room().instance().equals(known.instance) ? known.lastSeq > r.seq() : known.lastEventTs > snapTs)) {
                continue; // we have applied events this snapshot does not contain yet
            }
            Room room = rooms.computeIfAbsent(r.room().jid(), jid -> new Room(jid, r.room().name()));
            if (room.awaitingSnapshotUntil != null) {
                // An adopted session's grace may have run out while the snapshot was on its way: the
                // snapshot is applied within it, so whoever is still there continues the same session.
                room.state = withGraceUntil(room.state, clock.instant().plus(Duration.ofMinutes(1)));
            }
            room.name = r.room().name();
            room.instance = r.room().instance();
            room.lastSeq = Math.max(room.lastSeq, r.seq());
            if (jibri.stateInRoom()) withRoomContext(room, () -> reconcileRecorder(room, r.recording()));
            Map<String, Participant> want = new java.util.LinkedHashMap<>();
            for (var o : r.occupants()) classifier.classify(o).ifPresent(p -> want.put(p.nick(), p));
            for (String nick : List.copyOf(room.state.present().keySet())) {
                if (want.containsKey(nick)) continue;
                changes++;
                withRoomContext(room, () -> {
                    log.info("reconcile: left while unseen room={} nick={}", room.name, nick);
                    apply(room, new RecordingPolicy.Input.Left(nick));
                });
            }
            for (Participant p : want.values()) {
                if (room.state.present().containsKey(p.nick())) continue;
                changes++;
                withRoomContext(room, () -> {
                    log.info("reconcile: present room={} {} nick={} jid={}", room.name, p.isStaff() ? "operator" : "client",
                            p.nick(), p.jid());
                    apply(room, new RecordingPolicy.Input.Joined(p));
                });
            }
            if (room.state.present().isEmpty() && room.sessionId == null) rooms.remove(room.jid);
        }
        for (Room room : rooms.values()) {
            if (room.awaitingSnapshotUntil == null) continue;
            room.awaitingSnapshotUntil = null;
            // Still in grace after the snapshot: who it waited for left while we were down; no need to wait longer.
            room.state = withGraceUntil(room.state, clock.instant());
            reschedule(room, new RecordingPolicy.Outcome(room.state, List.of()).wakeAt(policy.maxLength()));
        }
        log.info("reconciled with snapshot {}: {} rooms listed, {} changes", snapshot.id(), snapshot.rooms().size(), changes);
    }

    /**
     * Puts the room's recorder in step with the recording Jicofo shows in the snapshot (recorders driven
     * through Jicofo). The same session on or pending: it runs (an adopted one is confirmed). The same
     * session off: it ended while its status event was not seen. Another session or none: only an attempt
     * adopted after a restart is judged by that, since a fresh start is answered before Jicofo publishes
     * its status. Runs on the loop, before the occupants are reconciled.
     */
    private void reconcileRecorder(Room room, RoomEvent.Recording shown) {
        Attempt a = room.attempt;
        if (a == null || a.jibriUrl == null || a.over || a.stopRequested) return;
        boolean same = shown != null && a.jibriSessionId.equals(shown.sessionId());
        if (same && !"off".equals(shown.status())) {
            if (a.adopted) log.info("reconcile: recorder still runs room={} session={} jibriSession={} status={}", room.name,
                    a.sessionId, a.jibriSessionId, shown.status());
            a.adopted = false;
            if ("on".equals(shown.status()) && !a.on) recorderStatus(a.jibriSessionId, true, null);
            return;
        }
        if (!same && !a.adopted) return;
        log.info("reconcile: recorder ended unseen room={} session={} jibriSession={} shown={}", room.name, a.sessionId,
                a.jibriSessionId, shown == null ? "none" : shown.status() + " " + shown.sessionId());
        String failure = same ? failure(shown) : "Jicofo no longer shows this recording in the room";
        recorderStatus(a.jibriSessionId, false, failure);
    }

    /** Recorders we believe are recording but that say they are idle have stopped without a word. */
    public void checkRecorders() {
        onLoop(() -> {
            for (Room room : rooms.values()) {
                Attempt a = room.attempt;
                if (a != null && a.jibriUrl != null && !a.stopRequested) checkRecorder(room, a, "stopped without reporting it");
            }
        });
    }

    /** The rooms as the coordinator sees them now (taken on the loop). */
    public List<RoomView> rooms() throws Exception {
        return loop.submit(() -> rooms.values().stream()
                .map(r -> new RoomView(r.jid, r.name, r.state.phase(), r.sessionId, r.state.staffCount(),
                        r.state.clientCount(), r.attempt == null ? null : r.attempt.jibriSessionId,
                        r.attempt == null ? null : r.attempt.jibriUrl))
                .toList()).get(5, TimeUnit.SECONDS);
    }

    /** Runs work on the loop; a failure is logged, never lost inside an executor's future. */
    private void onLoop(Runnable r) {
        loop.execute(guarded(r));
    }

    private static Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("recording loop task failed", e);
            }
        };
    }

    private static void withRoomContext(Room room, Runnable r) {
        MDC.put("room", room.name);
        try {
            r.run();
        } finally {
            MDC.remove("room");
            MDC.remove("session");
        }
    }
}
