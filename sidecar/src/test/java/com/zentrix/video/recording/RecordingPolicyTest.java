package com.zentrix.video.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.recording.RecordingPolicy.Input;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingPolicyTest {
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final Duration MAX = Duration.ofHours(1);
    private final RecordingPolicy policy = new RecordingPolicy(GRACE, MAX);
    private final Instant t0 = Instant.parse("2026-11-24T09:00:00Z");

    private static Participant operator(String nick) {
        return new Participant(nick, Participant.Side.STAFF, nick + "@meet.test", null, "Operator " + nick);
    }

    private static Participant client(String nick) {
        return new Participant(nick, Participant.Side.CLIENT, nick + "@guest.meet.test", null, "Client " + nick);
    }

    /** Feeds inputs one by one, each at its own time, and collects everything decided. */
    private class Run {
        final RecordingPolicy rule;
        RoomState state;
        final List<Decision> decisions = new java.util.ArrayList<>();

        Run() {
            this(policy, RoomState.empty());
        }

        Run(RecordingPolicy rule, RoomState initial) {
            this.rule = rule;
            this.state = initial;
        }

        List<Decision> at(int second, Input in) {
            RecordingPolicy.Outcome o = rule.next(state, in, t0.plusSeconds(second));
            state = o.state();
            decisions.addAll(o.decisions());
            return o.decisions();
        }

        Instant wake() {
            return new RecordingPolicy.Outcome(state, List.of()).wakeAt(MAX);
        }
    }

    @Test
    void operatorAloneStartsNothing() {
        Run r = new Run();
        assertTrue(r.at(0, new Input.Joined(operator("op"))).isEmpty());
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
        assertNull(r.wake());
    }

    @Test
    void clientJoiningAnOperatorStartsASession() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        List<Decision> d = r.at(5, new Input.Joined(client("c1")));
        Decision.Start start = assertInstanceOf(Decision.Start.class, d.get(0));
        assertEquals("client-joined", start.reason());
        assertEquals("op", start.staff().nick());
        assertEquals("c1", start.client().nick());
        assertEquals(RoomState.Phase.ACTIVE, r.state.phase());
        assertEquals(t0.plusSeconds(5), r.state.sessionStart());
    }

    @Test
    void clientFirstThenOperatorAlsoStarts() {
        Run r = new Run();
        assertTrue(r.at(0, new Input.Joined(client("c1"))).isEmpty());
        Decision.Start start = assertInstanceOf(Decision.Start.class, r.at(3, new Input.Joined(operator("op"))).get(0));
        assertEquals("operator-joined", start.reason());
    }

    @Test
    void twoClientsAloneNeverStart() {
        Run r = new Run();
        r.at(0, new Input.Joined(client("c1")));
        r.at(1, new Input.Joined(client("c2")));
        assertTrue(r.decisions.isEmpty());
    }

    @Test
    void clientLeavingStartsGraceAndStopsWhenItRunsOut() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        Decision.GraceStarted g = assertInstanceOf(Decision.GraceStarted.class, r.at(30, new Input.Left("c1")).get(0));
        assertEquals("client-left", g.reason());
        assertEquals(t0.plusSeconds(40), r.wake());
        assertTrue(r.at(39, new Input.Tick()).isEmpty(), "nothing before the grace period is over");
        Decision.Stop stop = assertInstanceOf(Decision.Stop.class, r.at(40, new Input.Tick()).get(0));
        assertEquals("client-left", stop.reason());
        assertEquals(t0.plusSeconds(30), stop.conversationEnded(), "the conversation ended when the client left");
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
    }

    @Test
    void clientReconnectingWithinGraceKeepsOneSession() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        r.at(20, new Input.Left("c1"));
        Decision.Resumed resumed = assertInstanceOf(Decision.Resumed.class, r.at(25, new Input.Joined(client("c1-again"))).get(0));
        assertEquals("returned-within-grace", resumed.reason());
        assertEquals(1, r.decisions.stream().filter(d -> d instanceof Decision.Start).count());
        assertEquals(t0.plusSeconds(1), r.state.sessionStart(), "the session keeps its start");
        assertTrue(r.at(40, new Input.Tick()).isEmpty(), "the old grace deadline no longer applies");
    }

    @Test
    void aClientAfterAStopStartsANewSession() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        r.at(10, new Input.Left("c1"));
        r.at(20, new Input.Tick());
        Decision.Start second = assertInstanceOf(Decision.Start.class, r.at(60, new Input.Joined(client("c2"))).get(0));
        assertEquals("c2", second.client().nick());
        assertEquals(2, r.decisions.stream().filter(d -> d instanceof Decision.Start).count());
    }

    @Test
    void oneOfTwoClientsLeavingChangesNothing() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        r.at(2, new Input.Joined(client("c2")));
        assertTrue(r.at(10, new Input.Left("c1")).isEmpty());
        assertEquals(RoomState.Phase.ACTIVE, r.state.phase());
    }

    @Test
    void operatorLeavingAlsoEndsAfterGrace() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        assertEquals("operator-left", assertInstanceOf(Decision.GraceStarted.class, r.at(5, new Input.Left("op")).get(0)).reason());
        assertEquals("operator-left", assertInstanceOf(Decision.Stop.class, r.at(15, new Input.Tick()).get(0)).reason());
    }

    @Test
    void roomDestroyedStopsAtOnce() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        assertEquals("room-destroyed", assertInstanceOf(Decision.Stop.class, r.at(2, new Input.Destroyed()).get(0)).reason());
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
        assertTrue(r.state.present().isEmpty());
    }

    @Test
    void roomDestroyedDuringGraceStopsWithThatReason() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        r.at(3, new Input.Left("c1"));
        Decision.Stop stop = assertInstanceOf(Decision.Stop.class, r.at(4, new Input.Destroyed()).get(0));
        assertEquals("room-destroyed", stop.reason());
        assertEquals(t0.plusSeconds(3), stop.conversationEnded());
    }

    @Test
    void destroyingAnIdleRoomDecidesNothing() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        assertTrue(r.at(1, new Input.Destroyed()).isEmpty());
    }

    @Test
    void maximumLengthStopsAndNothingRestartsUntilThePairBreaks() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        assertEquals(t0.plusSeconds(1).plus(MAX), r.wake());
        int capAt = 1 + (int) MAX.toSeconds();
        assertEquals("max-length", assertInstanceOf(Decision.Stop.class, r.at(capAt, new Input.Tick()).get(0)).reason());
        assertEquals(RoomState.Phase.CAPPED, r.state.phase());
        assertTrue(r.at(capAt + 5, new Input.Joined(client("c2"))).isEmpty(), "another client while capped starts nothing");
        r.at(capAt + 10, new Input.Left("c1"));
        assertTrue(r.at(capAt + 11, new Input.Left("c2")).isEmpty());
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
        assertInstanceOf(Decision.Start.class, r.at(capAt + 20, new Input.Joined(client("c3"))).get(0));
    }

    @Test
    void maximumLengthAlsoEndsAGrace() {
        RecordingPolicy shortMax = new RecordingPolicy(GRACE, Duration.ofSeconds(30));
        RoomState s = RoomState.empty();
        s = shortMax.next(s, new Input.Joined(operator("op")), t0).state();
        s = shortMax.next(s, new Input.Joined(client("c")), t0).state();
        s = shortMax.next(s, new Input.Left("c"), t0.plusSeconds(25)).state();
        RecordingPolicy.Outcome o = shortMax.next(s, new Input.Tick(), t0.plusSeconds(30));
        assertEquals("max-length", assertInstanceOf(Decision.Stop.class, o.decisions().get(0)).reason());
        assertEquals(RoomState.Phase.IDLE, o.state().phase());
    }

    @Test
    void leaveOfSomeoneNotPresentIsIgnored() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        RoomState before = r.state;
        assertTrue(r.at(1, new Input.Left("ghost")).isEmpty());
        assertEquals(before, r.state);
    }

    @Test
    void zeroGraceStopsImmediately() {
        RecordingPolicy noGrace = new RecordingPolicy(Duration.ZERO, MAX);
        RoomState s = noGrace.next(RoomState.empty(), new Input.Joined(operator("op")), t0).state();
        s = noGrace.next(s, new Input.Joined(client("c")), t0).state();
        RecordingPolicy.Outcome o = noGrace.next(s, new Input.Left("c"), t0.plusSeconds(1));
        assertEquals("client-left", assertInstanceOf(Decision.Stop.class, o.decisions().get(0)).reason());
    }

    @Test
    void roomsAreIndependent() {
        Run a = new Run();
        Run b = new Run();
        a.at(0, new Input.Joined(operator("op-a")));
        b.at(0, new Input.Joined(client("c-b")));
        a.at(1, new Input.Joined(client("c-a")));
        assertEquals(RoomState.Phase.ACTIVE, a.state.phase());
        assertEquals(RoomState.Phase.IDLE, b.state.phase());
        assertTrue(b.decisions.isEmpty());
    }

    @Test
    void aTickWithNothingDueChangesNothing() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        RoomState before = r.state;
        assertTrue(r.at(2, new Input.Tick()).isEmpty());
        assertEquals(before, r.state);
    }

    // ---- pre-warm (zentrix.recording.prewarm) ----

    private static final Duration MAX_WAIT = Duration.ofMinutes(5);
    private final RecordingPolicy warmPolicy = new RecordingPolicy(GRACE, MAX, MAX_WAIT);

    /** A run in a pre-warm room. */
    private final class WarmRun extends Run {
        WarmRun() {
            super(warmPolicy, RoomState.empty(true));
        }
    }

    @Test
    void operatorAloneInAPrewarmRoomStartsTheRecorderWarming() {
        WarmRun r = new WarmRun();
        List<Decision> d = r.at(0, new Input.Joined(operator("op")));
        Decision.Warm warm = assertInstanceOf(Decision.Warm.class, d.get(0));
        assertEquals("operator-waiting", warm.reason());
        assertEquals("op", warm.staff().nick());
        assertEquals(RoomState.Phase.WARMING, r.state.phase());
        assertEquals(t0.plus(MAX_WAIT), r.wake(), "the warm-up wakes at its maximum wait");
    }

    @Test
    void clientJoiningAWarmRoomBecomesTheSessionWithoutANewStart() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op")));
        List<Decision> d = r.at(40, new Input.Joined(client("c1")));
        assertEquals(1, d.size(), d.toString());
        Decision.ClientArrived arrived = assertInstanceOf(Decision.ClientArrived.class, d.get(0));
        assertEquals("c1", arrived.client().nick());
        assertEquals(RoomState.Phase.ACTIVE, r.state.phase());
        assertEquals(t0.plusSeconds(40), r.state.sessionStart(), "the conversation (and its cap) counts from the join");
        assertEquals(t0.plusSeconds(40).plus(MAX), r.wake());
    }

    @Test
    void clientLeavingAWarmedSessionStopsAsUsualAndTheWaitingOperatorWarmsAgain() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op")));
        r.at(40, new Input.Joined(client("c1")));
        assertInstanceOf(Decision.GraceStarted.class, r.at(100, new Input.Left("c1")).get(0));
        List<Decision> d = r.at(110, new Input.Tick());
        assertEquals(2, d.size(), d.toString());
        Decision.Stop stop = assertInstanceOf(Decision.Stop.class, d.get(0));
        assertEquals("client-left", stop.reason());
        assertEquals(t0.plusSeconds(100), stop.conversationEnded());
        assertInstanceOf(Decision.Warm.class, d.get(1), "the operator still waits: warm up for the next client");
        assertEquals(RoomState.Phase.WARMING, r.state.phase());
        assertEquals(t0.plusSeconds(110), r.state.sessionStart());
    }

    @Test
    void operatorLeavingWithoutAClientStopsTheWarmUp() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op")));
        List<Decision> d = r.at(30, new Input.Left("op"));
        Decision.Stop stop = assertInstanceOf(Decision.Stop.class, d.get(0));
        assertEquals("warm-up-ended-operator-left", stop.reason());
        assertEquals(t0.plusSeconds(30), stop.conversationEnded());
        assertEquals(1, d.size());
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
        assertNull(r.wake());
    }

    @Test
    void aSecondOperatorLeavingKeepsTheWarmUp() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op1")));
        assertTrue(r.at(5, new Input.Joined(operator("op2"))).isEmpty());
        assertTrue(r.at(9, new Input.Left("op1")).isEmpty());
        assertEquals(RoomState.Phase.WARMING, r.state.phase());
        assertEquals(t0, r.state.sessionStart());
    }

    @Test
    void warmUpStopsAtItsMaximumWaitAndTheNextClientStartsAnOrdinarySession() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op")));
        List<Decision> d = r.at((int) MAX_WAIT.toSeconds(), new Input.Tick());
        assertEquals(1, d.size(), d.toString());
        assertEquals("warm-up-max-wait", assertInstanceOf(Decision.Stop.class, d.get(0)).reason());
        assertEquals(RoomState.Phase.WARM_EXPIRED, r.state.phase());
        assertNull(r.wake());
        assertTrue(r.at(400, new Input.Tick()).isEmpty(), "no new warm-up while the same operator waits");
        Decision.Start start = assertInstanceOf(Decision.Start.class, r.at(500, new Input.Joined(client("c1"))).get(0));
        assertEquals("client-joined", start.reason());
        assertEquals(RoomState.Phase.ACTIVE, r.state.phase());
    }

    @Test
    void afterTheMaximumWaitTheOperatorLeavingAndComingBackWarmsAgain() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op")));
        r.at((int) MAX_WAIT.toSeconds(), new Input.Tick());
        assertTrue(r.at(400, new Input.Left("op")).isEmpty());
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
        assertInstanceOf(Decision.Warm.class, r.at(410, new Input.Joined(operator("op"))).get(0));
    }

    @Test
    void roomDestroyedWhileWarmingStopsTheWarmUp() {
        WarmRun r = new WarmRun();
        r.at(0, new Input.Joined(operator("op")));
        Decision.Stop stop = assertInstanceOf(Decision.Stop.class, r.at(7, new Input.Destroyed()).get(0));
        assertEquals("room-destroyed", stop.reason());
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
        assertTrue(r.state.prewarm(), "the room keeps its mode");
    }

    @Test
    void clientFirstInAPrewarmRoomStartsAnOrdinarySession() {
        WarmRun r = new WarmRun();
        assertTrue(r.at(0, new Input.Joined(client("c1"))).isEmpty());
        List<Decision> d = r.at(3, new Input.Joined(operator("op")));
        assertEquals(1, d.size(), d.toString());
        assertEquals("operator-joined", assertInstanceOf(Decision.Start.class, d.get(0)).reason());
    }

    @Test
    void maximumWaitNeverExceedsTheMaximumLength() {
        RecordingPolicy p = new RecordingPolicy(GRACE, Duration.ofMinutes(2), Duration.ofHours(1));
        RecordingPolicy.Outcome o = p.next(RoomState.empty(true), new Input.Joined(operator("op")), t0);
        assertEquals(t0.plus(Duration.ofMinutes(2)), o.wakeAt(Duration.ofMinutes(2)));
    }

    @Test
    void roomsWithoutPrewarmNeverWarm() {
        Run r = new Run();
        r.at(0, new Input.Joined(operator("op")));
        r.at(1, new Input.Joined(client("c1")));
        r.at(2, new Input.Left("c1"));
        assertTrue(r.at(20, new Input.Tick()).stream().noneMatch(d -> d instanceof Decision.Warm));
        assertEquals(RoomState.Phase.IDLE, r.state.phase());
    }
}
