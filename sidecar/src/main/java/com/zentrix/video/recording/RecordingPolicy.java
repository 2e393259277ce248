package com.zentrix.video.recording;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recording rule, as a pure function of (state, input, now): no I/O, no clock of its own.
 *
 * <ul>
 *   <li>A session starts when at least one operator and one client are present, whoever came first.
 *   <li>When the last client (or the last operator) leaves, the session goes on for the grace period;
 *       if they are back in time it is the same session, otherwise it stops.
 *   <li>It stops at once when the room is destroyed, and at the maximum length. After a maximum-length
 *       stop nothing starts until the pair breaks up, so a forgotten room cannot record forever.
 *   <li>A client arriving after a stop starts a new session.
 *   <li>Pre-warm rooms ({@link RoomState#prewarm()}): an operator alone starts the recorder (WARMING); a
 *       client's join turns the warm-up into the session; the last operator leaving, the room going, or
 *       the maximum wait ends a warm-up that no client joined. After a session an operator still
 *       waiting warms up again for the next client. After the maximum wait (WARM_EXPIRED) nothing
 *       warms until the operators have all left; a client arriving then starts an ordinary session.
 * </ul>
 */
public final class RecordingPolicy {
    private final Duration grace;
    private final Duration maxLength;
    private final Duration maxWarm;

    public RecordingPolicy(Duration grace, Duration maxLength) {
        this(grace, maxLength, maxLength);
    }

    /** maxWarm: how long a pre-warm recorder waits for a client (zentrix.recording.prewarm.max-wait). */
    public RecordingPolicy(Duration grace, Duration maxLength, Duration maxWarm) {
        this.grace = grace;
        this.maxLength = maxLength;
        this.maxWarm = maxWarm.compareTo(maxLength) > 0 ? maxLength : maxWarm;
    }

    public sealed interface Input {
        record Joined(Participant participant) implements Input {}

        record Left(String nick) implements Input {}

        record Destroyed() implements Input {}

        /** Time has passed (a wake-up the coordinator scheduled). */
        record Tick() implements Input {}
    }

    public record Outcome(RoomState state, List<Decision> decisions) {
        /** When the policy next needs a {@link Input.Tick}, or null. */
        public Instant wakeAt(Duration maxLength) {
            RoomState s = state;
            Instant wake = null;
            if (s.phase() == RoomState.Phase.GRACE || s.warming()) wake = s.graceDeadline();
            if (s.sessionRunning()) {
                Instant cap = s.sessionStart().plus(maxLength);
                if (wake == null || cap.isBefore(wake)) wake = cap;
            }
            return wake;
        }
    }

    public Duration maxLength() {
        return maxLength;
    }

    /** In a grace period the conversation ended when it began (someone left), else now. */
    private Instant conversationEnd(RoomState s, Instant now) {
        return s.phase() == RoomState.Phase.GRACE ? s.graceDeadline().minus(grace) : now;
    }

    public Outcome next(RoomState state, Input input, Instant now) {
        List<Decision> decisions = new ArrayList<>();
        RoomState s = state;
        if (input instanceof Input.Joined j) {
            Map<String, Participant> present = new LinkedHashMap<>(s.present());
            present.put(j.participant().nick(), j.participant());
            s = s.with(present);
        } else if (input instanceof Input.Left l) {
            if (!s.present().containsKey(l.nick())) return new Outcome(state, List.of());
            Map<String, Participant> present = new LinkedHashMap<>(s.present());
            present.remove(l.nick());
            s = s.with(present);
        } else if (input instanceof Input.Destroyed) {
            if (s.sessionRunning() || s.warming()) decisions.add(new Decision.Stop("room-destroyed", conversationEnd(s, now)));
            return new Outcome(RoomState.empty(s.prewarm()), decisions);
        }

        // The maximum length wins over everything else.
        if (s.sessionRunning() && !now.isBefore(s.sessionStart().plus(maxLength))) {
            decisions.add(new Decision.Stop("max-length", conversationEnd(s, now)));
            s = s.phase(s.conversing() ? RoomState.Phase.CAPPED : RoomState.Phase.IDLE, null, null, null);
            return new Outcome(s, decisions);
        }

        switch (s.phase()) {
            case IDLE -> {
                if (s.conversing()) {
                    String reason = input instanceof Input.Joined j && j.participant().isStaff()
                            ? "operator-joined" : "client-joined";
                    decisions.add(new Decision.Start(reason, s.firstStaff().orElseThrow(), s.firstClient().orElseThrow()));
                    s = s.phase(RoomState.Phase.ACTIVE, now, null, null);
                }
            }
            case ACTIVE -> {
                if (!s.conversing()) {
                    String reason = s.clientCount() == 0 ? "client-left" : "operator-left";
                    if (grace.isZero()) {
                        decisions.add(new Decision.Stop(reason, now));
                        s = s.phase(RoomState.Phase.IDLE, null, null, null);
                    } else {
                        decisions.add(new Decision.GraceStarted(reason));
                        s = s.phase(RoomState.Phase.GRACE, s.sessionStart(), now.plus(grace), reason);
                    }
                }
            }
            case GRACE -> {
                if (s.conversing()) {
                    decisions.add(new Decision.Resumed("returned-within-grace"));
                    s = s.phase(RoomState.Phase.ACTIVE, s.sessionStart(), null, null);
                } else if (!now.isBefore(s.graceDeadline())) {
                    decisions.add(new Decision.Stop(s.graceReason(), conversationEnd(s, now)));
                    s = s.phase(RoomState.Phase.IDLE, null, null, null);
                }
            }
            case CAPPED -> {
                if (!s.conversing()) s = s.phase(RoomState.Phase.IDLE, null, null, null);
            }
            case WARMING -> {
                if (s.conversing()) {
                    decisions.add(new Decision.ClientArrived("client-joined", s.firstClient().orElseThrow()));
                    s = s.phase(RoomState.Phase.ACTIVE, now, null, null);
                } else if (s.staffCount() == 0) {
                    decisions.add(new Decision.Stop("warm-up-ended-operator-left", now));
                    s = s.phase(RoomState.Phase.IDLE, null, null, null);
                } else if (!now.isBefore(s.graceDeadline())) {
                    decisions.add(new Decision.Stop("warm-up-max-wait", now));
                    return new Outcome(s.phase(RoomState.Phase.WARM_EXPIRED, null, null, null), decisions);
                }
            }
            case WARM_EXPIRED -> {
                if (s.staffCount() == 0) {
                    s = s.phase(RoomState.Phase.IDLE, null, null, null);
                } else if (s.conversing()) {
                    decisions.add(new Decision.Start("client-joined", s.firstStaff().orElseThrow(), s.firstClient().orElseThrow()));
                    s = s.phase(RoomState.Phase.ACTIVE, now, null, null);
                }
            }
        }
        // An operator waiting alone in a pre-warm room: warm up for the next client (also right after a
        // session ended with the operator still there).
        if (s.prewarm() && s.phase() == RoomState.Phase.IDLE && s.staffCount() > 0 && s.clientCount() == 0) {
            decisions.add(new Decision.Warm("operator-waiting", s.firstStaff().orElseThrow()));
            s = s.phase(RoomState.Phase.WARMING, now, now.plus(maxWarm), "warm-up-max-wait");
        }
        return new Outcome(s, decisions);
    }
}
