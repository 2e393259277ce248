#!/usr/bin/env bash
# Runs every test of Zentrix Video on a fresh Debian machine: installs what the tests use
# (prosody, nginx, ffmpeg, curl, openssl, Java 17, Maven, Chromium and chromedriver for the browser
# tests), then `mvn verify` (unit tests + integration tests), then the demo once (scripts/demo.sh --exit).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/deps.sh
ensure_packages prosody:prosody nginx:nginx ffmpeg:ffmpeg ffprobe:ffmpeg curl:curl openssl:openssl \
  java:openjdk-17-jdk-headless mvn:maven lua5.4:lua5.4 chromium:chromium chromedriver:chromium-driver
# The Debian prosody package starts a system instance; the tests run their own on private ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prosody 2>/dev/null; then
  echo "test.sh: note: a system prosody is running; tests use their own private ports" >&2
fi

mvn -B -ntp verify "$@"

# The README's demo command must keep working: run it once, non-interactively, on a free port.
scripts/demo.sh --exit --port 0 --talk-seconds 3
