# SPDX-License-Identifier: Apache-2.0
# lib.sh: helpers shared by the integration tests (sourced, not run).
# Every test starts its own servers on 127.0.0.1 with ports chosen free at run time, and stops them
# on exit. Environment: FL_BIN (the faultline binary), FL_BUILD (build dir), FL_TMP (a fresh temp dir).

set -eu
: "${FL_BUILD:=build}"
: "${FL_BIN:=$FL_BUILD/faultline}"
FL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fl-it.XXXXXX")
FL_PIDS=""

fl_cleanup() {
    for p in $FL_PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $FL_PIDS; do wait "$p" 2>/dev/null || true; done
    if [ "${FL_KEEP_TMP:-0}" = 1 ]; then echo "kept $FL_TMP"; else rm -rf "$FL_TMP"; fi
}
trap fl_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# A TCP port nobody listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS]: poll until URL answers (any HTTP status).
wait_http() {
    local url=$1 t=${2:-20} i=0
    while [ "$i" -lt $((t * 10)) ]; do
        curl -s -o /dev/null "$url" && return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "timed out waiting for $url"
}

# bg NAME CMD...: start a background process, log to $FL_TMP/NAME.log, remember its pid for the
# cleanup and in BG_PID. (Not for use inside $(...): a subshell would lose the pid list.)
bg() {
    local name=$1; shift
    "$@" >"$FL_TMP/$name.log" 2>&1 &
    BG_PID=$!
    FL_PIDS="$FL_PIDS $BG_PID"
}

# start_faultline PORT [CONFIG]: run faultline serve on PORT with a data dir in FL_TMP.
start_faultline() {
    local port=$1 cfg=${2:-}
    if [ -z "$cfg" ]; then
        cfg=$FL_TMP/faultline-$port.yml
        printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data-%s\nself_scrape: false\n' "$port" "$FL_TMP" "$port" >"$cfg"
    fi
    bg "faultline-$port" "$FL_BIN" -c "$cfg" serve
    FL_PID=$BG_PID
    wait_http "http://127.0.0.1:$port/healthz"
}
