#!/usr/bin/env bash
# zentrix-finalize.sh — Jibri's finalize script for Zentrix Video.
#
# Jibri runs it as `zentrix-finalize.sh <session dir>` (jibri.recording.finalize-script), after the
# recording and metadata.json are written, and waits for it: Jibri stays BUSY and its stopService
# call does not answer until this script exits. So it only hands the directory over to the Zentrix
# sidecar and leaves the heavy work (moving, hashing, probing) to it. The wire contract is
# docs/protocol.md, section "Finalize: hook → sidecar".
#
# Modes (ZENTRIX_FINALIZE_MODE):
#   local   Jibri runs on the sidecar's host: POST {"directory": "<absolute path>"}.
#   upload  Jibri runs elsewhere: PUT every regular file of the directory, then POST the list.
#
# Configuration, from the environment or from the env file (ZENTRIX_FINALIZE_ENV, default
# /etc/zentrix-video/finalize.env; the environment wins over the file):
#   ZENTRIX_SIDECAR_URL               base URL of the sidecar (default http://127.0.0.1:8095)
#   ZENTRIX_FINALIZE_SECRET           the shared secret (= zentrix.finalize.secret), or
#   ZENTRIX_FINALIZE_SECRET_FILE      a file holding it on its first line
#   ZENTRIX_FINALIZE_MODE             local (default) | upload
#   ZENTRIX_FINALIZE_SYNC_SECONDS     how long to retry while Jibri waits (default 20)
#   ZENTRIX_FINALIZE_RETRY_MAX_DELAY  longest pause of the background retry loop, s (default 300)
#   ZENTRIX_FINALIZE_LOG              log file (default /var/log/zentrix-video/finalize.log)
#   ZENTRIX_FINALIZE_CACERT           CA bundle for an https sidecar with a private CA (optional)
#
# Exit codes: 0 handed over; 64 usage or configuration error; 66 directory missing or unreadable;
# 75 not accepted yet (sidecar unreachable or 5xx after the synchronous retries; in upload mode a
# detached background loop keeps retrying and logs to ZENTRIX_FINALIZE_LOG); 77 refused by the
# sidecar (4xx; its message is printed). Jibri only logs the exit code.
#
# It never deletes, moves or changes anything in the session directory.
# Tools: bash 4+, curl, sha256sum, od, date, setsid (util-linux). The HMAC is computed in bash with
# sha256sum so the secret never appears on a command line (where `ps` would show it).

set -u -o pipefail
umask 077

readonly PROG=zentrix-finalize
readonly EX_OK=0 EX_USAGE=64 EX_NOINPUT=66 EX_TEMPFAIL=75 EX_NOPERM=77
# results of one attempt
readonly DONE=0 RETRY=1 REFUSED=2

STEP=""       # the request describe_answer talks about
LOG_COPY=""   # foreground: also append messages here (the log file) when writable

log() {
    local line
    line="$(date '+%Y-%m-%dT%H:%M:%S%z') $PROG[$$]: $*"
    printf '%s\n' "$line" >&2
    if [ -n "$LOG_COPY" ]; then
        printf '%s\n' "$line" >>"$LOG_COPY" 2>/dev/null || true
    fi
}

usage() {
    cat <<'EOF'
Usage: zentrix-finalize.sh <session directory>
Hands a finished Jibri recording directory over to the Zentrix Video sidecar.
Configured by ZENTRIX_* variables or /etc/zentrix-video/finalize.env (see jibri-finalize/README.md).
EOF
}

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

