#!/usr/bin/env bash
# Analytics (dashboard) latency at scale (issue 4): fills a real SQLite archive with
# N sessions (default 1,000,000) and measures the analytics API over real HTTP. Usage: bench-analytics.sh [N] [REPS] [DIR]
# (DIR: re-measure an archive an earlier run of this or bench-archive.sh filled, migrating it in place).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp install -DskipTests -pl scripts/devkit,sidecar -am >/dev/null
mvn -q -B -ntp -pl sidecar test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/run/analytics-bench.classpath" >/dev/null
exec java -Xmx2g -cp "sidecar/target/test-classes:sidecar/target/classes:$(cat run/analytics-bench.classpath)" \
  com.zentrix.video.bench.AnalyticsBench "${1:-1000000}" "${2:-200}" ${3:+"$3"}
