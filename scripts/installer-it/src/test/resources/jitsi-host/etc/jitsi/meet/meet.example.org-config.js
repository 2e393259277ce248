// Test fixture: the head of /etc/jitsi/meet/<domain>-config.js as jitsi/jitsi-meet
// debian/jitsi-meet-web-config.postinst writes it (config.js with the domain filled in); trimmed.
var config = {
    hosts: {
        domain: 'meet.example.org',
        muc: 'conference.<!--# echo var="subdomain" default="" -->meet.example.org'
    },
    bosh: '//meet.example.org/http-bind',
    // recording (jitsi/jibri README, "Jitsi Meet")
    recordingService: {
        enabled: true
    },
    hiddenDomain: 'recorder.meet.example.org'
};
