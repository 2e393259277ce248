/**
 * Finished recordings: the finalize hand-over (local folder or streamed upload), safe paths, moving
 * files into the archive with their SHA-256, and ffprobe.
 */
package com.zentrix.video.ingest;
