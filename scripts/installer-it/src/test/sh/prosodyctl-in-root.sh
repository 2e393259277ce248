#!/usr/bin/env bash
# Test harness for the installer tests: runs the real prosodyctl (and prepares the real prosody) on
# the Prosody config of a fixture root (a directory laid out like a Jitsi host), so
# `install.sh --prosodyctl prosodyctl-in-root.sh` checks the very file it edited.
#
# $ZX_WORK/prosody/prosody.cfg.lua holds private test globals (ports, data, pid, log, no TLS, no s2s)
# in place of Debian's main file, and includes a copy of each $ZX_ROOT/etc/prosody/conf.d file,
# rewritten only as far as running here needs:
#   - absolute paths (/etc, /usr, /var, /srv) point into $ZX_ROOT;
#   - no TLS: ssl = { … } tables are dropped;
#   - Jitsi's own Prosody plugins are not installed here: each module the config names that neither
#     Prosody nor the fixture's plugin folder has gets a do-nothing stand-in in $ZX_WORK/prosody/stand-ins,
#     and Jitsi's "jitsi-anonymous" authentication becomes Prosody's "anonymous";
#   - the sidecar's 127.0.0.1:8095 becomes 127.0.0.1:$ZX_SIDECAR_PORT when that is set.
# ZX_BREAK_WHEN_CONTAINS=TEXT appends a Lua syntax error once the config contains TEXT: a config an
# edit of install.sh broke, for the rollback tests.
#
# Environment: ZX_ROOT, ZX_WORK (required); ZX_C2S_PORT, ZX_PROSODY_HTTP_PORT, ZX_SIDECAR_PORT, ZX_BREAK_WHEN_CONTAINS.
# Usage: prosodyctl-in-root.sh [--config IGNORED] ARGS...   runs prosodyctl ARGS on the test config
#        prosodyctl-in-root.sh --prepare                     only writes it (prints its path)
set -euo pipefail
: "${ZX_ROOT:?set ZX_ROOT to the fixture root}" "${ZX_WORK:?set ZX_WORK to a scratch folder}"
work=$ZX_WORK/prosody
mkdir -p "$work/conf.d" "$work/data" "$work/certs" "$work/stand-ins"
rm -f "$work"/conf.d/*.cfg.lua "$work"/stand-ins/*.lua
lua_q() { printf '"%s"' "$1"; }

{
    echo "-- written by prosodyctl-in-root.sh for $ZX_ROOT"
    [ "$(id -u)" = 0 ] && echo "run_as_root = true"
    echo "pidfile = $(lua_q "$work/prosody.pid")"
    echo "data_path = $(lua_q "$work/data")"
    echo "certificates = $(lua_q "$work/certs")"
    echo "c2s_require_encryption = false"
    echo "s2s_secure_auth = false"
    echo "c2s_ports = { ${ZX_C2S_PORT:-0} }"
    echo "c2s_interfaces = { \"127.0.0.1\" }"
    echo "c2s_direct_tls_ports = { }"
    echo "http_ports = { ${ZX_PROSODY_HTTP_PORT:-} }"
    echo "http_interfaces = { \"127.0.0.1\" }"
    echo "https_ports = { }"
    echo "s2s_ports = { }"
    echo "component_ports = { }"
    echo "modules_enabled = { \"roster\"; \"saslauth\"; \"disco\"; \"ping\"; \"posix\" }"
    echo "modules_disabled = { \"s2s\" }"
    echo "log = { { levels = { min = \"debug\" }, to = \"file\", filename = $(lua_q "$work/prosody.log") } }"
    echo "Include $(lua_q "$work/conf.d/*.cfg.lua")"
} >"$work/prosody.cfg.lua"

for link in "$ZX_ROOT"/etc/prosody/conf.d/*.cfg.lua; do
    [ -e "$link" ] || [ -L "$link" ] || continue
    src=$link n=0
    while [ -L "$src" ] && ((n++ < 10)); do      # Jitsi links conf.d with absolute targets
        target=$(readlink "$src")
        case $target in /*) src=$ZX_ROOT$target ;; *) src=$(dirname "$src")/$target ;; esac
    done
    [ -f "$src" ] || { echo "prosodyctl-in-root.sh: $link points to a missing file" >&2; exit 1; }
    ROOT=$ZX_ROOT WORK=$work SIDECAR=${ZX_SIDECAR_PORT:-} BREAK=${ZX_BREAK_WHEN_CONTAINS:-} perl -0777 -e '
        local $_ = <STDIN>;
        s{^[ \t]*ssl\s*=\s*\{[^{}]*\}[ \t]*;?[ \t]*\n}{}mg;
        s{(?<=["\x27])/(etc|usr|var|srv)/}{$ENV{ROOT}/$1/}g;
        s{authentication\s*=\s*"jitsi-anonymous"}{authentication = "anonymous"}g;
        s{127\.0\.0\.1:8095\b}{127.0.0.1:$ENV{SIDECAR}}g if length $ENV{SIDECAR};
        s{^(plugin_paths\s*=\s*\{)}{$1 "$ENV{WORK}/stand-ins",}m;
        my ($plugins) = m!^plugin_paths\s*=\s*\{[^\}]*"([^"]*prosody-plugins/?)"!m;
        (my $code = $_) =~ s/--[^\n]*//g;
        my %need;
        for my $list ($code =~ /modules_enabled\s*=\s*\{(.*?)\}/gs) { $need{$_} = 1 for $list =~ /["\x27]([\w-]+)["\x27]/g; }
        $need{$_} = 1 for $code =~ /^\s*Component\s+["\x27][^"\x27]+["\x27]\s+["\x27]([\w-]+)["\x27]/mg;
        $need{"auth_$_"} = 1 for $code =~ /authentication\s*=\s*["\x27]([\w-]+)["\x27]/g;
        for my $m (sort keys %need) {
            next if grep { -e "$_/mod_$m.lua" || -e "$_/mod_$m/mod_$m.lua" || -e "$_/$m/mod_$m.lua" } ("/usr/lib/prosody/modules", $plugins // "/nonexistent");
            open(my $f, ">", "$ENV{WORK}/stand-ins/mod_$m.lua") or die "$!";
            print $f "-- stand-in written by prosodyctl-in-root.sh: Jitsi\x27s mod_$m is not installed in this test\n";
            close $f;
        }
        $_ .= "\nthis is not Lua -- ZX_BREAK_WHEN_CONTAINS\n" if length $ENV{BREAK} && index($_, $ENV{BREAK}) >= 0;
        print;
    ' <"$src" >"$work/conf.d/$(basename "$link")"
done

if [ "${1:-}" = --prepare ]; then echo "$work/prosody.cfg.lua"; exit 0; fi
[ "${1:-}" = --config ] && shift 2
exec prosodyctl --config "$work/prosody.cfg.lua" "$@"
