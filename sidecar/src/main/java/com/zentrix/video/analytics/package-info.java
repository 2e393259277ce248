/**
 * Analytics: exact per-day and per-hour aggregates of the sessions (kept by SQL triggers, V5), the
 * figures and tables read from them for the dashboard, the API, CSV export and the report command.
 */
package com.zentrix.video.analytics;
