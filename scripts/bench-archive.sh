#!/usr/bin/env bash
# Archive list/search latency at scale (issue "The archive"): fills a real SQLite archive with
# N sessions (default 1,000,000) and measures the list API over real HTTP. Usage: bench-archive.sh [N] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp install -DskipTests -pl scripts/devkit,sidecar -am >/dev/null
mvn -q -B -ntp -pl sidecar test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/run/archive-bench.classpath" >/dev/null
exec java -Xmx2g -cp "sidecar/target/test-classes:sidecar/target/classes:$(cat run/archive-bench.classpath)" \
  com.zentrix.video.bench.ArchiveBench "${1:-1000000}" "${2:-200}"
