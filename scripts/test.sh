#!/usr/bin/env bash
# Runs every test of Zentrix Video on a fresh Debian machine: installs what the tests use
# (prosody, nginx, ffmpeg, curl, openssl, Java 17, Maven), then `mvn verify` (unit tests + integration tests).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for cmd_pkg in prosody:prosody nginx:nginx ffmpeg:ffmpeg ffprobe:ffmpeg curl:curl openssl:openssl java:openjdk-17-jdk-headless mvn:maven lua5.4:lua5.4; do
  cmd=${cmd_pkg%%:*}; pkg=${cmd_pkg#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian prosody package starts a system instance; the tests run their own on private ports.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prosody 2>/dev/null; then
  echo "test.sh: note: a system prosody is running; tests use their own private ports" >&2
fi

exec mvn -B -ntp verify "$@"
