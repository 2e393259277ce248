#!/usr/bin/env bash
# Recording delivery, sidecar vs nginx (issue "The archive"): in one run on loopback, the real sidecar's
# media endpoint (HTTP Range, bearer token) and an nginx of our own serving the same archive file from a
# static location, plus the production path (nginx proxying to a sidecar with X-Accel-Redirect on);
# full-file throughput, random-offset and suffix Range latency, ratios against nginx.
# Needs nginx (default /usr/sbin/nginx; NGINX=/path to override), curl and ffmpeg.
# Usage: bench-media.sh [FILE_MIB=256] [SEEKS=500]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p run
mvn -q -B -ntp install -DskipTests -pl scripts/devkit,sidecar -am >/dev/null
mvn -q -B -ntp -pl sidecar test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/run/media-bench.classpath" >/dev/null
exec java -Xmx1g -Dzentrix.jar=sidecar/target/zentrix-video.jar -Dnginx="${NGINX:-/usr/sbin/nginx}" -cp "sidecar/target/test-classes:sidecar/target/classes:$(cat run/media-bench.classpath)" \
  com.zentrix.video.bench.MediaBench "${1:-256}" "${2:-500}"
