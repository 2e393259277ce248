package com.zentrix.video.web;

import com.zentrix.video.jibri.xmpp.BreweryWatcher;
import org.jdbi.v3.core.Jdbi;

/** A few gauges in Prometheus' text format: recorders in the brewery, sessions by status. */
public final class Metrics {
    private Metrics() {}

    public static String render(BreweryWatcher.Counts brewery, Jdbi jdbi) {
        StringBuilder sb = new StringBuilder();
        if (brewery != null) {
            sb.append("# HELP zentrix_jibri_brewery Jibris in the brewery MUC by state.\n# TYPE zentrix_jibri_brewery gauge\n");
            sb.append("zentrix_jibri_brewery{state=\"idle\"} ").append(brewery.idle()).append('\n');
            sb.append("zentrix_jibri_brewery{state=\"busy\"} ").append(brewery.busy()).append('\n');
            sb.append("zentrix_jibri_brewery{state=\"unhealthy\"} ").append(brewery.unhealthy()).append('\n');
            sb.append("# HELP zentrix_jibri_brewery_connected Whether the brewery is being watched.\n# TYPE zentrix_jibri_brewery_connected gauge\n");
            sb.append("zentrix_jibri_brewery_connected ").append(brewery.connected() ? 1 : 0).append('\n');
        }
        sb.append("# HELP zentrix_sessions Sessions by status.\n# TYPE zentrix_sessions gauge\n");
        jdbi.useHandle(h -> h.createQuery("SELECT status, count(*) FROM sessions GROUP BY status ORDER BY status")
                .map((rs, ctx) -> "zentrix_sessions{status=\"" + rs.getString(1) + "\"} " + rs.getLong(2) + "\n")
                .forEach(sb::append));
        return sb.toString();
    }
}
