/**
 * Recorder control: the {@link com.zentrix.video.jibri.JibriControl} interface, its HTTP implementation
 * (a pool of Jibris), its Jicofo implementation (xmpp/: the Jibri IQ to the room's focus through our
 * Prosody module) and the webhooks through which Jibri reports how sessions end.
 */
package com.zentrix.video.jibri;
