#!/usr/bin/env bash
# The Zentrix Video demo on a fresh Debian machine: installs what it needs, builds, then runs the
# sidecar with a local Prosody (our module loaded), a Jibri stand-in and a scripted call, and prints
# where to see the recorded session. Options: --port N (default 8095), --talk-seconds N, --exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/deps.sh
ensure_packages prosody:prosody ffmpeg:ffmpeg curl:curl openssl:openssl java:openjdk-17-jdk-headless mvn:maven

if [ ! -f sidecar/target/zentrix-video.jar ] || [ -n "$(find sidecar/src scripts/devkit/src web prosody-module -newer sidecar/target/zentrix-video.jar -type f -print -quit)" ]; then
  echo "==> building (mvn package, tests skipped; scripts/test.sh runs them)"
  mvn -q -B -ntp package -DskipTests
fi
mkdir -p run
mvn -q -B -ntp -pl scripts/devkit dependency:build-classpath -Dmdep.outputFile="$PWD/run/devkit.classpath" >/dev/null
exec java -cp "scripts/devkit/target/classes:$(cat run/devkit.classpath)" com.zentrix.video.testing.Demo \
  --jar sidecar/target/zentrix-video.jar --dir run/demo "$@"
