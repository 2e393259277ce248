-- Test fixture: Prosody's main config on a Jitsi quick-install host (Debian 12, prosody 0.12).
-- Shape of Debian's /etc/prosody/prosody.cfg.lua, trimmed to what matters here; the last line is what
-- jitsi/jitsi-meet debian/jitsi-meet-prosody.postinst appends when it is missing.
admins = { }
plugin_paths = { "/usr/local/lib/prosody/modules" }
modules_enabled = {
		"disco"; -- Service discovery
		"roster"; -- Allow users to have a roster. Recommended ;)
		"saslauth"; -- Authentication for clients and servers. Recommended if you want to log in.
		"tls"; -- Add support for secure TLS on c2s/s2s connections
		"ping"; -- Replies to XMPP pings with pongs
		"posix"; -- POSIX functionality, sends server to background, enables syslog, etc.
}
pidfile = "/run/prosody/prosody.pid";
s2s_secure_auth = true
authentication = "internal_hashed"
log = {
	info = "/var/log/prosody/prosody.log";
	error = "/var/log/prosody/prosody.err";
}
certificates = "certs"

VirtualHost "localhost"

Include "conf.d/*.cfg.lua"
