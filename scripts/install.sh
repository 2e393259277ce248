#!/usr/bin/env bash
# Zentrix Video: drop-in install on a Jitsi Meet host set up with Jitsi's Debian packages
# (quick-install layout), and clean removal. Admin guide: docs/install.md.
#
# What it touches, and how it gets it back:
#   - files it creates (jar, unit, module, /etc/zentrix-video/*) are listed in a manifest and removed
#     by --uninstall;
#   - files it edits (the domain's Prosody config, nginx site, jibri.conf) get their additions inside
#     "BEGIN zentrix-video … / END zentrix-video …" comment blocks; the untouched original is kept
#     under /var/backups/zentrix-video/original/, and --uninstall removes exactly the blocks;
#   - recordings and the database (/var/lib/zentrix-video) stay after --uninstall; --purge deletes them.
# Every run is one transaction: Prosody and nginx are checked (prosodyctl check config, nginx -t)
# before anything is reloaded, and every change of the run is undone if a check or a step fails.
# Running it again changes nothing unless something differs; existing secrets are kept.
set -euo pipefail
umask 022

readonly EX_USAGE=64 EX_UNAVAILABLE=69 EX_FAILED=1
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

# ---- options ---------------------------------------------------------------------------------
ACTION=install
DRY_RUN=0
PURGE=0
ASSUME_YES=0
ROOT=/
DOMAIN=""
JAR="$REPO_DIR/sidecar/target/zentrix-video.jar"
PORT=8095
JIBRI_MODE=auto            # auto | local | remote
JIBRI_URLS=()              # --jibri-url, for remote Jibris
DO_SYSTEMCTL=1
DO_ACCOUNTS=1
DO_VALIDATE=1
PROSODYCTL=prosodyctl
NGINX=nginx
JAVA=java

