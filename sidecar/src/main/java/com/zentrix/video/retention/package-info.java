/**
 * How long recordings live and how they go: the retention policy (config, overridden by an admin),
 * legal holds, and the one crash-safe deletion path used by the retention job, admins and subject requests.
 */
package com.zentrix.video.retention;
