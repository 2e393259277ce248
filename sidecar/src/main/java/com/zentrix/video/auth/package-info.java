/**
 * Who is asking: local accounts (bcrypt), Jitsi accounts (XMPP login), Jitsi JWT, the API token;
 * login sessions with CSRF tokens; the one role model (admin, supervisor, operator).
 */
package com.zentrix.video.auth;