usage() {
    cat <<'EOF'
Usage: scripts/install.sh [options]

Installs Zentrix Video on this Jitsi Meet host: the Prosody event module on the MUC, the sidecar
(jar + systemd unit + system user), its secrets and config, Jibri's finalize hook and webhook, and
nginx locations for the archive UI at https://<domain>/recordings/.

  --dry-run            print every change it would make; change nothing
  --uninstall          remove Zentrix Video and restore the edited files; recordings are kept
  --purge              uninstall and also delete recordings, database, logs and the zentrix user
                       (asks twice; --yes answers for you)
  --yes                answer yes to --purge's questions (non-interactive use)
  --domain DOMAIN      the Jitsi domain (default: found in /etc/jitsi/meet/*-config.js or Prosody's conf.d)
  --jar PATH           the sidecar jar (default: sidecar/target/zentrix-video.jar of this checkout)
  --port N             the sidecar's loopback port (default 8095)
  --jibri local|remote Jibri on this host (default when /etc/jitsi/jibri/jibri.conf exists) or elsewhere
  --jibri-url URL      a remote Jibri's HTTP API, e.g. http://10.0.0.5:2222/jibri/api/v1.0 (repeatable)
  --root DIR           treat DIR as / (for images and tests); implies --no-systemctl --no-accounts
  --no-systemctl       do not start, stop or reload services
  --no-accounts        do not create the system user, change owners or set ACLs
  --no-validate        skip prosodyctl check config and nginx -t (not recommended)
  --prosodyctl PATH    prosodyctl to validate with (default: prosodyctl)
  --nginx PATH         nginx to validate with (default: nginx)
  --java PATH          java to check and to run the sidecar with (default: java)
  --print-nginx        print the nginx configuration it would add (http level, then the site's
                       locations) for --port, and change nothing: for hand-made nginx setups
  -h, --help           this help

Exit codes: 0 done (or nothing to do); 1 failed, every change of this run undone;
64 bad usage; 69 something this host needs is missing (the message says what).
EOF
}

die_usage() { echo "install.sh: $*" >&2; echo "Try 'scripts/install.sh --help'." >&2; exit $EX_USAGE; }

while (($#)); do
    case $1 in
        --dry-run) DRY_RUN=1 ;;
        --uninstall) ACTION=uninstall ;;
        --purge) ACTION=uninstall; PURGE=1 ;;
        --yes|-y) ASSUME_YES=1 ;;
        --domain) (($# > 1)) || die_usage "--domain needs a value"; DOMAIN=$2; shift ;;
        --jar) (($# > 1)) || die_usage "--jar needs a value"; JAR=$2; shift ;;
        --port) (($# > 1)) || die_usage "--port needs a value"; PORT=$2; shift ;;
        --jibri) (($# > 1)) || die_usage "--jibri needs a value"; JIBRI_MODE=$2; shift ;;
        --jibri-url) (($# > 1)) || die_usage "--jibri-url needs a value"; JIBRI_URLS+=("$2"); shift ;;
        --root) (($# > 1)) || die_usage "--root needs a value"; ROOT=$2; shift ;;
        --no-systemctl) DO_SYSTEMCTL=0 ;;
        --no-accounts) DO_ACCOUNTS=0 ;;
        --no-validate) DO_VALIDATE=0 ;;
        --prosodyctl) (($# > 1)) || die_usage "--prosodyctl needs a value"; PROSODYCTL=$2; shift ;;
        --nginx) (($# > 1)) || die_usage "--nginx needs a value"; NGINX=$2; shift ;;
        --java) (($# > 1)) || die_usage "--java needs a value"; JAVA=$2; shift ;;
        --print-nginx) ACTION=print-nginx ;;
        -h|--help) usage; exit 0 ;;
        *) die_usage "unknown option '$1'" ;;
    esac
    shift
done

[[ $PORT =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || die_usage "--port must be a port number, got '$PORT'"
case $JIBRI_MODE in auto|local|remote) ;; *) die_usage "--jibri must be local or remote, got '$JIBRI_MODE'" ;; esac
[ -d "$ROOT" ] || die_usage "--root $ROOT is not a directory"
ROOT="$(cd "$ROOT" && pwd)"
[ "$ROOT" = / ] && ROOT=""      # every host path below is "$ROOT$path"
if [ -n "$ROOT" ]; then
    DO_SYSTEMCTL=0              # the services and accounts of this machine are not the root's
    DO_ACCOUNTS=0
fi
if [ -n "$DOMAIN" ] && ! [[ $DOMAIN =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
    die_usage "--domain '$DOMAIN' is not a host name"
fi

# ---- layout (host paths; the files live at "$ROOT$path") -----------------------------------------
readonly ETC_DIR=/etc/zentrix-video
readonly CONF_FILE=$ETC_DIR/zentrix.conf
readonly PROSODY_SECRET_FILE=$ETC_DIR/prosody-events.secret
readonly FINALIZE_SECRET_FILE=$ETC_DIR/finalize.secret
readonly FINALIZE_ENV_FILE=$ETC_DIR/finalize.env
readonly SHARE_DIR=/usr/share/zentrix-video
readonly JAR_DEST=$SHARE_DIR/zentrix-video.jar
readonly FINALIZE_DEST=$SHARE_DIR/zentrix-finalize.sh
readonly DATA_DIR=/var/lib/zentrix-video
readonly ARCHIVE_DIR=$DATA_DIR/archive
readonly GRANT_CACHE_DIR=$DATA_DIR/nginx-grants          # nginx's memory of the sidecar's "yes" (a cache)
readonly NGINX_HTTP_CONF=/etc/nginx/conf.d/zentrix-video.conf
readonly DEFAULT_JIBRI_RECORDINGS=$DATA_DIR/jibri-recordings
readonly LOG_DIR=/var/log/zentrix-video
readonly BACKUP_DIR=/var/backups/zentrix-video
readonly MANIFEST=$BACKUP_DIR/manifest
readonly LEFTOVERS=$DATA_DIR/.install-leftovers
readonly UNIT_FILE=/etc/systemd/system/zentrix-video.service
readonly PLUGIN_DIR=/usr/share/jitsi-meet/prosody-plugins
readonly MODULE_DEST=$PLUGIN_DIR/mod_zentrix_events.lua
readonly JIBRI_CONF=/etc/jitsi/jibri/jibri.conf
readonly SERVICE_USER=zentrix
readonly BASE_PATH=/recordings
readonly MEDIA_LOCATION=/zentrix-media/
readonly MODULE_SRC=$REPO_DIR/prosody-module/mod_zentrix_events.lua
readonly FINALIZE_SRC=$REPO_DIR/jibri-finalize/zentrix-finalize.sh
SIDECAR_URL="http://127.0.0.1:$PORT$BASE_PATH"

# ---- output ----------------------------------------------------------------------------------------
STEP_NO=0
step() { STEP_NO=$((STEP_NO + 1)); printf '\n==> %d. %s\n' "$STEP_NO" "$*"; }
info() { printf '    %s\n' "$*"; }
note() { printf '    note: %s\n' "$*"; }
warn() { printf '    WARNING: %s\n' "$*" >&2; }
fail() { printf '\ninstall.sh: %s\n' "$*" >&2; exit $EX_FAILED; }
missing() { printf '\ninstall.sh: %s\n' "$*" >&2; exit $EX_UNAVAILABLE; }
r() { printf '%s%s' "$ROOT" "$1"; }            # host path -> path on disk
would() { if ((DRY_RUN)); then printf '    [dry-run] would %s\n' "$*"; else printf '    %s\n' "$*"; fi; }

# ---- the transaction: everything this run changes can be undone ------------------------------------
TX_DIR=""
TX_LOG=()          # "restore<TAB>path<TAB>saved copy" | "attrs<TAB>dir<TAB>mode owner" | "remove<TAB>path" | "rmdir<TAB>path" | "userdel<TAB>name"
declare -A TX_SEEN=()
TX_OPEN=0

tx_begin() {
    TX_DIR="$(mktemp -d "${TMPDIR:-/tmp}/zentrix-install.XXXXXX")"
    TX_OPEN=1
}

# Remembers how a path looked before this run first touched it.
tx_track() {
    local path=$1 disk
    disk="$(r "$path")"
    [ -n "${TX_SEEN[$path]:-}" ] && return 0
    TX_SEEN[$path]=1
    if [ -d "$disk" ] && [ ! -L "$disk" ]; then
        # a folder: only its mode and owner can change here (never copy what it holds, e.g. recordings)
        TX_LOG+=("attrs"$'\t'"$path"$'\t'"$(stat -c '%a %U:%G' "$disk")")
    elif [ -e "$disk" ] || [ -L "$disk" ]; then
        local copy="$TX_DIR/${#TX_LOG[@]}"
        cp -a "$disk" "$copy"
        TX_LOG+=("restore"$'\t'"$path"$'\t'"$copy")
    else
        TX_LOG+=("remove"$'\t'"$path")
    fi
}

tx_rollback() {
    local i entry kind path copy
    ((TX_OPEN)) || return 0
    TX_OPEN=0
    printf '\n==> Rolling back every change of this run\n' >&2
    for ((i = ${#TX_LOG[@]} - 1; i >= 0; i--)); do
        entry=${TX_LOG[$i]}
        IFS=$'\t' read -r kind path copy <<<"$entry"
        case $kind in
            restore)
                # in place, so links to it, inode, owner and ACLs stay as they were
                cat "$copy" >"$(r "$path")" && chmod --reference="$copy" "$(r "$path")" || true
                printf '    restored %s\n' "$path" >&2 ;;
            attrs)
                chmod "${copy% *}" "$(r "$path")" 2>/dev/null || true
                ((DO_ACCOUNTS)) && { chown "${copy#* }" "$(r "$path")" 2>/dev/null || true; }
                printf '    restored mode and owner of %s/\n' "$path" >&2 ;;
            remove) rm -f "$(r "$path")"; printf '    removed %s\n' "$path" >&2 ;;
            rmdir) rmdir "$(r "$path")" 2>/dev/null && printf '    removed %s/\n' "$path" >&2 || true ;;
            userdel) userdel "$path" 2>/dev/null && printf '    removed user %s\n' "$path" >&2 || true ;;
        esac
    done
    rm -rf "$TX_DIR"
}

tx_commit() {
    TX_OPEN=0
    [ -n "$TX_DIR" ] && rm -rf "$TX_DIR"
    TX_DIR=""
}

on_exit() {
    local code=$?
    if ((TX_OPEN)); then
        tx_rollback
        printf '\ninstall.sh: stopped (exit %d); the host is as it was before this run.\n' "$code" >&2
        exit $((code == 0 ? EX_FAILED : code))
    fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- the manifest: what install created or edited, for --uninstall ----------------------------------
MANIFEST_LINES=()
manifest_load() {
    MANIFEST_LINES=()
    [ -f "$(r "$MANIFEST")" ] || return 0
    local line
    while IFS= read -r line; do
        [[ -z $line || $line == \#* ]] && continue
        MANIFEST_LINES+=("$line")
    done <"$(r "$MANIFEST")"
}
manifest_has() {
    local line
    for line in "${MANIFEST_LINES[@]}"; do [ "$line" = "$1" ] && return 0; done
    return 1
}
manifest_add() { manifest_has "$1" || MANIFEST_LINES+=("$1"); }
manifest_kind_of() {    # the kind recorded for a path (created|replaced|edited), or nothing
    local line
    for line in "${MANIFEST_LINES[@]}"; do
        case $line in "created $1"|"replaced $1"|"edited $1") printf '%s' "${line%% *}"; return 0 ;; esac
    done
}

# ---- primitives that change the host (all honour --dry-run) -----------------------------------------
CHANGES=0
declare -A DRY_DIRS=()   # folders a dry run would have created
declare -A OWNER_WARNED=()
owner_ok() {      # can we chown to user:group here? (says so once when not)
    ((DO_ACCOUNTS)) || return 1
    local u=${1%%:*} g=${1#*:}
    getent passwd "$u" >/dev/null && getent group "$g" >/dev/null && return 0
    if [ -z "${OWNER_WARNED[$1]:-}" ]; then
        OWNER_WARNED[$1]=1
        ((DRY_RUN)) && [ "$u" = "$SERVICE_USER" ] && return 1    # a dry run does not create the user
        warn "no user or group for $1 on this host: those files stay owned by root, so that service cannot read them"
    fi
    return 1
}

make_dir() {      # make_dir PATH MODE OWNER:GROUP: create it, or correct mode and owner of ours
    local path=$1 mode=$2 owner=$3 disk
    disk="$(r "$path")"
    if [ -d "$disk" ]; then
        ((DRY_RUN)) || set_mode_owner "$path" "$mode" "$owner"
        return 0
    fi
    [ -n "${DRY_DIRS[$path]:-}" ] && return 0
    ensure_parent "$path"
    would "create $path/ ($mode $owner)"
    CHANGES=$((CHANGES + 1))
    ((DRY_RUN)) && { DRY_DIRS[$path]=1; return 0; }
    mkdir -m "$mode" "$disk"
    TX_LOG+=("rmdir"$'\t'"$path")
    TX_SEEN[$path]=1
    manifest_add "dir $path"
    set_mode_owner "$path" "$mode" "$owner"
}

ensure_parent() { # creates missing parent folders (0755 root); never changes existing ones
    local parent
    parent=$(dirname "$1")
    [ "$parent" = "$1" ] || [ -d "$(r "$parent")" ] || [ -n "${DRY_DIRS[$parent]:-}" ] || make_dir "$parent" 0755 root:root
}

set_mode_owner() {
    local path=$1 mode=$2 owner=$3 disk
    disk="$(r "$path")"
    if [ "$(stat -c %a "$disk")" != "${mode#0}" ]; then
        would "chmod $mode $path"; CHANGES=$((CHANGES + 1))
        ((DRY_RUN)) || { tx_track "$path"; chmod "$mode" "$disk"; }
    fi
    if owner_ok "$owner" && [ "$(stat -c %U:%G "$disk")" != "$owner" ]; then
        would "chown $owner $path"; CHANGES=$((CHANGES + 1))
        ((DRY_RUN)) || { tx_track "$path"; chown "$owner" "$disk"; }
    fi
}

mask_secrets() { sed -E 's/^([[:space:]]*[A-Za-z0-9_.-]*(secret|password|SECRET)[A-Za-z0-9_.-]*[[:space:]]*[=:][[:space:]]*).+$/\1<hidden>/'; }

show_diff() {     # show_diff PATH OLD NEW SENSITIVE
    local path=$1 old=$2 new=$3 sensitive=$4
    if [ "$sensitive" = secret ]; then
        info "  (secret value, not shown)"; return 0
    fi
    if [ "$sensitive" = copy ]; then
        info "  (copy of $new, $(stat -c %s "$new") bytes)"; return 0
    fi
    if [ "$sensitive" = masked ]; then
        diff -u --label "$path (now)" --label "$path (new)" <(mask_secrets <"$old") <(mask_secrets <"$new") | sed 's/^/      /' || true
    else
        diff -u --label "$path (now)" --label "$path (new)" "$old" "$new" | sed 's/^/      /' || true
    fi
}

# put_file PATH MODE OWNER:GROUP SOURCE [plain|masked|secret|copy]: make PATH hold SOURCE's bytes;
# the last word says how a dry run shows the change (diff, diff with secrets hidden, nothing, size).
put_file() {
    local path=$1 mode=$2 owner=$3 src=$4 sensitive=${5:-plain} disk
    disk="$(r "$path")"
    ensure_parent "$path"
    if [ -f "$disk" ] && cmp -s "$src" "$disk"; then
        set_mode_owner "$path" "$mode" "$owner"
        return 0
    fi
    CHANGES=$((CHANGES + 1))
    if [ -e "$disk" ]; then
        would "update $path"
        ((DRY_RUN)) && { show_diff "$path" "$disk" "$src" "$sensitive"; return 0; }
        if [ -z "$(manifest_kind_of "$path")" ]; then
            backup_original "$path"
            manifest_add "replaced $path"
        fi
        tx_track "$path"
        cat "$src" >"$disk"
    else
        would "create $path ($mode $owner)"
        ((DRY_RUN)) && { show_diff "$path" /dev/null "$src" "$sensitive"; return 0; }
        tx_track "$path"
        # create with the final mode straight away: a secret is never readable by others, not even briefly
        install -m "$mode" /dev/null "$disk"
        cat "$src" >"$disk"
        manifest_add "created $path"
    fi
    set_mode_owner "$path" "$mode" "$owner"
}

# edit_file PATH NEWCONTENT: an existing file of another package gets our blocks, in place.
edit_file() {
    local path=$1 new=$2 disk
    disk="$(r "$path")"
    cmp -s "$new" "$disk" && { info "= $path already has the Zentrix Video blocks"; return 0; }
    CHANGES=$((CHANGES + 1))
    would "edit $path"
    ((DRY_RUN)) && { show_diff "$path" "$disk" "$new" masked; return 0; }
    if ! manifest_has "edited $path"; then
        backup_original "$path"
        manifest_add "edited $path"
    fi
    tx_track "$path"
    cat "$new" >"$disk"
}

backup_original() {   # keeps the file as it was before the first install (never overwritten)
    local path=$1 copy="$BACKUP_DIR/original$1"
    [ -e "$(r "$copy")" ] && return 0
    ensure_parent "$copy"
    tx_track "$copy"
    cp -p "$(r "$path")" "$(r "$copy")"
    info "  original kept in $copy"
}

run_service() {   # run_service DESCRIPTION COMMAND...
    local what=$1; shift
    if ((DRY_RUN)); then printf '    [dry-run] would run: %s\n' "$*"; return 0; fi
    if ((!DO_SYSTEMCTL)); then printf '    skipped (--no-systemctl): %s\n' "$*"; return 0; fi
    if "$@"; then info "$what: done"; else warn "$what failed: $* (see: journalctl -xe)"; return 1; fi
}

new_secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# ---- text editing (perl: binary-safe, exact, reversible) -------------------------------------------
# Blocks look like (comment prefix "--" in Lua, "#" in nginx and HOCON):
#   <c> BEGIN zentrix-video <name>: managed by Zentrix Video's scripts/install.sh, removed by --uninstall
#   <c> zentrix-video original: <a line this block replaces, verbatim>      (only when it replaces one)
#   ...
#   <c> END zentrix-video <name>
read -r -d '' PERL_EDITOR <<'PERL' || true
use strict; use warnings;
my ($cmd, $file, @args) = @ARGV;
sub slurp { my $f = shift; open(my $h, '<:raw', $f) or die "cannot read $f: $!\n"; local $/; my $t = <$h>; close $h; return defined $t ? $t : ''; }
sub lines_of { my $t = shift; return () if $t eq ''; return ($t =~ /([^\n]*\n|[^\n]+\z)/g); }
my $MARK = qr/^\s*(?:--|#)\s*(BEGIN|END) zentrix-video\b/;
my $ORIG = qr/^\s*(?:--|#) zentrix-video original: (.*)$/;
my $HEAD = "managed by Zentrix Video's scripts/install.sh, removed by --uninstall";

sub strip_blocks {
    my @in = lines_of(shift); my @out; my ($inside, $eol, $start) = (0, 0, 0);
    for (my $i = 0; $i < @in; $i++) {
        my $l = $in[$i];
        if (!$inside) {
            if ($l =~ $MARK && $1 eq 'BEGIN') { $inside = 1; $start = $i + 1; $eol = ($l =~ /\[newline added\]/) ? 1 : 0; next; }
            if ($l =~ $MARK) { die "line " . ($i + 1) . ": END zentrix-video without BEGIN\n"; }
            push @out, $l; next;
        }
        if ($l =~ $MARK) {
            die "line " . ($i + 1) . ": BEGIN zentrix-video inside another block\n" if $1 eq 'BEGIN';
            $inside = 0;
            $out[-1] =~ s/\n\z// if $eol && $i == $#in && @out;
            next;
        }
        if ($l =~ $ORIG) { my $o = $1; push @out, "$o\n"; }
    }
    die "line $start: BEGIN zentrix-video without END\n" if $inside;
    return join('', @out);
}

sub block { my ($indent, $c, $name, $body, $extra) = @_;
    my $s = "$indent$c BEGIN zentrix-video $name: $HEAD\n";
    $s .= "$indent$c zentrix-video original: $extra\n" if defined $extra;
    $s .= join('', map { length($_) ? "$indent$_\n" : "\n" } split(/\n/, $body, -1)) if length $body;
    return $s . "$indent$c END zentrix-video $name\n";
}

sub indent_of { my $l = shift; $l =~ /^([ \t]*)/; return $1; }

if ($cmd eq 'strip') { print strip_blocks(slurp($file)); exit 0; }
if ($cmd eq 'has-blocks') { exit((slurp($file) =~ /^\s*(?:--|#)\s*BEGIN zentrix-video\b/m) ? 0 : 1); }

if ($cmd eq 'prosody') {                     # prosody FILE DOMAIN OPTIONS_FILE
    my ($domain, $optfile) = @args; my $opts = slurp($optfile); $opts =~ s/\n\z//;
    my @l = lines_of(strip_blocks(slurp($file)));
    my $dq = quotemeta("conference.$domain");
    my ($c) = grep { $l[$_] =~ /^\s*Component\s*\(?\s*["']$dq["']\s*,?\s*\)?\s*["']muc["']/ } 0 .. $#l;
    die "no Component \"conference.$domain\" \"muc\" in $file\n" unless defined $c;
    my $e = scalar @l;
    for my $i ($c + 1 .. $#l) { if ($l[$i] =~ /^\s*(?:Component|VirtualHost)\s*[("']/) { $e = $i; last; } }
    my ($m, $opt_indent, $last);
    for my $i ($c + 1 .. $e - 1) {
        next unless $l[$i] =~ /^[ \t]+\S/;
        $last = $i;
        $opt_indent //= indent_of($l[$i]) if $l[$i] !~ /^\s*--/;
        $m //= $i if $l[$i] =~ /^\s*modules_enabled\s*=\s*\{/;
    }
    $opt_indent //= '    ';
    my ($listed, $single) = (0, 0);
    if (defined $m) {
        my $list = ''; my $j = $m;
        for (; $j < $e; $j++) { (my $x = $l[$j]) =~ s/--.*//; $list .= $x; last if $x =~ /\}/; }
        $listed = ($list =~ /["']zentrix_events["']/) ? 1 : 0;
        $single = ($j == $m) ? 1 : 0;
    }
    print STDERR "note: \"zentrix_events\" is already in the component's modules_enabled; left as it is\n" if $listed;
    # options first (further down), then the module (further up), so indices stay valid
    my $body = $opts; $body = "modules_enabled = { \"zentrix_events\" }\n$body" unless defined $m;
    my $at = defined $last ? $last + 1 : $c + 1;
    splice(@l, $at, 0, block($opt_indent, '--', 'options', $body));
    if (defined $m && !$listed) {
        if ($single) {
            (my $orig = $l[$m]) =~ s/\n\z//;
            (my $new = $orig) =~ s/\{\s*/{ "zentrix_events"; /;
            $new =~ s/^[ \t]*//;
            splice(@l, $m, 1, block(indent_of($orig), '--', 'module', $new, $orig));
        } else {
            my $next = $l[$m + 1] // '';
            my $ind = ($next =~ /^([ \t]+)\S/) ? $1 : indent_of($l[$m]) . '    ';
            splice(@l, $m + 1, 0, block($ind, '--', 'module', '"zentrix_events";'));
        }
    }
    print join('', @l); exit 0;
}

if ($cmd eq 'nginx') {                       # nginx FILE DOMAIN BLOCK_FILE
    my ($domain, $bfile) = @args; my $body = slurp($bfile); $body =~ s/\n\z//;
    my @l = lines_of(strip_blocks(slurp($file)));
    my @depth; my $d = 0;
    for my $i (0 .. $#l) { $depth[$i] = $d; (my $x = $l[$i]) =~ s/#.*//; $d += () = $x =~ /\{/g; $d -= () = $x =~ /\}/g; }
    my @servers;
    for my $i (0 .. $#l) {
        next unless $l[$i] =~ /^\s*server\s*\{/;
        my ($end, $names, $ssl) = (undef, '', 0);
        for my $j ($i + 1 .. $#l) {
            if ($depth[$j] == $depth[$i] + 1) {
                $names .= " $1" if $l[$j] =~ /^\s*server_name\s+([^;#]*)/;
                $ssl = 1 if $l[$j] =~ /^\s*listen\s[^;#]*\b(ssl|443)\b/;
            }
            my $after = ($j < $#l) ? $depth[$j + 1] : $d;
            if ($after == $depth[$i]) { $end = $j; last; }
        }
        push @servers, [$i, $end, $names, $ssl] if defined $end;
    }
    my @mine = grep { (" $_->[2] ") =~ /\s\Q$domain\E\s/ } @servers;
    die "no server block with server_name $domain in $file\n" unless @mine;
    my ($srv) = grep { $_->[3] } @mine;
    die "the server blocks for $domain in $file do not listen with TLS (ssl)\n" unless $srv;
    my ($s, $end) = @$srv;
    die "line " . ($end + 1) . " of $file: put the closing brace of the server block on a line of its own\n"
        unless $l[$end] =~ /^\s*\}\s*$/;
    splice(@l, $end, 0, block(indent_of($l[$s]) . '    ', '#', 'locations', $body));
    print join('', @l); exit 0;
}

if ($cmd eq 'append') {                      # append FILE NAME BLOCK_FILE
    my ($name, $bfile) = @args; my $body = slurp($bfile); $body =~ s/\n\z//;
    my $t = strip_blocks(slurp($file));
    my $tag = $name;
    if (length($t) && $t !~ /\n\z/) { $t .= "\n"; $tag .= ' [newline added]'; }
    print $t . block('', '#', $tag, $body); exit 0;
}

if ($cmd eq 'hocon-get') {                   # hocon-get FILE KEY: last value of KEY (simple reader)
    my ($key) = @args; my $t = strip_blocks(slurp($file)); my $v;
    for my $l (lines_of($t)) {
        next if $l =~ /^\s*(#|\/\/)/;
        while ($l =~ /(?:^|[\s{,."])\Q$key\E"?\s*[=:]\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,}#]+))/g) { $v = defined $1 ? $1 : $2; }
    }
    print $v if defined $v; exit(defined $v ? 0 : 1);
}

if ($cmd eq 'hocon-block-get') {             # hocon-block-get FILE BLOCK KEY: KEY inside "BLOCK { … }"
    my ($blk, $key) = @args; my $t = strip_blocks(slurp($file));
    $t =~ s/^\s*(#|\/\/).*$//mg;
    while ($t =~ /\Q$blk\E\s*[=:]?\s*\{([^{}]*)\}/g) {
        my $inner = $1;
        if ($inner =~ /(?:^|[\s,{])\Q$key\E\s*[=:]\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,}#]+))/) { print defined $1 ? $1 : $2; exit 0; }
    }
    exit 1;
}
die "unknown editor command $cmd\n";
PERL
edit() { perl -e "$PERL_EDITOR" -- "$@"; }

# ---- checks -------------------------------------------------------------------------------------------
JAVA_BIN=""
check_java() {
    local out major
    if ! JAVA_BIN="$(command -v "$JAVA" 2>/dev/null)"; then
        JAVA_BIN=""
        JAVA_PROBLEM="no Java runtime: '$JAVA' was not found. The sidecar needs Java 17 or newer: apt-get install openjdk-17-jre-headless"
        return 1
    fi
    out="$("$JAVA_BIN" -version 2>&1 | head -n 1)" || true
    if [[ $out =~ version\ \"1\.([0-9]+) ]]; then major=${BASH_REMATCH[1]}
    elif [[ $out =~ version\ \"([0-9]+) ]]; then major=${BASH_REMATCH[1]}
    else
        JAVA_PROBLEM="cannot tell the version of $JAVA_BIN ('$out'). The sidecar needs Java 17 or newer: apt-get install openjdk-17-jre-headless"
        return 1
    fi
    if ((major < 17)); then
        JAVA_PROBLEM="$JAVA_BIN is Java $major; the sidecar needs Java 17 or newer: apt-get install openjdk-17-jre-headless (then pass --java /usr/lib/jvm/java-17-openjdk-amd64/bin/java if it is not the default)"
        return 1
    fi
    info "Java $major: $JAVA_BIN"
}

# Follows symlinks inside the root (Jitsi's packages link conf.d and sites-enabled with absolute targets).
resolve_in_root() {
    local path=$1 target n=0
    while [ -L "$(r "$path")" ] && ((n++ < 20)); do
        target="$(readlink "$(r "$path")")"
        case $target in /*) path=$target ;; *) path="$(dirname "$path")/$target" ;; esac
    done
    # normalise "a/./b" and "a/x/../b" without touching the disk
    local IFS=/ part out=()
    for part in $path; do
        case $part in ''|.) ;; ..) ((${#out[@]})) && unset 'out[${#out[@]}-1]' ;; *) out+=("$part") ;; esac
    done
    printf '/%s' "${out[*]}"
}

# prosodyctl check config exits 0 when clean, 1 when the config cannot be read, and 2 when it has
# findings; Jitsi's own template already has some (e.g. the obsolete cross_domain_bosh), so findings
# fail the check only when they differ from those before the change.
PROSODY_BASELINE=""
validate() {      # validate before|after: prosodyctl check config + nginx -t; prints their output on failure
    local when=$1 out rc ok=0
    if ((!DO_VALIDATE)); then note "not checking Prosody and nginx configs (--no-validate)"; return 0; fi
    rc=0; out="$("$PROSODYCTL" --config "$(r /etc/prosody/prosody.cfg.lua)" check config 2>&1)" || rc=$?
    if ((rc == 2)) && [ "$when" = before ]; then
        PROSODY_BASELINE=$out
        info "prosodyctl check config: ok ($when; it has findings of its own, which must not change)"
    elif ((rc == 2)) && [ "$out" = "$PROSODY_BASELINE" ]; then
        info "prosodyctl check config: ok ($when; the same findings as before)"
    elif ((rc == 0)); then
        info "prosodyctl check config: ok ($when)"
    else
        printf '    prosodyctl check config FAILED (%s, exit %d):\n' "$when" "$rc" >&2
        if ((rc == 2)) && [ -n "$PROSODY_BASELINE" ]; then
            diff <(printf '%s\n' "$PROSODY_BASELINE") <(printf '%s\n' "$out") | sed 's/^/      | /' >&2 || true
        else
            printf '%s\n' "$out" | sed 's/^/      | /' >&2
        fi
        ok=1
    fi
    rc=0; out="$("$NGINX" -t 2>&1)" || rc=$?
    if ((rc == 0)); then
        info "nginx -t: ok ($when)"
    else
        printf '    nginx -t FAILED (%s):\n' "$when" >&2
        printf '%s\n' "$out" | sed 's/^/      | /' >&2
        ok=1
    fi
    return $ok
}

# ---- discovery ---------------------------------------------------------------------------------------
PROSODY_HOST_FILE=""; NGINX_SITE=""; JIBRI_LOCAL=0
JIBRI_RECORDINGS=""; JIBRI_SET_RECORDINGS=0; JIBRI_OLD_FINALIZE=""; HIDDEN_DOMAIN=""
CALL_LOGIN_USER=""; CALL_LOGIN_PASSWORD=""; JIBRI_API_PORT=2222; NGINX_USER=www-data

detect_domain() {
    local f candidates=()
    if [ -n "$DOMAIN" ]; then info "domain: $DOMAIN (--domain)"; return 0; fi
    for f in "$(r /etc/jitsi/meet)"/*-config.js; do
        [ -f "$f" ] || continue
        f=$(basename "$f"); candidates+=("${f%-config.js}")
    done
    if ((${#candidates[@]} == 0)); then
        for f in "$(r /etc/prosody/conf.d)"/*.cfg.lua; do
            [ -e "$f" ] || continue
            f=$(basename "$f"); f=${f%.cfg.lua}
            grep -Eq "Component[[:space:]]+[\"']conference\\.${f//./\\.}[\"']" "$(r "$(resolve_in_root "/etc/prosody/conf.d/$f.cfg.lua")")" 2>/dev/null && candidates+=("$f")
        done
    fi
    case ${#candidates[@]} in
        0) missing "cannot find the Jitsi domain: no /etc/jitsi/meet/<domain>-config.js and no Prosody conf.d/<domain>.cfg.lua with a conference component. Is Jitsi Meet installed? Pass --domain." ;;
        1) DOMAIN=${candidates[0]}; info "domain: $DOMAIN (from /etc/jitsi/meet/$DOMAIN-config.js or Prosody's conf.d)" ;;
        *) die_usage "this host serves several Jitsi domains (${candidates[*]}): pass --domain" ;;
    esac
}

detect_layout() {
    local link=/etc/prosody/conf.d/$DOMAIN.cfg.lua
    if [ -e "$(r "$link")" ] || [ -L "$(r "$link")" ]; then
        PROSODY_HOST_FILE="$(resolve_in_root "$link")"
    elif [ -f "$(r "/etc/prosody/conf.avail/$DOMAIN.cfg.lua")" ]; then
        PROSODY_HOST_FILE=/etc/prosody/conf.avail/$DOMAIN.cfg.lua
        warn "/etc/prosody/conf.avail/$DOMAIN.cfg.lua is not linked from conf.d; Prosody may not read it"
    fi
    [ -n "$PROSODY_HOST_FILE" ] && [ -f "$(r "$PROSODY_HOST_FILE")" ] \
        || missing "no Prosody config for $DOMAIN: expected /etc/prosody/conf.d/$DOMAIN.cfg.lua (Jitsi's jitsi-meet-prosody package writes it)"
    info "Prosody config: $PROSODY_HOST_FILE"
    [ -d "$(r "$PLUGIN_DIR")" ] || missing "no $PLUGIN_DIR: is the jitsi-meet-prosody package installed?"
    info "Prosody plugins: $PLUGIN_DIR"

    local site=/etc/nginx/sites-available/$DOMAIN.conf
    if [ -e "$(r "/etc/nginx/sites-enabled/$DOMAIN.conf")" ] || [ -L "$(r "/etc/nginx/sites-enabled/$DOMAIN.conf")" ]; then
        site="$(resolve_in_root "/etc/nginx/sites-enabled/$DOMAIN.conf")"
    fi
    [ -f "$(r "$site")" ] || missing "no nginx site for $DOMAIN: expected $site (Jitsi's jitsi-meet-web-config package writes it). Only nginx is supported."
    NGINX_SITE=$site
    info "nginx site: $NGINX_SITE"
    local u
    u="$(sed -nE 's/^[[:space:]]*user[[:space:]]+([A-Za-z0-9_-]+).*;.*/\1/p' "$(r /etc/nginx/nginx.conf)" 2>/dev/null | head -n 1)" || true
    [ -n "$u" ] && NGINX_USER=$u

    case $JIBRI_MODE in
        local) JIBRI_LOCAL=1; [ -f "$(r "$JIBRI_CONF")" ] || missing "--jibri local, but there is no $JIBRI_CONF" ;;
        remote) JIBRI_LOCAL=0 ;;
        auto) [ -f "$(r "$JIBRI_CONF")" ] && JIBRI_LOCAL=1 ;;
    esac
    HIDDEN_DOMAIN="recorder.$DOMAIN"
    if ((JIBRI_LOCAL)); then
        info "Jibri: on this host ($JIBRI_CONF)"
        JIBRI_RECORDINGS="$(edit hocon-get "$(r "$JIBRI_CONF")" recordings-directory)" || JIBRI_RECORDINGS=""
        JIBRI_OLD_FINALIZE="$(edit hocon-get "$(r "$JIBRI_CONF")" finalize-script)" || JIBRI_OLD_FINALIZE=""
        JIBRI_API_PORT="$(edit hocon-get "$(r "$JIBRI_CONF")" external-api-port)" || JIBRI_API_PORT=2222
        local d
        d="$(edit hocon-block-get "$(r "$JIBRI_CONF")" call-login domain)" && HIDDEN_DOMAIN=$d
        CALL_LOGIN_USER="$(edit hocon-block-get "$(r "$JIBRI_CONF")" call-login username)" || CALL_LOGIN_USER=""
        CALL_LOGIN_PASSWORD="$(edit hocon-block-get "$(r "$JIBRI_CONF")" call-login password)" || CALL_LOGIN_PASSWORD=""
        case $JIBRI_RECORDINGS in
            ""|/tmp/*)
                # Jibri's default is /tmp/recordings, which the sidecar's PrivateTmp cannot see
                [ -n "$JIBRI_RECORDINGS" ] && note "Jibri records to $JIBRI_RECORDINGS; a folder in /tmp is private to each service, so Jibri will record to $DEFAULT_JIBRI_RECORDINGS instead"
                JIBRI_RECORDINGS=$DEFAULT_JIBRI_RECORDINGS; JIBRI_SET_RECORDINGS=1 ;;
        esac
        case $JIBRI_RECORDINGS in /*) ;; *) missing "Jibri's recordings-directory '$JIBRI_RECORDINGS' in $JIBRI_CONF is not an absolute path" ;; esac
        info "Jibri recordings: $JIBRI_RECORDINGS"
        if [ -n "$JIBRI_OLD_FINALIZE" ] && [ "$JIBRI_OLD_FINALIZE" != "$FINALIZE_DEST" ] && [ "$JIBRI_OLD_FINALIZE" != /path/to/finalize ] \
            && ! edit has-blocks "$(r "$JIBRI_CONF")"; then
            warn "Jibri runs $JIBRI_OLD_FINALIZE after each recording today; it will run $FINALIZE_DEST instead (uninstall restores yours)"
        fi
        if [ -f "$(r /etc/jitsi/jibri/config.json)" ] && grep -q 'finalize_recording_script_path\|recording_directory' "$(r /etc/jitsi/jibri/config.json)"; then
            warn "/etc/jitsi/jibri/config.json sets recording_directory or finalize_recording_script_path; Jibri reads them before jibri.conf: remove them there"
        fi
        [ -n "$CALL_LOGIN_PASSWORD" ] || warn "no call-login password found in $JIBRI_CONF: set zentrix.jibri.call-login in $ETC_DIR/local.conf"
    else
        info "Jibri: not on this host (the snippet for the Jibri hosts is printed at the end)"
        ((${#JIBRI_URLS[@]})) || note "the sidecar will look for Jibri at http://127.0.0.1:2222; pass --jibri-url for remote Jibris"
    fi
    info "hidden (recorder) domain: $HIDDEN_DOMAIN"
}

check_tools() {
    command -v perl >/dev/null || missing "perl is needed (Debian's perl-base package)"
    [ -f "$JAR" ] || missing "no sidecar jar at $JAR: build it with 'mvn -B package -DskipTests', or pass --jar"
    [ -f "$MODULE_SRC" ] || missing "no $MODULE_SRC: run install.sh from a Zentrix Video checkout"
    [ -f "$FINALIZE_SRC" ] || missing "no $FINALIZE_SRC: run install.sh from a Zentrix Video checkout"
    if ((DO_VALIDATE)); then
        command -v "$PROSODYCTL" >/dev/null || missing "'$PROSODYCTL' not found: is Prosody installed? (or --prosodyctl PATH)"
        command -v "$NGINX" >/dev/null || missing "'$NGINX' not found: is nginx installed? Only nginx is supported. (or --nginx PATH)"
    fi
    command -v ffprobe >/dev/null || warn "ffprobe not found: the sidecar cannot measure recordings' duration until you apt-get install ffmpeg"
    ((JIBRI_LOCAL)) && ! command -v curl >/dev/null && warn "curl not found: Jibri's finalize hook needs it (apt-get install curl)"
    return 0
}

# ---- what install writes -------------------------------------------------------------------------
PROSODY_SECRET=""; FINALIZE_SECRET=""
load_or_make_secrets() {
    local f
    f="$(r "$PROSODY_SECRET_FILE")"
    [ -s "$f" ] && PROSODY_SECRET="$(tr -d '[:space:]' <"$f")"
    f="$(r "$FINALIZE_SECRET_FILE")"
    [ -s "$f" ] && FINALIZE_SECRET="$(tr -d '[:space:]' <"$f")"
    if [ -n "$PROSODY_SECRET" ]; then info "Prosody secret: kept"; else PROSODY_SECRET="$(new_secret)"; info "Prosody secret: new"; fi
    if [ -n "$FINALIZE_SECRET" ]; then info "finalize secret: kept"; else FINALIZE_SECRET="$(new_secret)"; info "finalize secret: new"; fi
}

hocon_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

write_sidecar_config() {
    local out=$TX_WORK/zentrix.conf urls=() u list
    if ((JIBRI_LOCAL)); then urls=("http://127.0.0.1:$JIBRI_API_PORT/jibri/api/v1.0"); fi
    ((${#JIBRI_URLS[@]})) && urls=("${JIBRI_URLS[@]}")
    ((${#urls[@]})) || urls=("http://127.0.0.1:2222/jibri/api/v1.0")
    list=""
    for u in "${urls[@]}"; do list+="${list:+, }$(hocon_str "$u")"; done
    {
        echo "# Zentrix Video sidecar for $DOMAIN: written by scripts/install.sh (re-running it rewrites this"
        echo "# file; put your own settings in local.conf beside it). Every key, with its default:"
        echo "# sidecar/src/main/resources/reference.conf. Contains secrets: keep it root:$SERVICE_USER 0640."
        echo "zentrix {"
        echo "  http {"
        echo "    host = \"127.0.0.1\""
        echo "    port = $PORT"
        echo "    base-path = \"$BASE_PATH\""
        echo "    public-url = $(hocon_str "https://$DOMAIN$BASE_PATH/")"
        echo "  }"
        echo "  database.path = \"$DATA_DIR/zentrix.db\""
        echo "  archive.dir = \"$ARCHIVE_DIR\""
        echo "  # recordings are sent by nginx (its internal location $MEDIA_LOCATION is aliased to archive.dir)"
        echo "  media {"
        echo "    x-accel-redirect = true"
        echo "    x-accel-prefix = \"$MEDIA_LOCATION\""
        echo "  }"
        echo "  prosody.secret = $(hocon_str "$PROSODY_SECRET")"
        echo "  finalize.secret = $(hocon_str "$FINALIZE_SECRET")"
        echo "  jibri {"
        echo "    base-urls = [$list]"
        if ((JIBRI_LOCAL)); then echo "    recordings-dir = $(hocon_str "$JIBRI_RECORDINGS")"
        else echo "    recordings-dir = \"$DATA_DIR/jibri-uploads\""; fi
        echo "    call-login {"
        echo "      domain = $(hocon_str "$HIDDEN_DOMAIN")"
        echo "      username = $(hocon_str "${CALL_LOGIN_USER:-recorder}")"
        echo "      password = $(hocon_str "$CALL_LOGIN_PASSWORD")"
        echo "    }"
        echo "  }"
        echo "  jitsi.base-url = $(hocon_str "https://$DOMAIN")"
        echo "  occupants.ignored-domains = [$(hocon_str "$HIDDEN_DOMAIN")]"
        echo "}"
        echo "include \"local.conf\""
    } >"$out"
    put_file "$CONF_FILE" 0640 "root:$SERVICE_USER" "$out" masked
}

# local.conf may move the archive, but nginx's internal media location (X-Accel-Redirect) still
# sends files from $ARCHIVE_DIR: say so, rather than let every recording answer 404.
check_local_archive_dir() {
    local f dir xaccel
    f="$(r "$ETC_DIR/local.conf")"
    [ -f "$f" ] || return 0
    dir="$(edit hocon-get "$f" archive.dir)" || dir="$(edit hocon-block-get "$f" archive dir)" || return 0
    xaccel="$(edit hocon-get "$f" x-accel-redirect)" || xaccel=true
    if [ "${dir%/}" != "$ARCHIVE_DIR" ] && [ "$xaccel" != false ]; then
        warn "$ETC_DIR/local.conf moves the archive to $dir, but nginx sends recordings from $ARCHIVE_DIR ($MEDIA_LOCATION in $NGINX_SITE), and the unit lets the sidecar write only in $DATA_DIR: mount the other disk at $ARCHIVE_DIR instead, or set zentrix.media.x-accel-redirect = false in local.conf (the sidecar then sends recordings itself)"
    fi
}

write_unit() {
    local out=$TX_WORK/unit rw="$DATA_DIR"
    if ((JIBRI_LOCAL)) && [[ $JIBRI_RECORDINGS != "$DATA_DIR"/* ]]; then rw+=" $JIBRI_RECORDINGS"; fi
    cat >"$out" <<EOF
# Zentrix Video sidecar: written by scripts/install.sh, removed by install.sh --uninstall.
[Unit]
Description=Zentrix Video sidecar (automatic recording and archive for Jitsi Meet)
Documentation=https://$DOMAIN$BASE_PATH/
After=network-online.target prosody.service
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
ExecStart=${JAVA_BIN:-/usr/bin/java} -jar $JAR_DEST serve --config $CONF_FILE
Restart=on-failure
RestartSec=5
# exit 2 = bad configuration: restarting cannot help, read the journal
RestartPreventExitStatus=2
SuccessExitStatus=143
UMask=0027

# Hardening: the sidecar writes only its data folder (and Jibri's recordings folder, which ingest
# empties by moving each finished recording into the archive); it needs the network and nothing else.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$rw
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
CapabilityBoundingSet=
AmbientCapabilities=
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
# no MemoryDenyWriteExecute: the JVM's JIT compiler needs writable+executable memory

[Install]
WantedBy=multi-user.target
EOF
    put_file "$UNIT_FILE" 0644 root:root "$out"
}

prosody_options_file() {
    local out=$TX_WORK/prosody-options
    {
        echo "zentrix_events_url = $(hocon_str "$SIDECAR_URL/api/v1/events")"
        echo "zentrix_events_secret_file = $(hocon_str "$PROSODY_SECRET_FILE")"
        echo "zentrix_hidden_domains = { $(hocon_str "$HIDDEN_DOMAIN") }"
    } >"$out"
    printf '%s' "$out"
}

nginx_block_file() {
    local out=$TX_WORK/nginx-locations
    cat >"$out" <<EOF
# Zentrix Video: the archive UI and API, served by the sidecar on 127.0.0.1:$PORT (path kept as is).
# "^~" makes these win over the regular-expression locations of Jitsi's site.
location = $BASE_PATH {
    return 301 $BASE_PATH/;
}
location ^~ $BASE_PATH/api/v1/jibri {
    # Jibri's webhooks carry no credentials and the sidecar trusts loopback: never relay them.
    return 403;
}
location ^~ $BASE_PATH/ {
    proxy_pass http://zentrix_video_sidecar;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Zentrix-Media-Grant "";  # only nginx's own grant subrequest may ask for one
    # recordings uploaded by remote Jibris are streamed through; the sidecar enforces its own limit
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_read_timeout 300s;
    # A recording: nginx asks the sidecar first (auth_request) and then sends the file itself, with Range;
    # the sidecar's "yes" is kept per login and URL for zentrix.media.grant-cache, so seeking costs no
    # round trip to it. Any "no" or anything unusual goes to the sidecar the ordinary way (@zentrix-media).
    location ~ ^$BASE_PATH/api/v1/sessions/[0-9]+/media\$ {
        auth_request /zentrix-media-grant;
        auth_request_set \$zentrix_media_file \$upstream_http_x_zentrix_media_file;
        auth_request_set \$zentrix_media_disposition \$upstream_http_content_disposition;
        error_page 401 403 404 500 = @zentrix-media;
        alias $ARCHIVE_DIR/\$zentrix_media_file;
        # a player seeks in the same file again and again: keep it open (only ever reached after a grant)
        open_file_cache max=256 inactive=60s;
        open_file_cache_valid 10s;
        types { }
        default_type video/mp4;
        gzip off;
        add_header Cache-Control "private, no-store" always;
        add_header Content-Disposition \$zentrix_media_disposition;
    }
}
location = /zentrix-media-grant {
    internal;
    proxy_pass http://zentrix_video_sidecar\$request_uri;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Zentrix-Media-Grant 1;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_cache zentrix_media_grants;
    proxy_cache_key "\$cookie_zv_session|\$http_authorization|\$request_uri";
    # how long is the sidecar's to say, in X-Accel-Expires alone (0: not at all); its no-store is for browsers
    proxy_ignore_headers Cache-Control Expires;
}
location @zentrix-media {
    proxy_pass http://zentrix_video_sidecar;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Zentrix-Media-Grant "";
}
# Recordings are sent by nginx once the sidecar allowed it (X-Accel-Redirect: $MEDIA_LOCATION<file>),
# with Range support; "internal" makes this location unreachable from outside (404). It must alias
# the sidecar's zentrix.archive.dir.
location ^~ $MEDIA_LOCATION {
    internal;
    alias $ARCHIVE_DIR/;
}
EOF
    printf '%s' "$out"
}

nginx_http_file() {      # the one thing nginx only takes at http level: the grant cache's zone
    local out=$TX_WORK/nginx-http
    cat >"$out" <<EOF
# Zentrix Video (written by scripts/install.sh, removed by --uninstall): where nginx keeps the sidecar's
# "this login may play this recording" answers for seeking (see the media location in $NGINX_SITE),
# and the sidecar as an upstream.
proxy_cache_path $GRANT_CACHE_DIR levels=1:2 keys_zone=zentrix_media_grants:1m max_size=16m inactive=10m use_temp_path=off;
# The sidecar, with connections kept open: a request to it does not pay a TCP handshake.
upstream zentrix_video_sidecar {
    server 127.0.0.1:$PORT;
    keepalive 16;
}
EOF
    printf '%s' "$out"
}

jibri_block_file() {
    local out=$TX_WORK/jibri-block
    {
        echo "# Zentrix Video: hand each finished recording to the sidecar and report Jibri's status to it."
        ((JIBRI_SET_RECORDINGS)) && echo "jibri.recording.recordings-directory = $(hocon_str "$JIBRI_RECORDINGS")"
        echo "jibri.recording.finalize-script = $(hocon_str "$FINALIZE_DEST")"
        if ! grep -qF "$SIDECAR_URL/api/v1/jibri" "$TX_WORK/jibri-stripped"; then
            echo "jibri.webhook.subscribers += $(hocon_str "$SIDECAR_URL/api/v1/jibri")"
        fi
    } >"$out"
    printf '%s' "$out"
}

ensure_user() {
    if ((!DO_ACCOUNTS)); then note "not creating the system user '$SERVICE_USER' (--no-accounts or --root)"; return 0; fi
    if getent passwd "$SERVICE_USER" >/dev/null; then info "= system user $SERVICE_USER exists"; return 0; fi
    CHANGES=$((CHANGES + 1))
    would "create system user $SERVICE_USER (home $DATA_DIR, no login)"
    ((DRY_RUN)) && return 0
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin \
        --comment "Zentrix Video sidecar" "$SERVICE_USER"
    TX_LOG+=("userdel"$'\t'"$SERVICE_USER")
    manifest_add "user $SERVICE_USER"
}

grant_jibri_dir() {     # the sidecar moves finished recordings out of Jibri's folder
    ((JIBRI_LOCAL && DO_ACCOUNTS)) || return 0
    [[ $JIBRI_RECORDINGS == "$DATA_DIR"/* ]] && [ "$JIBRI_SET_RECORDINGS" = 1 ] && return 0
    if ! command -v setfacl >/dev/null; then
        warn "setfacl not found (apt-get install acl): give $SERVICE_USER rwx on $JIBRI_RECORDINGS yourself: setfacl -m u:$SERVICE_USER:rwx,d:u:$SERVICE_USER:rwx $JIBRI_RECORDINGS"
        return 0
    fi
    if getfacl -p "$(r "$JIBRI_RECORDINGS")" 2>/dev/null | grep -q "^default:user:$SERVICE_USER:rwx"; then return 0; fi
    CHANGES=$((CHANGES + 1))
    would "let $SERVICE_USER take recordings out of $JIBRI_RECORDINGS (setfacl -m u:$SERVICE_USER:rwx,d:u:$SERVICE_USER:rwx)"
    ((DRY_RUN)) && return 0
    setfacl -m "u:$SERVICE_USER:rwx,d:u:$SERVICE_USER:rwx" "$(r "$JIBRI_RECORDINGS")"
    manifest_add "acl $JIBRI_RECORDINGS"
}

# ---- install ---------------------------------------------------------------------------------------
do_install() {
    local out
    printf 'Zentrix Video install%s%s\n' "$( ((DRY_RUN)) && echo ' (dry run: nothing will be changed)')" "${ROOT:+ into root $ROOT}"

    step "Checking this host"
    [ -n "$ROOT" ] || ((DRY_RUN)) || [ "$(id -u)" = 0 ] || missing "run it as root (sudo scripts/install.sh), or try --dry-run first"
    if ! check_java; then
        ((DRY_RUN)) || missing "$JAVA_PROBLEM"
        warn "$JAVA_PROBLEM"
    fi
    detect_domain
    detect_layout
    check_tools
    if ! validate before; then
        fail "Prosody or nginx already fails its own check before any change (output above): fix that first. Nothing was changed."
    fi

    tx_begin
    TX_WORK=$TX_DIR/work; mkdir -p "$TX_WORK"
    manifest_load
    CHANGES=0
    local mark sidecar_changed=0 prosody_changed=0 jibri_changed=0 nginx_changed=0

    step "System user and folders"
    ensure_user
    make_dir "$BACKUP_DIR" 0700 root:root
    make_dir "$ETC_DIR" 0755 root:root
    make_dir "$SHARE_DIR" 0755 root:root
    # nginx (X-Accel-Redirect) must pass through to the archive; jibri to its recordings folder
    make_dir "$DATA_DIR" 0751 "$SERVICE_USER:$SERVICE_USER"
    make_dir "$ARCHIVE_DIR" 2750 "$SERVICE_USER:$NGINX_USER"
    make_dir "$GRANT_CACHE_DIR" 0700 "$NGINX_USER:$NGINX_USER"
    if ((JIBRI_LOCAL)); then
        if ((JIBRI_SET_RECORDINGS)); then make_dir "$JIBRI_RECORDINGS" 2770 "jibri:$SERVICE_USER"
        elif [ ! -d "$(r "$JIBRI_RECORDINGS")" ]; then make_dir "$JIBRI_RECORDINGS" 0755 jibri:jibri; fi
        make_dir "$LOG_DIR" 0770 jibri:jibri
    fi
    grant_jibri_dir

    step "Secrets and sidecar configuration ($ETC_DIR)"
    mark=$CHANGES
    load_or_make_secrets
    printf '%s\n' "$PROSODY_SECRET" >"$TX_WORK/prosody.secret"
    put_file "$PROSODY_SECRET_FILE" 0640 root:prosody "$TX_WORK/prosody.secret" secret
    printf '%s\n' "$FINALIZE_SECRET" >"$TX_WORK/finalize.secret"
    if ((JIBRI_LOCAL)); then
        put_file "$FINALIZE_SECRET_FILE" 0640 root:jibri "$TX_WORK/finalize.secret" secret
        cat >"$TX_WORK/finalize.env" <<EOF
# Zentrix Video finalize hook ($FINALIZE_DEST), run by Jibri: written by scripts/install.sh.
ZENTRIX_SIDECAR_URL=$SIDECAR_URL
ZENTRIX_FINALIZE_MODE=local
ZENTRIX_FINALIZE_SECRET_FILE=$FINALIZE_SECRET_FILE
EOF
        put_file "$FINALIZE_ENV_FILE" 0640 root:jibri "$TX_WORK/finalize.env"
    else
        put_file "$FINALIZE_SECRET_FILE" 0600 root:root "$TX_WORK/finalize.secret" secret
    fi
    write_sidecar_config
    check_local_archive_dir

    step "Sidecar program and systemd unit"
    put_file "$JAR_DEST" 0644 root:root "$JAR" copy
    put_file "$FINALIZE_DEST" 0755 root:root "$FINALIZE_SRC" copy
    write_unit
    ((CHANGES > mark)) && sidecar_changed=1

    step "Prosody: mod_zentrix_events on conference.$DOMAIN"
    mark=$CHANGES
    put_file "$MODULE_DEST" 0644 root:root "$MODULE_SRC" copy
    out=$TX_WORK/prosody-host
    edit prosody "$(r "$PROSODY_HOST_FILE")" "$DOMAIN" "$(prosody_options_file)" >"$out" || fail "cannot edit $PROSODY_HOST_FILE (see above)"
    edit_file "$PROSODY_HOST_FILE" "$out"
    ((CHANGES > mark)) && prosody_changed=1

    if ((JIBRI_LOCAL)); then
        step "Jibri: finalize hook and webhook ($JIBRI_CONF)"
        mark=$CHANGES
        edit strip "$(r "$JIBRI_CONF")" >"$TX_WORK/jibri-stripped" || fail "cannot read the zentrix-video blocks of $JIBRI_CONF"
        out=$TX_WORK/jibri.conf
        edit append "$(r "$JIBRI_CONF")" jibri "$(jibri_block_file)" >"$out"
        edit_file "$JIBRI_CONF" "$out"
        ((CHANGES > mark)) && jibri_changed=1
    fi

    step "nginx: $BASE_PATH/ and the internal media location in $NGINX_SITE"
    mark=$CHANGES
    put_file "$NGINX_HTTP_CONF" 0644 root:root "$(nginx_http_file)"
    out=$TX_WORK/nginx-site
    edit nginx "$(r "$NGINX_SITE")" "$DOMAIN" "$(nginx_block_file)" >"$out" || fail "cannot edit $NGINX_SITE (see above)"
    edit_file "$NGINX_SITE" "$out"
    ((CHANGES > mark)) && nginx_changed=1

    step "Manifest for --uninstall ($MANIFEST)"
    {
        echo "# Zentrix Video install manifest: what scripts/install.sh created or edited. Used by --uninstall."
        printf '%s\n' "${MANIFEST_LINES[@]}"
    } >"$TX_WORK/manifest"
    put_file "$MANIFEST" 0600 root:root "$TX_WORK/manifest"

    if ((DRY_RUN)); then
        step "Checks and reloads"
        info "[dry-run] would check prosodyctl check config and nginx -t, undo everything if either fails, then reload"
        tx_commit
        if ((CHANGES)); then printf '\nDry run finished: %d change(s) above; nothing was changed.\n' "$CHANGES"
        else printf '\nDry run finished: nothing to change.\n'; fi
        ((JIBRI_LOCAL)) || print_remote_jibri_snippet
        return 0
    fi

    step "Checking the new configuration before any reload"
    if ! validate after; then
        fail_and_rollback "the new configuration does not pass (output above)"
    fi
    tx_commit

    if ((!CHANGES)); then
        printf '\nNothing to change: Zentrix Video is installed as configured.\n'
        return 0
    fi

    step "Services"
    run_service "systemd reload" systemctl daemon-reload || true
    run_service "enable zentrix-video at boot" systemctl enable zentrix-video.service || true
    if ((sidecar_changed)); then
        run_service "(re)start zentrix-video" systemctl restart zentrix-video.service || true
    else
        run_service "start zentrix-video" systemctl start zentrix-video.service || true
    fi
    if ((prosody_changed)); then run_service "reload Prosody" systemctl reload prosody.service || true; fi
    if ((nginx_changed)); then run_service "reload nginx" systemctl reload nginx.service || true; fi
    # Jibri's reload waits until it is idle, so a recording in progress is not cut
    if ((jibri_changed)); then run_service "reload Jibri (when idle)" systemctl reload jibri.service || true; fi

    summary
}

fail_and_rollback() {
    tx_rollback
    fail "$1; every change of this run was undone and nothing was reloaded."
}

summary() {
    printf '\nZentrix Video is installed for %s.\n' "$DOMAIN"
    cat <<EOF
  Archive UI:     https://$DOMAIN$BASE_PATH/   (admin token: $DATA_DIR/admin-token, written at first start)
  Check:          systemctl status zentrix-video
                  curl -fsS https://$DOMAIN$BASE_PATH/api/v1/health
                  journalctl -u prosody | grep zentrix_events   (look for "Forwarding room events to")
  Settings:       $CONF_FILE (rewritten by install.sh; your own keys go in $ETC_DIR/local.conf)
  Remove:         scripts/install.sh --uninstall   (recordings are kept; --purge deletes them)
EOF
    ((JIBRI_LOCAL)) || print_remote_jibri_snippet
}

print_remote_jibri_snippet() {
    cat <<EOF

Jibri runs on other hosts: on each Jibri host (see docs/install.md, "Jibri on separate hosts"):
  1. install -D -m 0755 jibri-finalize/zentrix-finalize.sh $FINALIZE_DEST
  2. $FINALIZE_ENV_FILE (root:jibri 0640):
       ZENTRIX_SIDECAR_URL=https://$DOMAIN$BASE_PATH
       ZENTRIX_FINALIZE_MODE=upload
       ZENTRIX_FINALIZE_SECRET=<the line in $FINALIZE_SECRET_FILE on this host>
  3. in /etc/jitsi/jibri/jibri.conf:
       jibri.recording.finalize-script = "$FINALIZE_DEST"
  4. let this host reach the Jibri HTTP API (jibri.api.http.external-api-host, firewall to this host only)
     and list it here: install.sh --jibri remote --jibri-url http://<jibri>:2222/jibri/api/v1.0
EOF
}

# ---- uninstall -----------------------------------------------------------------------------------
confirm_purge() {
    ((ASSUME_YES)) && return 0
    [ -t 0 ] || fail "--purge deletes every recording: run it in a terminal, or add --yes"
    local answer
    printf '\n--purge deletes every recording, the database and the logs in %s and %s.\n' "$DATA_DIR" "$LOG_DIR"
    read -r -p "Type 'delete' to continue: " answer
    [ "$answer" = delete ] || fail "not confirmed; nothing was changed"
    read -r -p "This cannot be undone. Delete all recordings now? Type 'yes': " answer
    [ "$answer" = yes ] || fail "not confirmed; nothing was changed"
}

do_uninstall() {
    printf 'Zentrix Video %s%s%s\n' "$( ((PURGE)) && echo purge || echo uninstall)" \
        "$( ((DRY_RUN)) && echo ' (dry run: nothing will be changed)')" "${ROOT:+ in root $ROOT}"
    [ -n "$ROOT" ] || ((DRY_RUN)) || [ "$(id -u)" = 0 ] || missing "run it as root (sudo scripts/install.sh --uninstall)"
    manifest_load
    local leftovers=() line
    if [ -f "$(r "$LEFTOVERS")" ]; then
        while IFS= read -r line; do [ -n "$line" ] && leftovers+=("$line"); done <"$(r "$LEFTOVERS")"
    fi
    if ((${#MANIFEST_LINES[@]} == 0)); then
        if ((PURGE && ${#leftovers[@]})); then purge_leftovers "${leftovers[@]}"; return 0; fi
        printf '\nNothing to remove: no %s (Zentrix Video is not installed here).\n' "$MANIFEST"
        return 0
    fi
    if ((PURGE && !DRY_RUN)); then confirm_purge; fi
    step "Checking Prosody and nginx as they are"
    validate before || fail "Prosody or nginx already fails its own check (output above): fix that first, or pass --no-validate. Nothing was changed."

    tx_begin
    CHANGES=0
    local kind path disk backup i stripped reload_prosody=0 reload_nginx=0 reload_jibri=0 kept_backups=0

    step "Stopping the sidecar"
    if [ -e "$(r "$UNIT_FILE")" ]; then
        run_service "stop and disable zentrix-video" systemctl disable --now zentrix-video.service || true
    fi

    step "Removing the Zentrix Video blocks from edited files"
    for line in "${MANIFEST_LINES[@]}"; do
        kind=${line%% *}; path=${line#* }
        [ "$kind" = edited ] || continue
        disk="$(r "$path")"; backup="$(r "$BACKUP_DIR/original$path")"
        if [ ! -f "$disk" ]; then warn "$path is gone; nothing to restore there"; continue; fi
        stripped=$TX_DIR/stripped.$RANDOM
        edit strip "$disk" >"$stripped" || fail_and_rollback "cannot find the ends of the zentrix-video blocks in $path; fix it by hand (original: $BACKUP_DIR/original$path)"
        if cmp -s "$stripped" "$disk"; then info "= $path has no Zentrix Video blocks"; else
            would "remove the Zentrix Video blocks from $path"
            ((DRY_RUN)) && show_diff "$path" "$disk" "$stripped" masked
            if ((!DRY_RUN)); then tx_track "$path"; cat "$stripped" >"$disk"; fi
            CHANGES=$((CHANGES + 1))
        fi
        if [ -f "$backup" ] && ! cmp -s "$stripped" "$backup"; then
            warn "$path was also changed by someone else since the install: those changes are kept; the file as it was before the install is in $BACKUP_DIR/original$path"
            kept_backups=1
        elif [ -f "$backup" ]; then
            info "  $path is byte for byte as before the install"
        fi
        case $path in
            /etc/prosody/*) reload_prosody=1 ;;
            /etc/nginx/*) reload_nginx=1 ;;
            "$JIBRI_CONF") reload_jibri=1 ;;
        esac
    done

    step "Removing installed files"
    for ((i = ${#MANIFEST_LINES[@]} - 1; i >= 0; i--)); do
        line=${MANIFEST_LINES[$i]}; kind=${line%% *}; path=${line#* }
        disk="$(r "$path")"
        case $kind in
            created)
                [ "$path" = "$MANIFEST" ] && continue
                [ -e "$disk" ] || continue
                would "remove $path"; CHANGES=$((CHANGES + 1))
                if ((DRY_RUN)); then DRY_GONE[$path]=1; else tx_track "$path"; rm -f "$disk"; fi
                [ "$path" = "$MODULE_DEST" ] && reload_prosody=1 ;;
            replaced)
                backup="$(r "$BACKUP_DIR/original$path")"
                [ -f "$backup" ] || { warn "no backup of $path; left as it is"; continue; }
                would "put back the original $path"; CHANGES=$((CHANGES + 1))
                ((DRY_RUN)) || { tx_track "$path"; cat "$backup" >"$disk"; chmod --reference="$backup" "$disk"; }
                [ "$path" = "$MODULE_DEST" ] && reload_prosody=1 ;;
            acl)
                ((DO_ACCOUNTS)) || continue
                would "remove $SERVICE_USER's access to $path (setfacl -x)"
                ((DRY_RUN)) || setfacl -x "u:$SERVICE_USER,d:u:$SERVICE_USER" "$disk" 2>/dev/null || true ;;
        esac
    done

    if ((!DRY_RUN)); then
        step "Checking Prosody and nginx without Zentrix Video"
        validate after || fail_and_rollback "the configuration without Zentrix Video does not pass (output above)"
    fi
    # from here on only deletions that need no undo: folders, backups, recordings (--purge)
    tx_commit

    step "Removing folders, keeping recordings"
    local dirs=() kept=()
    for ((i = ${#MANIFEST_LINES[@]} - 1; i >= 0; i--)); do
        line=${MANIFEST_LINES[$i]}
        [ "${line%% *}" = dir ] && dirs+=("${line#* }")
    done
    local -a leftover_lines=()
    for line in "${MANIFEST_LINES[@]}"; do
        case $line in "user "*) leftover_lines+=("$line") ;; esac
    done
    for path in "${dirs[@]}"; do
        disk="$(r "$path")"
        [ -d "$disk" ] || continue
        if ((DRY_RUN)) && ((PURGE == 0)) && is_empty_after_run "$path"; then
            would "remove empty $path/"; DRY_GONE[$path]=1; continue
        fi
        case $path in
            "$BACKUP_DIR"|"$BACKUP_DIR"/*) continue ;;   # below, once the manifest is no longer needed
            "$GRANT_CACHE_DIR")                           # only nginx's cache: never worth keeping
                would "delete $path/ (nginx's grant cache)"; CHANGES=$((CHANGES + 1))
                ((DRY_RUN)) || rm -rf "$disk"
                continue ;;
            "$DATA_DIR"|"$DATA_DIR"/*|"$LOG_DIR"|"$LOG_DIR"/*)
                if ((PURGE)); then
                    would "delete $path/ and everything in it"; CHANGES=$((CHANGES + 1))
                    ((DRY_RUN)) || rm -rf "$disk"
                    continue
                fi
                if [ -n "$(ls -A "$disk" 2>/dev/null)" ]; then kept+=("$path"); leftover_lines+=("dir $path"); continue; fi ;;
        esac
        if [ -z "$(ls -A "$disk" 2>/dev/null)" ]; then
            would "remove empty $path/"; CHANGES=$((CHANGES + 1))
            ((DRY_RUN)) || rmdir "$disk"
        else
            # a folder of ours that someone else filled (e.g. local.conf in /etc/zentrix-video)
            note "$path/ is kept: it holds files install.sh did not write ($(ls -A "$disk" | head -n 3 | tr '\n' ' '))"
            leftover_lines+=("dir $path")
        fi
    done

    step "Backups and manifest"
    if ((DRY_RUN)); then
        would "remove $BACKUP_DIR (manifest and originals)"
    elif ((kept_backups)); then
        rm -f "$(r "$MANIFEST")"
        note "$BACKUP_DIR is kept: it holds originals of files that changed since the install"
    else
        rm -rf "$(r "$BACKUP_DIR")"
        for path in "${dirs[@]}"; do      # parents install created for it (e.g. /var/backups)
            case $path in "$BACKUP_DIR"|"$BACKUP_DIR"/*) continue ;; esac
            [[ $BACKUP_DIR == "$path"/* ]] && [ -d "$(r "$path")" ] && rmdir "$(r "$path")" 2>/dev/null || true
        done
        info "removed $BACKUP_DIR"
    fi

    if ((PURGE)); then
        remove_user_if_ours "${leftover_lines[@]}"
    elif ((!DRY_RUN)) && ((${#kept[@]})); then
        # what --purge still has to delete later, stored with the kept recordings
        (umask 077; printf '%s\n' "${leftover_lines[@]}" | sort -u >"$(r "$LEFTOVERS")")
    fi

    if ((!DRY_RUN)); then
        step "Services"
        run_service "systemd reload" systemctl daemon-reload || true
        ((reload_prosody)) && { run_service "reload Prosody" systemctl reload prosody.service || true; }
        ((reload_nginx)) && { run_service "reload nginx" systemctl reload nginx.service || true; }
        ((reload_jibri)) && { run_service "reload Jibri (when idle)" systemctl reload jibri.service || true; }
    fi

    if ((DRY_RUN)); then printf '\nDry run finished: nothing was changed.\n'; return 0; fi
    printf '\nZentrix Video is removed.\n'
    if ((!PURGE)) && ((${#kept[@]})); then
        local top=()
        for path in "${kept[@]}"; do [[ " ${kept[*]} " == *" ${path%/*} "* ]] || top+=("$path"); done
        printf 'Kept: %s (recordings, database, logs). Delete them with: scripts/install.sh --purge\n' "${top[*]}"
    fi
}

declare -A DRY_GONE=()    # what a dry run would have removed
is_empty_after_run() {     # would PATH be empty once the dry run's removals were done?
    local entry
    for entry in "$(r "$1")"/* "$(r "$1")"/.[!.]*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        [ -n "${DRY_GONE[$1/${entry##*/}]:-}" ] || return 1
    done
}

remove_user_if_ours() {   # remove_user_if_ours MANIFEST-LINES...: userdel, if install created the user
    step "System user"
    if ((DO_ACCOUNTS)) && printf '%s\n' "$@" | grep -qx "user $SERVICE_USER" && getent passwd "$SERVICE_USER" >/dev/null; then
        would "remove system user $SERVICE_USER"
        ((DRY_RUN)) || userdel "$SERVICE_USER" || warn "userdel $SERVICE_USER failed"
    else
        info "= no system user of ours to remove"
    fi
}

purge_leftovers() {       # --purge after an --uninstall: what the uninstall kept
    local line path
    if ((!DRY_RUN)); then confirm_purge; fi
    step "Deleting what --uninstall kept"
    for line in "$@"; do
        case $line in
            "dir "*) path=${line#dir }; [ -d "$(r "$path")" ] || continue
                     would "delete $path/ and everything in it"; ((DRY_RUN)) || rm -rf "$(r "$path")" ;;
        esac
    done
    remove_user_if_ours "$@"
    if ((DRY_RUN)); then printf '\nDry run finished: nothing was changed.\n'; else printf '\nZentrix Video recordings and data are deleted.\n'; fi
}

# one run at a time
exec 9<"${BASH_SOURCE[0]}"
flock -n 9 || fail "another install.sh is running"

case $ACTION in
    install) do_install ;;
    uninstall) do_uninstall ;;
    print-nginx)
        TX_WORK=$(mktemp -d); trap 'rm -rf "$TX_WORK"' EXIT; NGINX_SITE="the site of your Jitsi domain"
        printf '# ---- http level (%s) ----\n' "$NGINX_HTTP_CONF"; cat "$(nginx_http_file)"
        printf '# ---- in the server block of the Jitsi site ----\n'; cat "$(nginx_block_file)" ;;
esac
