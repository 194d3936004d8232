#!/usr/bin/env bash
# metrics_query_run.sh -- issue 3's query-latency, start-up, memory and disk benchmark, in one run: skywatch beside
# VictoriaMetrics and Prometheus from Debian on the same data (10,000 series x 1 day at 10 s plus one series x 30 days
# at 60 s, full-precision and 2-decimal shapes). Builds skywatch from the working tree (make B=build/bench) and
# bench/metrics_gen, installs the peers if they are missing, then runs bench/metrics_query.py under a timeout.
# Knobs (environment; defaults are the issue's sizes: 15-20 minutes on 2 cores, the Prometheus import is the longest
# step; MQ_PEERS=vm or MQ_SHAPES=full about halve it):
#   MQ_SERIES 10000, MQ_EXTRA_SERIES 1600 (more series in skywatch only, to pass 100 M samples for start-up),
#   MQ_SHAPES "full dec2", MQ_CALLS 50, MQ_WARMUP 5, MQ_CONNS 4, MQ_LONG_DAYS 30, MQ_PEERS "vm prom",
#   MQ_PARALLEL_LOAD 1 (0: the three loads one after the other), BENCH_STEP_TIMEOUT 900 (s per load step),
#   MQ_TIMEOUT 3600 (s, whole run), BENCH_DIR build/bench, BENCH_KEEP 0, MQ_SKYWATCH (a server binary to use as is).
# Results: a Markdown table on stdout and JSON lines appended to $BENCH_DIR/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-build/bench}
KEEP=${BENCH_KEEP:-0}
PEERS=${MQ_PEERS:-vm prom}
SW=${MQ_SKYWATCH:-$BENCH_DIR/skywatch}   # MQ_SKYWATCH: a server binary to use as is (no build)
GEN=$BENCH_DIR/metrics_gen
RUN=$BENCH_DIR/mq.$$   # data directories on the repository's disk, so fsync is real

log() { printf '[metrics_query %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------- peers (Debian packages only) ----------
need=()
case " $PEERS " in *" vm "*) command -v victoria-metrics >/dev/null || need+=(victoria-metrics) ;; esac
case " $PEERS " in *" prom "*) { command -v prometheus && command -v promtool; } >/dev/null || need+=(prometheus) ;; esac
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    timeout 600 $sudo apt-get install -y "${need[@]}" >&2
fi

# ---------- build ----------
mkdir -p "$BENCH_DIR"
log "building skywatch ($SW) and the generator ($GEN)"
[ -n "${MQ_SKYWATCH:-}" ] || make -s B="$BENCH_DIR" "$SW" -j"$(nproc)"
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -Ibench -pthread \
    bench/metrics_gen.c bench/httpc.c src/sigv4.c src/buf.c src/alloc.c -lcrypto -lm -o "$GEN"

# The commit, marked +dirty when the server's sources differ from it (read-only: no index refresh).
COMMIT=$(git rev-parse --short HEAD)
[ -z "$(git --no-optional-locks status --porcelain -- src Makefile)" ] || COMMIT="$COMMIT+dirty"

cleanup() { [ "$KEEP" = 1 ] || rm -rf "$RUN"; }
trap cleanup EXIT
mkdir -p "$RUN"
keep=()
[ "$KEEP" = 1 ] && keep=(--keep)
timeout "${MQ_TIMEOUT:-3600}" python3 bench/metrics_query.py --skywatch "$SW" --gen "$GEN" --run "$RUN" \
    --results "$BENCH_DIR/results.jsonl" --commit "$COMMIT" "${keep[@]}"
