/**
 * Analytics: exact daily and monthly aggregates of the sessions (one table kept by SQL triggers, V7),
 * the figures and tables read from them for the dashboard, the API, CSV export and the report command.
 */
package com.zentrix.video.analytics;
