package com.zentrix.video.analytics;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A span of local calendar days (both ends included) and the span it is compared with. Periods that
 * are still running (this week, this month) are compared with the same days of the one before: Monday
 * to today against last Monday to the same weekday; the 1st to today against the same dates of last
 * month (shortened where that month is shorter).
 */
public record Period(String name, LocalDate from, LocalDate to, LocalDate previousFrom, LocalDate previousTo) {

    /** The longest span one request may cover (three years and a day). */
    public static final int MAX_DAYS = 1097;

    public long days() {
        return ChronoUnit.DAYS.between(from, to) + 1;
    }

    /** A chosen range, compared with as many days just before it. */
    public static Period range(LocalDate from, LocalDate to) {
        long n = ChronoUnit.DAYS.between(from, to) + 1;
        return new Period("range", from, to, from.minusDays(n), from.minusDays(1));
    }

    public static List<Period> standard(LocalDate today, LocalDate rangeFrom, LocalDate rangeTo) {
        LocalDate monday = today.with(DayOfWeek.MONDAY);
        LocalDate first = today.withDayOfMonth(1);
        return List.of(
                new Period("today", today, today, today.minusDays(1), today.minusDays(1)),
                new Period("yesterday", today.minusDays(1), today.minusDays(1), today.minusDays(2), today.minusDays(2)),
                new Period("week", monday, today, monday.minusWeeks(1), today.minusWeeks(1)),
                new Period("month", first, today, first.minusMonths(1), today.minusMonths(1)),
                range(rangeFrom, rangeTo));
    }
}
