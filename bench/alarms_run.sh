#!/usr/bin/env bash
# alarms_run.sh -- the alarm evaluation benchmark (issue 4): builds bench/alarms_bench.c against the library
# objects, runs it on a fresh data directory on the repository's disk, prints its table and appends its
# figures to $BENCH_DIR/results.jsonl. In-process, no server, no network.
# Knobs (environment): ALARMS_BENCH_N (100000 alarms = series), ALARMS_BENCH_CYCLES (3),
# BENCH_STEP_TIMEOUT (1200 s here), BENCH_DIR (build/bench), BENCH_KEEP (0). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-1200}
BENCH_DIR=${BENCH_DIR:-build/bench}
KEEP=${BENCH_KEEP:-0}
BENCH=$BENCH_DIR/alarms_bench
RESULTS=$BENCH_DIR/results.jsonl
RUN=$BENCH_DIR/alarms.$$   # on the repository's disk, so fdatasync is real (not tmpfs)

log() { printf '[alarms-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$BENCH_DIR"
log "building the library objects ($BENCH_DIR/obj) and $BENCH"
make -s B="$BENCH_DIR" "$BENCH_DIR/skywatch" -j"$(nproc)"
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -pthread bench/alarms_bench.c \
    $(ls "$BENCH_DIR"/obj/*.o | grep -v '/main\.o$') \
    -lmicrohttpd -ljansson -lcurl -lcrypto -lz -ldeflate -lzstd -llz4 -lpcre2-8 -lm -pthread -o "$BENCH"

cleanup() { [ "$KEEP" = 1 ] || rm -rf "$RUN"; }
trap cleanup EXIT
mkdir -p "$RUN"
log "data under $RUN ($(df -T "$RUN" | awk 'NR==2 {print $2}')), ${ALARMS_BENCH_N:-100000} alarms"
timeout "$STEP_TIMEOUT" "$BENCH" "$RUN/data" "$RESULTS"
log "figures appended to $RESULTS"
