/** HTTP plumbing shared by every endpoint: server assembly, errors, body limits, request signatures. */
package com.zentrix.video.web;
