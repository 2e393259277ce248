/**
 * Recorder control: the {@link com.zentrix.video.jibri.JibriControl} interface, its HTTP
 * implementation (a pool of Jibris) and the webhooks through which Jibri reports how sessions end.
 */
package com.zentrix.video.jibri;
