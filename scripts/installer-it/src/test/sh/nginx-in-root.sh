#!/usr/bin/env bash
# Test harness for the installer tests: runs the real nginx on the enabled sites of a fixture root
# (a directory laid out like a Jitsi host), so `install.sh --nginx nginx-in-root.sh` checks the very
# files it edited with a real `nginx -t`, and the tests can serve them.
#
# The sites (and conf.d/*.conf, included at http level as Debian's nginx.conf does) are copied into
# $ZX_WORK/sites and $ZX_WORK/conf.d, rewritten only as far as running here needs:
#   - absolute paths (/etc, /usr, /var, /srv) point into $ZX_ROOT;
#   - "listen 443" / "listen 80" become 127.0.0.1:$ZX_HTTPS_PORT / :$ZX_HTTP_PORT, IPv6 listens go;
#   - the sidecar's 127.0.0.1:8095 becomes 127.0.0.1:$ZX_SIDECAR_PORT when that is set.
# A minimal main config (private pid, logs, temp folders) includes them; Debian's mime.types is used.
#
# Environment: ZX_ROOT, ZX_WORK (required); ZX_HTTP_PORT, ZX_HTTPS_PORT, ZX_SIDECAR_PORT (optional).
# Arguments go to nginx: -t to check, -g 'daemon off;' to serve in the foreground.
set -euo pipefail
: "${ZX_ROOT:?set ZX_ROOT to the fixture root}" "${ZX_WORK:?set ZX_WORK to a scratch folder}"
work=$ZX_WORK/nginx
mkdir -p "$work/sites" "$work/conf.d" "$work/tmp" "$work/logs"
rm -f "$work"/sites/*.conf "$work"/conf.d/*.conf

rewrite() {   # rewrite SRC DEST: the fixture's paths and ports, as described above
    ROOT=$ZX_ROOT HTTP=${ZX_HTTP_PORT:-18080} HTTPS=${ZX_HTTPS_PORT:-18443} SIDECAR=${ZX_SIDECAR_PORT:-} perl -pe '
        s{^\s*listen\s+\[::\][^;]*;[ \t]*\n}{};
        s{^(\s*listen\s+)443\b}{${1}127.0.0.1:$ENV{HTTPS}};
        s{^(\s*listen\s+)80\b}{${1}127.0.0.1:$ENV{HTTP}};
        s{(?<=[\s"\x27])/(etc|usr|var|srv)/}{$ENV{ROOT}/$1/}g;
        s{127\.0\.0\.1:8095\b}{127.0.0.1:$ENV{SIDECAR}}g if length $ENV{SIDECAR};
    ' "$1" >"$2"
}

for conf in "$ZX_ROOT"/etc/nginx/conf.d/*.conf; do
    if [ -f "$conf" ]; then rewrite "$conf" "$work/conf.d/$(basename "$conf")"; fi
done
for link in "$ZX_ROOT"/etc/nginx/sites-enabled/*; do
    [ -e "$link" ] || [ -L "$link" ] || continue
    src=$link n=0
    while [ -L "$src" ] && ((n++ < 10)); do      # Jitsi links sites-enabled with absolute targets
        target=$(readlink "$src")
        case $target in /*) src=$ZX_ROOT$target ;; *) src=$(dirname "$src")/$target ;; esac
    done
    [ -f "$src" ] || { echo "nginx-in-root.sh: $link points to a missing file" >&2; exit 1; }
    rewrite "$src" "$work/sites/$(basename "$link" .conf).conf"
done

{
    echo "# written by nginx-in-root.sh for $ZX_ROOT"
    [ "$(id -u)" = 0 ] && echo "user root root;   # workers read the fixture and write $work/tmp"
    echo "worker_processes 1;"
    echo "pid $work/nginx.pid;"
    echo "error_log $work/logs/error.log;"
    echo "events { worker_connections 64; }"
    echo "http {"
    echo "    include /etc/nginx/mime.types;"
    echo "    default_type application/octet-stream;"
    echo "    access_log $work/logs/access.log;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $work/tmp/$t;"; done
    echo "    include $work/conf.d/*.conf;"
    echo "    include $work/sites/*.conf;"
    echo "}"
} >"$work/nginx.conf"

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
exec "$nginx_bin" -p "$work/" -c "$work/nginx.conf" -e "$work/logs/error.log" "$@"
