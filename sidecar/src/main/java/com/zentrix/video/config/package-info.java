/**
 * Typed configuration, loaded once from HOCON ({@code reference.conf} documents every key) and
 * handed to the objects that need it by {@code App}.
 */
package com.zentrix.video.config;
