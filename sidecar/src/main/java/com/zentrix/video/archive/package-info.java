/** The archive: reading sessions, their recordings and files for the API and the UI. */
package com.zentrix.video.archive;
