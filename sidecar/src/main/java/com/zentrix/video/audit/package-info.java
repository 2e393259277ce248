/** The audit trail: every access to and change of a recording, with who, when and from where. */
package com.zentrix.video.audit;
