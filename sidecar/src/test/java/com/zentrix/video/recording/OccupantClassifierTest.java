package com.zentrix.video.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.events.RoomEvent;
import com.zentrix.video.events.RoomEvent.Kind;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OccupantClassifierTest {
    private final OccupantClassifier any = new OccupantClassifier(
            new ZentrixConfig.Occupants(Set.of(), true, Set.of("boss@partner.test"), Set.of("recorder.meet.test")));

    private static RoomEvent.Occupant occ(String jid, Kind kind, RoomEvent.Jwt jwt) {
        String host = jid.substring(jid.indexOf('@') + 1);
        return new RoomEvent.Occupant("room@conference.meet.test/" + jid.hashCode(), "e", "Name", jid, host,
                "participant", "none", kind, jwt);
    }

    @Test
    void accountsAreStaffAndGuestsAreClients() {
        assertEquals(Participant.Side.STAFF, any.classify(occ("olena@meet.test", Kind.AUTHENTICATED, null)).orElseThrow().side());
        assertEquals(Participant.Side.CLIENT, any.classify(occ("abc@guest.meet.test", Kind.GUEST, null)).orElseThrow().side());
        assertEquals(Participant.Side.CLIENT, any.classify(occ("sip@meet.test", Kind.JIGASI, null)).orElseThrow().side());
    }

    @Test
    void aClientsJwtEmailAndAJigasiCallersNumberAreKeptForSubjectRequests() {
        var jwt = new RoomEvent.Jwt("u-1", "Citizen", "citizen@example.org", false, "member");
        Participant p = any.classify(occ("a@meet.test", Kind.JWT, jwt)).orElseThrow();
        assertEquals("citizen@example.org", p.email());
        assertEquals(null, p.phone());
        Participant caller = any.classify(occ("sip@meet.test", Kind.JIGASI, null)).orElseThrow();
        assertEquals("Name", caller.phone(), "the display name as is");
        assertEquals(null, caller.email());
    }

    @Test
    void focusRecorderAndHiddenDomainsDoNotCount() {
        assertTrue(any.classify(occ("focus@auth.meet.test", Kind.FOCUS, null)).isEmpty());
        assertTrue(any.classify(occ("recorder@recorder.meet.test", Kind.HIDDEN, null)).isEmpty());
        assertTrue(any.classify(occ("recorder-x1@recorder.meet.test", Kind.AUTHENTICATED, null)).isEmpty(),
                "a hidden domain is ignored even when Prosody could not tell");
    }

    @Test
    void jwtModeratorsAreStaffOthersClients() {
        var mod = new RoomEvent.Jwt("op-1", "Op", null, true, null);
        var owner = new RoomEvent.Jwt("op-2", "Op", null, false, "owner");
        var user = new RoomEvent.Jwt("u-1", "Citizen", null, false, "member");
        assertEquals(Participant.Side.STAFF, any.classify(occ("a@meet.test", Kind.JWT, mod)).orElseThrow().side());
        assertEquals("op-1", any.classify(occ("a@meet.test", Kind.JWT, mod)).orElseThrow().userId());
        assertEquals(Participant.Side.STAFF, any.classify(occ("a@meet.test", Kind.JWT, owner)).orElseThrow().side());
        assertEquals(Participant.Side.CLIENT, any.classify(occ("a@meet.test", Kind.JWT, user)).orElseThrow().side());
        var noJwtRule = new OccupantClassifier(new ZentrixConfig.Occupants(Set.of(), false, Set.of(), Set.of()));
        assertEquals(Participant.Side.CLIENT, noJwtRule.classify(occ("a@meet.test", Kind.JWT, mod)).orElseThrow().side());
    }

    @Test
    void staffDomainsRestrictWhichAccountsAreStaff() {
        var only = new OccupantClassifier(new ZentrixConfig.Occupants(Set.of("meet.test"), true, Set.of("boss@partner.test"), Set.of()));
        assertEquals(Participant.Side.STAFF, only.classify(occ("olena@meet.test", Kind.AUTHENTICATED, null)).orElseThrow().side());
        assertEquals(Participant.Side.CLIENT, only.classify(occ("x@other.test", Kind.AUTHENTICATED, null)).orElseThrow().side());
        assertEquals(Participant.Side.STAFF, only.classify(occ("boss@partner.test", Kind.GUEST, null)).orElseThrow().side(),
                "listed accounts are staff whatever else");
    }
}
