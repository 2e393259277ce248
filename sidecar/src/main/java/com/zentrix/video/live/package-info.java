/**
 * The live board: the rooms in use now, who is in and whether it records; and the alert, in the UI and
 * to a webhook, when a client is present but nothing records.
 */
package com.zentrix.video.live;
