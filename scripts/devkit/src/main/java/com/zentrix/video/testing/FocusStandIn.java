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
 *
 * <p>With {@link #recordWith} it drives a {@link JibriStandIn} the way Jicofo drives a Jibri
 * ({@code jibri/JibriSession.java}): the start goes to the Jibri with Jicofo's session id (Jibri names
 * the folder after it: jitsi/jibri {@code api/xmpp/XmppApi.kt} uses the start IQ's {@code session_id});
 * "on" is published once the Jibri captures and "off" once it has ended, with {@code failure_reason
 * error} when it failed; a stop is passed on to the Jibri and the session lasts until the Jibri is off
 * (a second stop meanwhile is accepted). The Jibri counts as a member of the room while it records
 * (jitsi/jicofo {@code ChatRoomImpl.memberCount}), so Jicofo does not stop it when the last person leaves;
 * the Jibri ends the call itself once it has been alone for {@code jibri.call-status-checks
 * .default-call-empty-timeout} (jitsi/jibri {@code EmptyCallStatusCheck.kt}: default 30 s, checked every
 * 15 s; the stand-in checks every 100 ms). When nobody is left, the focus leaves the room, as
 * {@code JitsiMeetConferenceImpl.maybeStop} stops the conference once its last member has left.
 * Deliberate difference: the Jibri stand-in is driven over its HTTP API, not the brewery, and does not
 * join the MUC itself.
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
    private volatile JibriStandIn recorder;
    private volatile Duration emptyCallTimeout;
    private final java.util.concurrent.ExecutorService recorderCalls = Executors.newCachedThreadPool();
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    private boolean recorderAccepted; // guarded by this: the Jibri took the current session
    private boolean onPublished;      // guarded by this
    private String terminator;        // guarded by this
    private Instant aloneSince;       // guarded by this
    private boolean someoneJoined;    // guarded by this
    private boolean left;             // guarded by this

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

    /**
     * Records through this Jibri stand-in (see the class comment); the Jibri ends a call it has been alone
     * in for {@code emptyCallTimeout}.
     */
    public FocusStandIn recordWith(JibriStandIn jibri, Duration emptyCallTimeout) {
        this.emptyCallTimeout = emptyCallTimeout;
        this.recorder = jibri;
        timers.scheduleWithFixedDelay(this::watchRecorder, 100, 100, TimeUnit.MILLISECONDS);
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
            if (recorder != null) {
                aloneSince = null;
                recorderAccepted = false;
                onPublished = false;
                terminator = null;
                recorderCalls.execute(() -> startRecorder(id));
            } else if (delay != null) {
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
            if (recorder != null) {
                // JibriSession.stop: the Jibri is told; the status turns off when the Jibri says it is.
                terminator = iq.getFrom().toString();
                recorderCalls.execute(() -> callRecorder("stopService", "", session));
                return IQ.createResultIQ(iq);
            }
            String id = session;
            session = null;
            String terminator = iq.getFrom().toString();
            timers.execute(() -> publish("off", id, null, terminator));
            return IQ.createResultIQ(iq);
        }
        return error(iq, StanzaError.Condition.bad_request, "undefined action");
    }

    private void startRecorder(String id) {
        String room = roomJid.substring(0, roomJid.indexOf('@'));
        String body = "{\"sessionId\":\"" + id + "\",\"callParams\":{\"callUrlInfo\":{\"baseUrl\":\"https://"
                + ownerDomain + "\",\"callName\":\"" + room + "\"}},\"callLoginParams\":{\"domain\":\"recorder."
                + ownerDomain + "\",\"username\":\"recorder\",\"password\":\"recorder\"},\"sinkType\":\"FILE\"}";
        int status = callRecorder("startService", body, id);
        synchronized (this) {
            if (!id.equals(session)) return;
            if (status == 200) {
                recorderAccepted = true;
            } else {
                // Jicofo would try another Jibri; the stand-in has one, so the session fails.
                session = null;
                publish("off", id, "error", null);
            }
        }
    }

    private int callRecorder(String action, String body, String id) {
        try {
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(recorder.baseUrl() + "/" + action))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            log.info("focus stand-in: Jibri {} session={} -> {}", action, id, r.statusCode());
            return r.statusCode();
        } catch (IOException e) {
            log.warn("focus stand-in: Jibri {} session={} failed: {}", action, id, e.toString());
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** Follows the Jibri (on, off), plays its empty-call check, and leaves a room nobody is in. */
    private synchronized void watchRecorder() {
        try {
            JibriStandIn jibri = recorder;
            long others = muc.getOccupants().stream().filter(o -> !"focus".equals(o.getResourceOrEmpty().toString())).count();
            if (others > 0) someoneJoined = true;
            if (session != null && recorderAccepted) {
                boolean current = jibri.currentSessionId().filter(session::equals).isPresent();
                if (current && jibri.phase() == JibriStandIn.Phase.RECORDING && !onPublished) {
                    onPublished = true;
                    publish("on", session, null, initiator);
                }
                if (!current) {
                    String failure = jibri.lastOutcome().filter(o -> session.equals(o.sessionId()) && o.failure() != null)
                            .map(o -> "error").orElse(null);
                    String id = session;
                    session = null;
                    publish("off", id, failure, terminator);
                }
            }
            if (session != null && recorderAccepted && others == 0) {
                if (aloneSince == null) aloneSince = Instant.now();
                if (Duration.between(aloneSince, Instant.now()).compareTo(emptyCallTimeout) >= 0) {
                    log.info("focus stand-in: the Jibri has been alone in {} for {}: it ends the call", roomJid, emptyCallTimeout);
                    aloneSince = Instant.MAX.minusSeconds(1); // once
                    jibri.endCall();
                }
            } else if (session != null || others > 0) {
                aloneSince = null;
            }
            if (session == null && others == 0 && someoneJoined && !left) {
                left = true;
                log.info("focus stand-in: last member left {}: the conference stops", roomJid);
                muc.leave();
            }
        } catch (Exception e) {
            log.warn("focus stand-in: watching the recorder failed: {}", e.toString());
        }
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
        // Jibri stops the service that failed (its Error state leads to the same stop path).
        if (recorder != null) recorderCalls.execute(() -> callRecorder("stopService", "", id));
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
        recorderCalls.shutdownNow();
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
