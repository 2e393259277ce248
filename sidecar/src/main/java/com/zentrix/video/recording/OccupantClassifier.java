package com.zentrix.video.recording;

import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.events.RoomEvent;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether an occupant is staff, a client, or not counted at all. Jicofo grants moderator only
 * after the join (jitsi-integration.md), so the role seen at join never decides; accounts, domains and
 * JWT claims do.
 */
public final class OccupantClassifier {
    private final ZentrixConfig.Occupants rules;

    public OccupantClassifier(ZentrixConfig.Occupants rules) {
        this.rules = rules;
    }

    /** Empty for occupants that never count: the focus, recorders and other hidden domains. */
    public Optional<Participant> classify(RoomEvent.Occupant o) {
        String host = o.host() == null ? "" : o.host().toLowerCase(Locale.ROOT);
        if (o.kind() == RoomEvent.Kind.FOCUS || o.kind() == RoomEvent.Kind.HIDDEN) return Optional.empty();
        if (rules.ignoredDomains().contains(host)) return Optional.empty();
        if (o.nick() != null && o.nick().endsWith("/focus")) return Optional.empty();

        String userId = o.jwt() != null ? o.jwt().id() : null;
        String name = o.displayName() != null ? o.displayName() : (o.jwt() != null ? o.jwt().name() : null);
        Participant.Side side = isStaff(o, host) ? Participant.Side.STAFF : Participant.Side.CLIENT;
        String email = o.jwt() != null ? o.jwt().email() : null;
        String phone = o.kind() == RoomEvent.Kind.JIGASI ? o.displayName() : null;
        return Optional.of(new Participant(o.nick(), side, o.jid(), userId, name, email, phone));
    }

    private boolean isStaff(RoomEvent.Occupant o, String host) {
        if (rules.staffAccounts().contains(o.jid())) return true;
        switch (o.kind()) {
            case AUTHENTICATED:
                return rules.staffDomains().isEmpty() || rules.staffDomains().contains(host);
            case JWT:
                if (!rules.staffJwtModerators() || o.jwt() == null) return false;
                String aff = o.jwt().affiliation() == null ? "" : o.jwt().affiliation().toLowerCase(Locale.ROOT);
                return o.jwt().moderator() || aff.equals("owner") || aff.equals("moderator");
            default:
                return false;
        }
    }
}
