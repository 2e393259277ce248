/**
 * The SQLite store: connection pool, Jdbi, and Flyway migrations from {@code db/migration}.
 * Feature packages keep their own SQL next to the code that runs it.
 */
package com.zentrix.video.store;