# Reads ZENTRIX_NAME=value lines (optionally `export`ed, optionally quoted) without executing the
# file; a variable already set in the environment is kept.
load_env_file() {
    local file=$1 line name value n=0
    [ -e "$file" ] || return 0
    if [ ! -r "$file" ]; then
        log "cannot read the configuration file $file"
        exit $EX_USAGE
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        line=${line%$'\r'}
        if [[ $line =~ ^[[:space:]]*(#.*)?$ ]]; then
            continue
        fi
        if [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?(ZENTRIX_[A-Z0-9_]+)=(.*)$ ]]; then
            name=${BASH_REMATCH[2]}
            value=${BASH_REMATCH[3]}
            if [[ $value =~ ^\"(.*)\"[[:space:]]*$ ]] || [[ $value =~ ^\'(.*)\'[[:space:]]*$ ]]; then
                value=${BASH_REMATCH[1]}
            fi
            if [ -z "${!name+set}" ]; then
                printf -v "$name" '%s' "$value"
            fi
        else
            log "ignoring line $n of $file: expected ZENTRIX_NAME=value"
        fi
    done <"$file"
}

load_config() {
    load_env_file "${ZENTRIX_FINALIZE_ENV:-/etc/zentrix-video/finalize.env}"

    SIDECAR_URL=${ZENTRIX_SIDECAR_URL:-http://127.0.0.1:8095}
    while [[ $SIDECAR_URL == */ ]]; do SIDECAR_URL=${SIDECAR_URL%/}; done
    case $SIDECAR_URL in
        http://?* | https://?*) ;;
        *) log "ZENTRIX_SIDECAR_URL must be an http:// or https:// URL, got '$SIDECAR_URL'"; exit $EX_USAGE ;;
    esac

    MODE=${ZENTRIX_FINALIZE_MODE:-local}
    case $MODE in
        local | upload) ;;
        *) log "ZENTRIX_FINALIZE_MODE must be local or upload, got '$MODE'"; exit $EX_USAGE ;;
    esac

    SYNC_SECONDS=${ZENTRIX_FINALIZE_SYNC_SECONDS:-20}
    RETRY_MAX_DELAY=${ZENTRIX_FINALIZE_RETRY_MAX_DELAY:-300}
    if ! [[ $SYNC_SECONDS =~ ^[0-9]+$ && $RETRY_MAX_DELAY =~ ^[0-9]+$ ]] || [ "$RETRY_MAX_DELAY" -lt 1 ]; then
        log "ZENTRIX_FINALIZE_SYNC_SECONDS and ZENTRIX_FINALIZE_RETRY_MAX_DELAY must be whole seconds (the latter >= 1)"
        exit $EX_USAGE
    fi

    SECRET=${ZENTRIX_FINALIZE_SECRET:-}
    if [ -z "$SECRET" ] && [ -n "${ZENTRIX_FINALIZE_SECRET_FILE:-}" ]; then
        if [ ! -r "$ZENTRIX_FINALIZE_SECRET_FILE" ]; then
            log "cannot read ZENTRIX_FINALIZE_SECRET_FILE $ZENTRIX_FINALIZE_SECRET_FILE"
            exit $EX_USAGE
        fi
        IFS= read -r SECRET <"$ZENTRIX_FINALIZE_SECRET_FILE" || true
        SECRET=${SECRET%$'\r'}
    fi
    if [ -z "$SECRET" ]; then
        log "no secret: set ZENTRIX_FINALIZE_SECRET or ZENTRIX_FINALIZE_SECRET_FILE (the sidecar's zentrix.finalize.secret)"
        exit $EX_USAGE
    fi

    LOG_FILE=${ZENTRIX_FINALIZE_LOG:-/var/log/zentrix-video/finalize.log}
    CURL_TLS=()
    if [ -n "${ZENTRIX_FINALIZE_CACERT:-}" ]; then
        CURL_TLS=(--cacert "$ZENTRIX_FINALIZE_CACERT")
    fi
}

# A log file we can append to: the configured one, else one in the temp directory.
usable_log_file() {
    local dir
    dir=$(dirname -- "$LOG_FILE")
    if { [ -d "$dir" ] || mkdir -p -- "$dir" 2>/dev/null; } && { : >>"$LOG_FILE"; } 2>/dev/null; then
        printf '%s' "$LOG_FILE"
    else
        printf '%s' "${TMPDIR:-/tmp}/zentrix-finalize.log"
    fi
}

# Milliseconds since the epoch (bash 5's EPOCHREALTIME; its separator follows LC_NUMERIC).
now_ms() {
    local t
    if [ -n "${EPOCHREALTIME:-}" ]; then
        t=${EPOCHREALTIME//[.,]/}
        printf '%s' $((10#$t / 1000))
    else
        date +%s%3N
    fi
}

# ---------------------------------------------------------------------------------------------
# Encoding and signing
# ---------------------------------------------------------------------------------------------

# JSON string contents: backslash, quote and control characters escaped; other bytes as they are.
json_escape() {
    local LC_ALL=C s=$1 out="" c i code
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    if [[ $s != *[[:cntrl:]]* ]]; then
        printf '%s' "$s"
        return
    fi
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        printf -v code '%d' "'$c"
        if [ "$code" -ge 0 ] && [ "$code" -lt 32 ] || [ "$code" -eq 127 ]; then
            printf -v c '\\u%04x' "$code"
        fi
        out+=$c
    done
    printf '%s' "$out"
}

# Percent-encodes every byte outside [A-Za-z0-9._~-] for a URL path segment.
url_encode() {
    local LC_ALL=C s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) printf -v c '%%%02X' "'$c"; out+=${c: -3} ;;
        esac
    done
    printf '%s' "$out"
}

# HMAC-SHA256(key, message) as lower-case hex (RFC 2104), with sha256sum. Bytes are produced by the
# printf builtin, so neither the key nor the message is ever a process argument.
hmac_sha256_hex() {
    local key=$1 msg=$2 keyhex ipad="" opad="" inner innerbin="" i k
    keyhex=$(printf '%s' "$key" | od -An -v -tx1 | tr -d ' \n')
    if [ ${#keyhex} -gt 128 ]; then
        keyhex=$(printf '%s' "$key" | sha256sum | cut -c1-64)
    fi
    while [ ${#keyhex} -lt 128 ]; do keyhex+=00; done
    for ((i = 0; i < 128; i += 2)); do
        k=$((16#${keyhex:i:2}))
        printf -v ipad '%s\\x%02x' "$ipad" $((k ^ 0x36))
        printf -v opad '%s\\x%02x' "$opad" $((k ^ 0x5c))
    done
    inner=$({ printf '%b' "$ipad"; printf '%s' "$msg"; } | sha256sum | cut -c1-64)
    for ((i = 0; i < 64; i += 2)); do innerbin+="\\x${inner:i:2}"; done
    { printf '%b' "$opad"; printf '%b' "$innerbin"; } | sha256sum | cut -c1-64
}

# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

# signed_request PAYLOAD MAX_TIME CURL_ARGS... URL
# Sends one request signed over PAYLOAD; sets HTTP_CODE (000 when no answer), HTTP_BODY, CURL_ERROR.
# The signature headers go to curl through its config on stdin, not on its command line.
signed_request() {
    local payload=$1 max_time=$2 ts sig
    shift 2
    ts=$(date +%s)
    sig=$(hmac_sha256_hex "$SECRET" "$ts.$payload")
    : >"$WORK/body"
    HTTP_CODE=$(curl --silent --show-error --output "$WORK/body" --write-out '%{http_code}' \
        --connect-timeout 5 --max-time "$max_time" --speed-limit 1024 --speed-time 60 \
        --header 'Expect:' "${CURL_TLS[@]}" --config - "$@" 2>"$WORK/err" <<EOF
header = "X-Zentrix-Timestamp: $ts"
header = "X-Zentrix-Signature: sha256=$sig"
EOF
    ) || true
    [ -n "$HTTP_CODE" ] || HTTP_CODE=000
    HTTP_BODY=$(head -c 2000 "$WORK/body")
    CURL_ERROR=$(head -c 500 "$WORK/err" | tr '\n' ' ')
    CURL_ERROR=${CURL_ERROR%"${CURL_ERROR##*[![:space:]]}"}
}

# Classifies the last answer: DONE (2xx), RETRY (no answer, 408, 429, 5xx) or REFUSED (the rest).
classify() {
    case $HTTP_CODE in
        2??) return $DONE ;;
        000 | 408 | 429 | 5??) return $RETRY ;;
        *) return $REFUSED ;;
    esac
}

# "<step>: HTTP <code>: <message>" for the last request (STEP names it).
describe_answer() {
    local message
    if [ "$HTTP_CODE" = 000 ]; then
        printf '%s: no answer from %s (%s)' "$STEP" "$SIDECAR_URL" "${CURL_ERROR:-connection failed}"
        return
    fi
    message=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1)
    printf '%s: HTTP %s: %s' "$STEP" "$HTTP_CODE" "${message:-$(printf '%s' "$HTTP_BODY" | tr '\n' ' ')}"
}

explain_refusal() {
    case $HTTP_CODE in
        401) log "check that ZENTRIX_FINALIZE_SECRET is the sidecar's zentrix.finalize.secret and that both clocks are right (max skew 5 min)" ;;
        404) log "check ZENTRIX_SIDECAR_URL ($SIDECAR_URL): the sidecar has no finalize endpoint there" ;;
        3??) log "the sidecar answered with a redirect: set ZENTRIX_SIDECAR_URL to the final address" ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# Hand-over steps (each sets the result as its return status: DONE, RETRY or REFUSED)
# ---------------------------------------------------------------------------------------------

# local mode: one signed POST of the directory path.
local_attempt() {
    local max_time=$1 body
    body="{\"directory\":\"$(json_escape "$DIR_ABS")\"}"
    post_finalize "$body" "$max_time"
}

# The signed JSON POST that completes a hand-over (both modes).
post_finalize() {
    STEP="POST /api/v1/finalize"
    signed_request "$1" "$2" --header 'Content-Type: application/json' \
        --data-binary "$1" "$SIDECAR_URL/api/v1/finalize"
    classify
}

# upload mode: PUT each file not uploaded yet, then the completion POST.
# FILES, SHAS, SIZES describe the directory; UPLOADED[i]=1 once file i was accepted.
upload_attempt() {
    local max_time=$1 i name url body files="" sep=""
    for i in "${!FILES[@]}"; do
        [ "${UPLOADED[$i]}" = 1 ] && continue
        name=${FILES[$i]}
        url="$SIDECAR_URL/api/v1/finalize/upload/$(url_encode "$DIR_NAME")/$(url_encode "$name")"
        STEP="upload of $name"
        signed_request "$DIR_NAME/$name.${SHAS[$i]}" "$max_time" \
            --header "X-Content-SHA256: ${SHAS[$i]}" --header 'Content-Type: application/octet-stream' \
            --upload-file "$DIR_ABS/$name" "$url"
        classify || return
        UPLOADED[$i]=1
        log "uploaded $name (${SIZES[$i]} bytes, sha256 ${SHAS[$i]})"
    done
    for i in "${!FILES[@]}"; do
        files+="$sep{\"name\":\"$(json_escape "${FILES[$i]}")\",\"sha256\":\"${SHAS[$i]}\",\"size\":${SIZES[$i]}}"
        sep=","
    done
    body="{\"uploaded\":\"$(json_escape "$DIR_NAME")\",\"files\":[$files]}"
    post_finalize "$body" "$max_time"
}

attempt() {
    if [ "$MODE" = local ]; then local_attempt "$1"; else upload_attempt "$1"; fi
}

# Lists the directory's regular files (not symlinks, not dot files) with their SHA-256 and size.
scan_directory() {
    local path name sum
    FILES=() SHAS=() SIZES=() UPLOADED=()
    shopt -s nullglob
    for path in "$DIR_ABS"/*; do
        name=${path##*/}
        if [ -L "$path" ] || [ ! -f "$path" ]; then
            log "skipping $name: not a regular file"
            continue
        fi
        if [ ! -r "$path" ]; then
            log "cannot read $path"
            exit $EX_NOINPUT
        fi
        sum=$(sha256sum <"$path" | cut -c1-64) || { log "cannot hash $path"; exit $EX_NOINPUT; }
        FILES+=("$name")
        SHAS+=("$sum")
        SIZES+=("$(wc -c <"$path" | tr -d ' ')")
        UPLOADED+=(0)
    done
    shopt -u nullglob
    if [ ${#FILES[@]} -eq 0 ]; then
        log "$DIR_ABS holds no regular file to upload"
        exit $EX_NOINPUT
    fi
}

success() {
    log "handed over $DIR_ABS to $SIDECAR_URL ($MODE mode): $(describe_answer)"
    exit $EX_OK
}

refused() {
    log "the sidecar refused $DIR_ABS: $(describe_answer)"
    explain_refusal
    exit $EX_NOPERM
}

# ---------------------------------------------------------------------------------------------
# Main flows
# ---------------------------------------------------------------------------------------------

# While Jibri waits: retry with backoff (0.5 s doubling, at most 5 s) until SYNC_SECONDS are used.
run_synchronously() {
    local deadline remaining result left wait_ms tries=0 delay_ms=500
    deadline=$(($(now_ms) + SYNC_SECONDS * 1000))
    while :; do
        tries=$((tries + 1))
        remaining=$(((deadline - $(now_ms)) / 1000))
        [ $remaining -lt 3 ] && remaining=3
        attempt "$remaining"
        result=$?
        [ $result -eq $DONE ] && success
        [ $result -eq $REFUSED ] && refused
        log "attempt $tries not accepted: $(describe_answer)"
        # Use the whole window: the last wait is cut to end at the deadline, then one last attempt.
        left=$((deadline - $(now_ms)))
        [ "$left" -le 0 ] && break
        wait_ms=$delay_ms
        [ "$wait_ms" -gt "$left" ] && wait_ms=$left
        sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
        delay_ms=$((delay_ms * 2))
        [ $delay_ms -gt 5000 ] && delay_ms=5000
    done
    if [ "$MODE" = upload ]; then
        local log_file self
        log_file=$(usable_log_file)
        self=$(CDPATH="" cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/$(basename -- "${BASH_SOURCE[0]}")
        # detached: own session, no tie to Jibri's pipes (Jibri waits for them to close)
        if command -v setsid >/dev/null 2>&1; then
            setsid nohup "$self" --background-retry "$DIR_ABS" </dev/null >>"$log_file" 2>&1 &
        else
            nohup "$self" --background-retry "$DIR_ABS" </dev/null >>"$log_file" 2>&1 &
        fi
        log "not accepted after ${SYNC_SECONDS}s; a background retry loop (pid $!) keeps trying, see $log_file"
    else
        log "not accepted after ${SYNC_SECONDS}s; the recording stays in $DIR_ABS for the sidecar to pick up"
    fi
    exit $EX_TEMPFAIL
}

# Detached: retry until the sidecar accepts or refuses, pausing 5 s doubling to RETRY_MAX_DELAY.
run_in_background() {
    local lock delay result tries=0 other
    lock="${TMPDIR:-/tmp}/zentrix-finalize.$DIR_NAME.lock"
    if ! mkdir -- "$lock" 2>/dev/null; then
        other=$(cat -- "$lock/pid" 2>/dev/null || true)
        if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
            log "another retry loop (pid $other) already handles $DIR_ABS"
            exit $EX_OK
        fi
        rm -rf -- "$lock"   # our own stale lock, nothing of the recording
        mkdir -- "$lock" 2>/dev/null || { log "cannot create lock $lock"; exit $EX_TEMPFAIL; }
    fi
    printf '%s\n' "$$" >"$lock/pid"
    CLEANUP_LOCK=$lock
    log "background retry loop started for $DIR_ABS"
    delay=5
    [ "$delay" -gt "$RETRY_MAX_DELAY" ] && delay=$RETRY_MAX_DELAY
    while :; do
        sleep "$delay"
        if [ ! -d "$DIR_ABS" ]; then
            log "$DIR_ABS has gone; giving up"
            exit $EX_NOINPUT
        fi
        tries=$((tries + 1))
        attempt 0
        result=$?
        [ $result -eq $DONE ] && success
        [ $result -eq $REFUSED ] && refused
        log "background attempt $tries not accepted: $(describe_answer); next in ${delay}s"
        delay=$((delay * 2))
        [ "$delay" -gt "$RETRY_MAX_DELAY" ] && delay=$RETRY_MAX_DELAY
    done
}

cleanup() {
    [ -n "${WORK:-}" ] && rm -rf -- "$WORK"
    [ -n "${CLEANUP_LOCK:-}" ] && rm -rf -- "$CLEANUP_LOCK"
}

main() {
    local background=false
    case ${1:-} in
        -h | --help) usage; exit $EX_OK ;;
        --background-retry) background=true; shift ;;
    esac
    if [ $# -ne 1 ] || [ -z "$1" ]; then
        usage >&2
        exit $EX_USAGE
    fi
    load_config
    if ! $background; then
        LOG_COPY=$(usable_log_file)
    fi

    local dir=$1
    if [ ! -d "$dir" ] || [ ! -r "$dir" ] || [ ! -x "$dir" ]; then
        log "session directory '$dir' is missing or unreadable"
        exit $EX_NOINPUT
    fi
    DIR_ABS=$(CDPATH="" cd -- "$dir" && pwd) || { log "cannot enter '$dir'"; exit $EX_NOINPUT; }
    DIR_NAME=${DIR_ABS##*/}

    WORK=$(mktemp -d "${TMPDIR:-/tmp}/zentrix-finalize.XXXXXX") || { log "cannot create a temp directory"; exit $EX_TEMPFAIL; }
    trap cleanup EXIT

    if [ "$MODE" = upload ]; then
        if ! [[ $DIR_NAME =~ ^[A-Za-z0-9_-]+$ ]]; then
            log "directory name '$DIR_NAME' is not [A-Za-z0-9_-]+, which the sidecar refuses for uploads"
            exit $EX_NOPERM
        fi
        scan_directory
    fi
    if $background; then
        run_in_background
    fi
    log "handing over $DIR_ABS to $SIDECAR_URL ($MODE mode)"
    run_synchronously
}

main "$@"
