#!/usr/bin/env bash
# Benchmarks Zentrix Video on this machine and prints the results as markdown (docs/BENCHMARKS.md).
#   1. decision latency: a guest's join at Prosody → POST /startService at a (timestamping) Jibri;
#   2. event intake throughput: signed events POSTed to the sidecar, durable in SQLite (WAL, NORMAL).
# Everything runs for real on loopback: the sidecar jar in its own JVM, Prosody with our module, Smack
# clients. It installs nothing: it says what is missing and stops. Extra options go to the harness
# (BenchMain): --only latency|intake, --iterations N, --warmup N, --connections 1,4,16, --events N,
# --intake-warmup N, --recording-every N, --batch-sizes 50,100, --batch-connections 1,4,16, --batch-events N,
# --work DIR. BENCH_SIDECAR_JAVA_OPTS adds JVM options to the
# sidecar (e.g. a JFR recording for profiling).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for cmd_pkg in java:openjdk-17-jdk-headless mvn:maven prosody:prosody prosodyctl:prosody; do
  command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || missing+=("${cmd_pkg%%:*} (Debian package ${cmd_pkg#*:})")
done
if ((${#missing[@]})); then
  echo "bench.sh: missing: ${missing[*]}" >&2
  echo "bench.sh: install them (scripts/test.sh installs the same set), then run again" >&2
  exit 69
fi

jar=sidecar/target/zentrix-video.jar
classes=scripts/devkit/target/classes
classpath_file=scripts/devkit/target/bench.classpath
# Build when the jar or the harness is missing or older than any source or pom.
if [[ ! -f $jar || ! -d $classes ]] \
  || [[ -n "$(find pom.xml sidecar/pom.xml sidecar/src scripts/devkit/pom.xml scripts/devkit/src web prosody-module \
                 -newer "$jar" -type f -print -quit)" ]]; then
  echo "bench.sh: building (mvn -q package -DskipTests)" >&2
  mvn -q -B package -DskipTests >&2
fi
if [[ ! -f $classpath_file || scripts/devkit/pom.xml -nt $classpath_file || pom.xml -nt $classpath_file ]]; then
  mvn -q -B dependency:build-classpath -pl scripts/devkit -DincludeScope=runtime \
    -Dmdep.outputFile=target/bench.classpath >&2
fi

# Other work on the machine skews every number here: measure one second of it and say so.
cpu_ticks() { read -r _ u n s i w q sq st _ < /proc/stat; echo "$((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st))"; }
read -r busy1 total1 < <(cpu_ticks); sleep 1; read -r busy2 total2 < <(cpu_ticks)
busy_at_start=$(awk -v b=$((busy2 - busy1)) -v t=$((total2 - total1)) -v n="$(nproc)" 'BEGIN {printf "%.2f", t ? n * b / t : 0}')
if awk -v c="$busy_at_start" 'BEGIN {exit !(c > 0.2)}'; then
  echo "bench.sh: warning: other work keeps ${busy_at_start} cores busy before the start; results will be skewed" >&2
fi

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
jdk=$(java -version 2>&1 | head -1)
prosody_version=$(dpkg-query -W -f '${Version}' prosody 2>/dev/null || echo "unknown")
fs=$(df -T "${TMPDIR:-/tmp}" | awk 'NR == 2 {print $2 " on " $1}')

echo "## Machine"
echo
echo "| what | value |"
echo "|---|---|"
echo "| cores (nproc) | $(nproc) |"
echo "| CPU | ${cpu_model:-unknown} |"
echo "| RAM | ${mem_gib} |"
echo "| kernel | $(uname -sr) |"
echo "| JDK | ${jdk} |"
echo "| Prosody | ${prosody_version} (Debian package) |"
echo "| file system of the run folder | ${fs} |"
echo "| cores busy with other work just before the start | ${busy_at_start} |"
echo
echo "Command: \`scripts/bench.sh $*\`"
echo
exec java -cp "$classes:$(cat "$classpath_file")" com.zentrix.video.testing.bench.BenchMain --jar "$jar" "$@"
