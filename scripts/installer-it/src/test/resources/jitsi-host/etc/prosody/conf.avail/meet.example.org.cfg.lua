-- Test fixture: /etc/prosody/conf.avail/<domain>.cfg.lua of a Jitsi quick-install host, written for
-- these tests after jitsi/jitsi-meet doc/debian/jitsi-meet-prosody/prosody.cfg.lua-jvb.example as
-- debian/jitsi-meet-prosody.postinst fills it in (domain, focus user, TURN secret), trimmed; plus the
-- recorder VirtualHost that jitsi/jibri's README ("Prosody") asks Jibri users to add.
plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/" }

-- domain mapper options, must at least have domain base set to use the mapper
muc_mapper_domain_base = "meet.example.org";

external_service_secret = "fixtureTurnSecret";
external_services = {
     { type = "stun", host = "meet.example.org", port = 3478 },
     { type = "turn", host = "meet.example.org", port = 3478, transport = "udp", secret = true, ttl = 86400, algorithm = "turn" }
};

cross_domain_bosh = false;
consider_bosh_secure = true;

ssl = {
    protocol = "tlsv1_2+";
    ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
}

unlimited_jids = {
    "focus@auth.meet.example.org",
    "jvb@auth.meet.example.org"
}

VirtualHost "meet.example.org"
    authentication = "jitsi-anonymous" -- do not delete me
    ssl = {
        key = "/etc/prosody/certs/meet.example.org.key";
        certificate = "/etc/prosody/certs/meet.example.org.crt";
    }
    av_moderation_component = "avmoderation.meet.example.org"
    speakerstats_component = "speakerstats.meet.example.org"
    conference_duration_component = "conferenceduration.meet.example.org"
    end_conference_component = "endconference.meet.example.org"
    -- we need bosh
    modules_enabled = {
        "bosh";
        "pubsub";
        "ping"; -- Enable mod_ping
        "speakerstats";
        "external_services";
        "conference_duration";
        "end_conference";
        "muc_lobby_rooms";
        "muc_breakout_rooms";
        "av_moderation";
    }
    c2s_require_encryption = false
    lobby_muc = "lobby.meet.example.org"
    breakout_rooms_muc = "breakout.meet.example.org"
    main_muc = "conference.meet.example.org"
    -- muc_lobby_whitelist = { "recorder.meet.example.org" } -- Here we can whitelist jibri to enter lobby enabled rooms

Component "conference.meet.example.org" "muc"
    restrict_room_creation = true
    storage = "memory"
    modules_enabled = {
        "muc_meeting_id";
        "muc_domain_mapper";
        "polls";
        --"token_verification";
        "muc_rate_limit";
    }
    admins = { "focus@auth.meet.example.org" }
    muc_room_locking = false
    muc_room_default_public_jids = true

Component "breakout.meet.example.org" "muc"
    restrict_room_creation = true
    storage = "memory"
    modules_enabled = {
        "muc_meeting_id";
        "muc_domain_mapper";
        "muc_rate_limit";
        "polls";
    }
    admins = { "focus@auth.meet.example.org" }
    muc_room_locking = false
    muc_room_default_public_jids = true

-- internal muc component
Component "internal.auth.meet.example.org" "muc"
    storage = "memory"
    modules_enabled = { "ping"; }
    admins = { "focus@auth.meet.example.org", "jvb@auth.meet.example.org" }
    muc_room_locking = false
    muc_room_default_public_jids = true

VirtualHost "auth.meet.example.org"
    ssl = {
        key = "/etc/prosody/certs/auth.meet.example.org.key";
        certificate = "/etc/prosody/certs/auth.meet.example.org.crt";
    }
    modules_enabled = {
        "limits_exception";
    }
    authentication = "internal_hashed"

-- Jibri's hidden participant logs in here (jitsi/jibri README, "Prosody")
VirtualHost "recorder.meet.example.org"
  modules_enabled = {
    "ping";
  }
  authentication = "internal_hashed"

-- Proxy to jicofo's user JID, so that it doesn't have to register as a component.
Component "focus.meet.example.org" "client_proxy"
    target_address = "focus@auth.meet.example.org"

Component "speakerstats.meet.example.org" "speakerstats_component"
    muc_component = "conference.meet.example.org"

Component "conferenceduration.meet.example.org" "conference_duration_component"
    muc_component = "conference.meet.example.org"

Component "endconference.meet.example.org" "end_conference"
    muc_component = "conference.meet.example.org"

Component "avmoderation.meet.example.org" "av_moderation_component"
    muc_component = "conference.meet.example.org"

Component "lobby.meet.example.org" "muc"
    storage = "memory"
    restrict_room_creation = true
    muc_room_locking = false
    muc_room_default_public_jids = true
    modules_enabled = {
        "muc_rate_limit";
        "polls";
    }
