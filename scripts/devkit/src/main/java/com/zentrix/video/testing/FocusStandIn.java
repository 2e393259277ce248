package com.zentrix.video.testing;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.provider.IQProvider;
import org.jivesoftware.smack.provider.ProviderManager;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;
import org.jivesoftware.smackx.muc.MUCAffiliation;
import org.jivesoftware.smackx.muc.MUCRole;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.Occupant;
import org.jivesoftware.smackx.muc.ParticipantStatusListener;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jicofo's part in a recording, for tests: an occupant at {@code room/focus} that answers Jitsi's Jibri
 * IQ the way Jicofo does and publishes the recording status in its presence. Follows jitsi/jicofo:
 * {@code jibri/BaseJibri.kt} (the sender must be a moderator: {@code not-allowed} without text
 * otherwise; a start while a session runs is {@code unexpected-request}; a stop without one is
 * {@code item-not-found} "Unknown session"), {@code jibri/JibriRecorder.kt} (a file recording with a
 * stream id is {@code bad-request}; a start answers result with a new UUID {@code session_id}; status
 * is published as {@code <jibri-recording-status status session_id recording_mode initiator
 * failure_reason/>} in the focus's MUC presence, off clears the session) and
 * {@code xmpp/AuthenticationRoleManager} (authenticated users are granted owner when they join).
 * It joins first, so it owns the room, as Jicofo does when it creates a conference.
 */
public final class FocusStandIn implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FocusStandIn.class);
    public static final String NS = "http://jitsi.org/protocol/jibri";

    /** One Jibri IQ as the focus received it, and what it answered. */
    public record Request(Instant at, String from, String action, Map<String, String> attributes, String answer) {}

    private final XmppClients.Client client;
    private final MultiUserChat muc;
    private final String roomJid;
    private final String ownerDomain;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile boolean grantOwners = true;
    private volatile Duration onDelay = Duration.ofMillis(500);
    private volatile String[] refusal;
    private String session; // guarded by this
    private String initiator;

    static {
        ProviderManager.addIQProvider("jibri", NS, new JibriProvider());
    }

    /**
     * Logs in as {@code username} (a "focus" account, as Jicofo's), joins {@code roomJid} as nick
     * {@code focus}, and grants owner to every occupant whose real JID is on {@code ownerDomain}.
     */
    public static FocusStandIn join(XmppClients xmpp, String username, String password, String roomJid, String ownerDomain)
            throws XmppClients.ClientException {
        XmppClients.Client client = xmpp.user(username, password);
        try {
            return new FocusStandIn(client, roomJid, ownerDomain);
        } catch (XmppClients.ClientException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private FocusStandIn(XmppClients.Client client, String roomJid, String ownerDomain) throws XmppClients.ClientException {
        this.client = client;
        this.roomJid = roomJid;
        this.ownerDomain = ownerDomain;
        client.connection().registerIQRequestHandler(new AbstractIqRequestHandler("jibri", NS, IQ.Type.set,
                IQRequestHandler.Mode.async) {
            @Override
            public IQ handleIQRequest(IQ iq) {
                return handle((JibriIq) iq);
            }
        });
        this.muc = client.join(roomJid, "focus", null).muc();
        muc.addParticipantStatusListener(new ParticipantStatusListener() {
            @Override
            public void joined(EntityFullJid participant) {
                timers.execute(() -> maybeGrantOwner(participant));
            }
        });
    }

    private void maybeGrantOwner(EntityFullJid participant) {
        if (!grantOwners) return;
        Occupant o = muc.getOccupant(participant);
        Jid real = o == null ? null : o.getJid();
        if (real == null || !real.getDomain().toString().equals(ownerDomain)) return;
        try {
            muc.grantOwnership(real.asBareJid());
            log.info("focus stand-in granted owner to {} ({}) in {}", participant, real.asBareJid(), roomJid);
        } catch (Exception e) {
            log.warn("focus stand-in could not grant owner to {}: {}", real, e.toString());
        }
    }

    /** Whether to make authenticated occupants owners as they join (Jicofo does); off = no moderators. */
    public FocusStandIn grantOwners(boolean grant) {
        this.grantOwners = grant;
        return this;
    }

    /** How long after "pending" the recorder reports "on"; null = never (until {@link #publishOn()}). */
    public FocusStandIn onDelay(Duration delay) {
        this.onDelay = delay;
        return this;
    }

    /** Refuse starts with this condition and text, e.g. resource-constraint "all Jibris are busy"; null = accept. */
    public FocusStandIn refuseStarts(String condition, String text) {
        this.refusal = condition == null ? null : new String[] {condition, text};
        return this;
    }

    public String roomJid() {
        return roomJid;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized String currentSession() {
        return session;
    }

    /** Whether the occupant at this in-room JID is a moderator as the focus sees it. */
    public boolean isModerator(String occupantJid) {
        try {
            Occupant o = muc.getOccupant(JidCreate.entityFullFrom(occupantJid));
            return o != null && o.getRole() == MUCRole.moderator;
        } catch (IOException e) {
            return false;
        }
    }

    private IQ handle(JibriIq iq) {
        String action = iq.attributes.get("action");
        IQ reply;
        synchronized (this) {
            reply = answer(iq, action);
        }
        String answer = reply.getType() == IQ.Type.error
                ? "error " + reply.getError().getCondition() : "result " + iq.attributes.get("session_id");
        if (reply instanceof JibriIq j && j.attributes.containsKey("session_id")) answer = "result " + j.attributes.get("session_id");
        requests.add(new Request(Instant.now(), String.valueOf(iq.getFrom()), action, Map.copyOf(iq.attributes), answer));
        log.info("focus stand-in: {} from {} -> {}", action, iq.getFrom(), answer);
        return reply;
    }

    private IQ answer(JibriIq iq, String action) {
        Occupant sender = muc.getOccupant(iq.getFrom().asEntityFullJidIfPossible());
        if (sender == null) return error(iq, StanzaError.Condition.forbidden, null);
        boolean moderator = sender.getRole() == MUCRole.moderator || sender.getAffiliation() == MUCAffiliation.owner
                || sender.getAffiliation() == MUCAffiliation.admin;
        if (!moderator) return error(iq, StanzaError.Condition.not_allowed, null);
        if ("start".equals(action)) {
            if (session != null) {
                return error(iq, StanzaError.Condition.unexpected_request, "Recording or live streaming is already enabled");
            }
            if ("file".equals(iq.attributes.get("recording_mode")) && iq.attributes.containsKey("streamid")) {
                return error(iq, StanzaError.Condition.bad_request, "Stream ID is provided for a FILE recording.");
            }
            String[] refuse = refusal;
            if (refuse != null) return error(iq, StanzaError.Condition.fromString(refuse[0]), refuse[1]);
            String id = UUID.randomUUID().toString();
            session = id;
            initiator = iq.getFrom().toString();
            timers.execute(() -> publish("pending", id, null, null));
            Duration delay = onDelay;
            if (delay != null) {
                timers.schedule(() -> {
                    synchronized (this) {
                        if (id.equals(session)) publish("on", id, null, initiator);
                    }
                }, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
            JibriIq result = new JibriIq(Map.of("session_id", id));
            result.setType(IQ.Type.result);
            result.setStanzaId(iq.getStanzaId());
            result.setTo(iq.getFrom());
            return result;
        }
        if ("stop".equals(action)) {
            if (session == null) return error(iq, StanzaError.Condition.item_not_found, "Unknown session");
            String id = session;
            session = null;
            String terminator = iq.getFrom().toString();
            timers.execute(() -> publish("off", id, null, terminator));
            return IQ.createResultIQ(iq);
        }
        return error(iq, StanzaError.Condition.bad_request, "undefined action");
    }

    /** The recorder is capturing (when {@link #onDelay} is null). */
    public synchronized void publishOn() {
        if (session != null) publish("on", session, null, initiator);
    }

    /** Jibri failed mid-call: Jicofo publishes off with a failure reason (busy or error) and forgets the session. */
    public synchronized void failCurrent(String failureReason) {
        if (session == null) throw new IllegalStateException("no recording session in " + roomJid);
        String id = session;
        session = null;
        publish("off", id, failureReason, null);
    }

    private void publish(String status, String sessionId, String failureReason, String by) {
        StandardExtensionElement.Builder ext = StandardExtensionElement.builder("jibri-recording-status", NS)
                .addAttribute("status", status).addAttribute("session_id", sessionId).addAttribute("recording_mode", "file");
        if (failureReason != null) ext.addAttribute("failure_reason", failureReason);
        if (by != null) ext.addAttribute("initiator", by);
        try {
            Presence p = client.connection().getStanzaFactory().buildPresenceStanza()
                    .to(JidCreate.entityFullFrom(roomJid + "/focus")).addExtension(ext.build()).build();
            client.connection().sendStanza(p);
            log.info("focus stand-in published jibri-recording-status {} session={} failure={} in {}", status, sessionId,
                    failureReason, roomJid);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish recording status in " + roomJid, e);
        }
    }

    private static IQ error(IQ request, StanzaError.Condition condition, String text) {
        StanzaError.Builder b = StanzaError.getBuilder(condition);
        if (text != null) b.setDescriptiveEnText(text);
        return IQ.createErrorResponse(request, b.build());
    }

    @Override
    public void close() {
        timers.shutdownNow();
        client.close();
    }

    /** Jitsi's {@code <jibri xmlns='http://jitsi.org/protocol/jibri'/>}: all data in attributes. */
    public static final class JibriIq extends IQ {
        final Map<String, String> attributes;

        JibriIq(Map<String, String> attributes) {
            super("jibri", NS);
            this.attributes = attributes;
        }

        public Map<String, String> attributes() {
            return attributes;
        }

        @Override
        protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
            attributes.forEach(xml::attribute);
            xml.setEmptyElement();
            return xml;
        }
    }

    static final class JibriProvider extends IQProvider<JibriIq> {
        @Override
        public JibriIq parse(XmlPullParser parser, int initialDepth, XmlEnvironment env) throws XmlPullParserException, IOException {
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < parser.getAttributeCount(); i++) {
                attributes.put(parser.getAttributeName(i), parser.getAttributeValue(i));
            }
            while (!(parser.getEventType() == XmlPullParser.Event.END_ELEMENT && parser.getDepth() == initialDepth)) {
                parser.next();
            }
            return new JibriIq(attributes);
        }
    }
}
