#!/usr/bin/env bash
# Seconds of conversation lost at the start of a recording, with and without pre-warm (issue 7): real
# calls through Prosody with our module, Smack clients, the sidecar, a Jibri stand-in with a realistic
# launch-and-join delay, the real finalize hook and the real ffmpeg cut. Needs prosody and ffmpeg.
# Usage: bench-prewarm.sh [CALLS_PER_MODE=5] [JIBRI_JOIN_DELAY_MS=6000] [OPERATOR_WAIT_MS=10000] [TALK_MS=15000]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p run
mvn -q -B -ntp install -DskipTests -pl scripts/devkit,sidecar -am >/dev/null
mvn -q -B -ntp -pl sidecar test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/run/prewarm-bench.classpath" >/dev/null
exec java -cp "sidecar/target/test-classes:sidecar/target/classes:$(cat run/prewarm-bench.classpath)" \
  com.zentrix.video.bench.PrewarmBench "${1:-5}" "${2:-6000}" "${3:-10000}" "${4:-15000}"
