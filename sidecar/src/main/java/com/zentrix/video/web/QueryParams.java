package com.zentrix.video.web;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;

/** Query parameters every list shares, parsed the same way with the same 400s. */
public final class QueryParams {
    private QueryParams() {}

    /** A calendar day in the institution's zone: its start (plusDays 0) or the next day's start (1); null when absent. */
    public static Long day(String s, ZoneId zone, String name, int plusDays) {
        if (s == null || s.isBlank()) return null;
        try {
            return LocalDate.parse(s.strip()).plusDays(plusDays).atStartOfDay(zone).toInstant().toEpochMilli();
        } catch (DateTimeException e) {
            throw ApiException.badRequest("bad_query", "'" + name + "' must be a date like 2026-11-24");
        }
    }

    public static long whole(String v, String name) {
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad_query", "'" + name + "' must be a whole number");
        }
    }
}
