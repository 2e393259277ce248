package com.zentrix.video.auth;

import com.zentrix.video.config.ZentrixConfig;
import java.io.IOException;
import org.jivesoftware.smack.ConnectionConfiguration;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;

/**
 * Checks a Jitsi account's password the only way Prosody allows: an XMPP login (SASL) through Smack.
 * Nothing is kept; the connection is closed at once.
 */
public final class JitsiLogin {
    public enum Result { OK, BAD_CREDENTIALS, UNAVAILABLE }

    private final ZentrixConfig.JitsiLogin config;

    public JitsiLogin(ZentrixConfig.JitsiLogin config) {
        this.config = config;
    }

    public String domain() {
        return config.domain();
    }

    public Result check(String username, String password) {
        if (username.contains("@") || username.contains("/") || password.isEmpty()) return Result.BAD_CREDENTIALS;
        XMPPTCPConnection c = null;
        try {
            XMPPTCPConnectionConfiguration cfg = XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain(config.domain()).setHost(config.host()).setPort(config.port())
                    .setSecurityMode(switch (config.security()) {
                        case "disabled" -> ConnectionConfiguration.SecurityMode.disabled;
                        case "required" -> ConnectionConfiguration.SecurityMode.required;
                        default -> ConnectionConfiguration.SecurityMode.ifpossible;
                    })
                    .setUsernameAndPassword(username, password).setResource("zentrix-login")
                    .setSendPresence(false).setConnectTimeout(5000).build();
            c = new XMPPTCPConnection(cfg);
            c.setReplyTimeout(5000);
            c.connect().login();
            return Result.OK;
        } catch (SASLErrorException e) {
            return Result.BAD_CREDENTIALS;
        } catch (SmackException | IOException | XMPPException e) {
            return Result.UNAVAILABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.UNAVAILABLE;
        } finally {
            if (c != null) c.disconnect();
        }
    }
}
