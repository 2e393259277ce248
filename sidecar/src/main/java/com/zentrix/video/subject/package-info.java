/**
 * Data-subject requests: find every session of one client (display name, JWT user id, e-mail, phone),
 * export all of it as one zip, or delete the recordings through the crash-safe deletion path; audited.
 */
package com.zentrix.video.subject;
