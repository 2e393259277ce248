package com.zentrix.video.testing;

import java.io.IOException;
import java.time.Duration;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MucEnterConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.nick.packet.Nick;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Smack 4.4 clients for a {@link ProsodyServer}: registered users on {@code <domain>}, anonymous
 * guests on {@code guest.<domain>}, both joining rooms on {@code conference.<domain>} the way a
 * Jitsi Meet client does (nick = endpoint id, display name in a XEP-0172 nick element).
 */
public final class XmppClients {

    private final String host;
    private final int port;
    private final String domain;
    private final Duration replyTimeout;

    public XmppClients(String host, int port, String domain) {
        this(host, port, domain, Duration.ofSeconds(10));
    }

    public XmppClients(String host, int port, String domain, Duration replyTimeout) {
        this.host = host;
        this.port = port;
        this.domain = domain;
        this.replyTimeout = replyTimeout;
    }

    public XmppClients(ProsodyServer server) {
        this(server.host(), server.c2sPort(), server.domain());
    }

    /** Logs in as a registered account on the main domain. */
    public Client user(String username, String password) throws ClientException {
        return connect(configBuilder(domain).setUsernameAndPassword(username, password));
    }

    /** Logs in as a registered account on another VirtualHost, e.g. {@code recorder.<domain>}. */
    public Client user(String username, String host, String password) throws ClientException {
        return connect(configBuilder(host).setUsernameAndPassword(username, password));
    }

    /** Logs in anonymously (SASL ANONYMOUS) on {@code guest.<domain>}. */
    public Client guest() throws ClientException {
        return connect(configBuilder("guest." + domain).performSaslAnonymousAuthentication());
    }

    public String roomJid(String roomName) {
        return roomName + "@conference." + domain;
    }

    private XMPPTCPConnectionConfiguration.Builder configBuilder(String xmppDomain) throws ClientException {
        try {
            return XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain(xmppDomain)
                    .setHost(host)
                    .setPort(port)
                    .setSecurityMode(SecurityMode.disabled)
                    .setSendPresence(true)
                    .setConnectTimeout((int) replyTimeout.toMillis());
        } catch (XmppStringprepException e) {
            throw new ClientException("bad XMPP domain " + xmppDomain, e);
        }
    }

    private Client connect(XMPPTCPConnectionConfiguration.Builder builder) throws ClientException {
        XMPPTCPConnectionConfiguration config = builder.build();
        XMPPTCPConnection connection = new XMPPTCPConnection(config);
        connection.setReplyTimeout(replyTimeout.toMillis());
        // Meeting clients have no use for a roster; skipping it saves a round trip per login.
        Roster.getInstanceFor(connection).setRosterLoadedAtLogin(false);
        try {
            connection.connect();
            connection.login();
            return new Client(connection);
        } catch (SmackException | IOException | XMPPException | InterruptedException e) {
            connection.disconnect();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ClientException("cannot log in to " + config.getXMPPServiceDomain()
                    + " at " + host + ":" + port, e);
        }
    }

    /** One logged-in XMPP connection. Closing it disconnects (leaving any rooms). */
    public static final class Client implements AutoCloseable {
        private final XMPPTCPConnection connection;

        private Client(XMPPTCPConnection connection) {
            this.connection = connection;
        }

        public XMPPTCPConnection connection() {
            return connection;
        }

        /** The real full JID Prosody gave this session. */
        public EntityFullJid jid() {
            return connection.getUser();
        }

        /** The real bare JID, as the events module reports it. */
        public String bareJid() {
            return jid().asBareJid().toString();
        }

        /**
         * Joins {@code roomJid} as {@code nick}; {@code displayName} (nullable) goes into the join
         * presence as {@code <nick xmlns='http://jabber.org/protocol/nick'>}.
         */
        public Participant join(String roomJid, String nick, String displayName) throws ClientException {
            return join(roomJid, nick, displayName, new ExtensionElement[0]);
        }

        /**
         * Joins with extra extension elements in the join presence, e.g. Jigasi's
         * {@code <initiator xmlns='http://jitsi.org/protocol/jigasi'/>}.
         */
        public Participant join(String roomJid, String nick, String displayName, ExtensionElement... extra)
                throws ClientException {
            try {
                EntityBareJid room = JidCreate.entityBareFrom(roomJid);
                MultiUserChat muc = MultiUserChatManager.getInstanceFor(connection).getMultiUserChat(room);
                MucEnterConfiguration.Builder enter = muc.getEnterConfigurationBuilder(Resourcepart.from(nick))
                        .requestNoHistory()
                        .timeoutAfter(connection.getReplyTimeout());
                if (displayName != null || extra.length > 0) {
                    enter.withPresence(presence -> {
                        if (displayName != null) {
                            presence.addExtension(new Nick(displayName));
                        }
                        for (ExtensionElement element : extra) {
                            presence.addExtension(element);
                        }
                    });
                }
                muc.join(enter.build());
                return new Participant(muc);
            } catch (XmppStringprepException | SmackException | XMPPException e) {
                throw new ClientException("cannot join " + roomJid + " as " + nick, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException("interrupted joining " + roomJid, e);
            }
        }

        @Override
        public void close() {
            connection.disconnect();
        }
    }

    /** Presence in one room. Closing it leaves the room if still joined. */
    public static final class Participant implements AutoCloseable {
        private final MultiUserChat muc;

        private Participant(MultiUserChat muc) {
            this.muc = muc;
        }

        public MultiUserChat muc() {
            return muc;
        }

        /** The occupant's in-room JID, {@code room@conference.<domain>/<nick>}. */
        public String occupantJid() {
            return muc.getRoom() + "/" + muc.getNickname();
        }

        public boolean isJoined() {
            return muc.isJoined();
        }

        /** Sends unavailable presence and waits for the room's reflection of it. */
        public void leave() throws ClientException {
            if (!muc.isJoined()) {
                return;
            }
            try {
                muc.leave();
            } catch (SmackException | XMPPException e) {
                throw new ClientException("cannot leave " + muc.getRoom(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException("interrupted leaving " + muc.getRoom(), e);
            }
        }

        @Override
        public void close() throws ClientException {
            leave();
        }
    }

    /** Anything that went wrong talking XMPP, with the Smack cause attached. */
    public static final class ClientException extends Exception {
        public ClientException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
