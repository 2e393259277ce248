/** The picocli subcommands of {@code zentrix-video}, one class each. */
package com.zentrix.video.cli;
