#!/usr/bin/env bash
# run.sh -- builds and runs the skywatch benchmarks (ingest, GetMetricStatistics latency, head memory,
# restart time) against skywatch and, where a peer applies, moto_server; prints a table.
# Loopback only; every step runs under a timeout and the defaults finish in a few minutes.
# Knobs (environment): see bench/README.md. Results: $BENCH_DIR/results.jsonl and the printed table.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${BENCH_CONNS:-16}                    # keep-alive connections for ingest (one client thread each)
REQUESTS=${BENCH_REQUESTS:-10000}           # distinct JSON PutMetricData requests = datapoints / 1000
QUERY_REQUESTS=${BENCH_QUERY_REQUESTS:-2000} # query-protocol PutMetricData requests (fresh server)
GMS_COUNT=${BENCH_GMS_COUNT:-2000}          # GetMetricStatistics calls against skywatch
GZIP_LEVEL=${BENCH_GZIP_LEVEL:-6}
MOTO=${BENCH_MOTO:-1}                       # 0 skips the moto_server runs
MOTO_REQUESTS=${BENCH_MOTO_REQUESTS:-1000}  # 1,000 datums each: 1 million datapoints stored in moto
MOTO_GMS_COUNT=${BENCH_MOTO_GMS_COUNT:-20}
MOTO_QUERY_REQUESTS=${BENCH_MOTO_QUERY_REQUESTS:-2}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-240}     # seconds, per load-generator run
BENCH_DIR=${BENCH_DIR:-build/bench}
KEEP=${BENCH_KEEP:-0}                       # 1 keeps the data directories

AKID=AKIDBENCH
SECRET=benchsecret
SW=$BENCH_DIR/skywatch
LOADGEN=$BENCH_DIR/loadgen
RESULTS=$BENCH_DIR/results.jsonl
RUN=$BENCH_DIR/run.$$   # data directories: on the repository's disk, so fdatasync is real (not tmpfs)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---------- build ----------
mkdir -p "$BENCH_DIR"
log "building skywatch ($SW) and the load generator"
make -s B="$BENCH_DIR" "$SW" -j"$(nproc)"
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -pthread \
    -Ibench bench/loadgen.c bench/httpc.c src/sigv4.c src/buf.c src/alloc.c -lcrypto -lz -lm -o "$LOADGEN"

mkdir -p "$RUN"
: >"$RESULTS"
printf 'request_log = off\n' >"$RUN/skywatch.conf"

SW_PID=
MOTO_PID=
cleanup() {
    [ -n "$SW_PID" ] && kill -TERM "$SW_PID" 2>/dev/null && wait "$SW_PID" 2>/dev/null
    [ -n "$MOTO_PID" ] && kill -TERM "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
    [ "$KEEP" = 1 ] || rm -rf "$RUN"
    return 0
}
trap cleanup EXIT

# Appends one JSON object to the results, tagged with the server and the step.
record() { # server step json
    python3 -c 'import json,sys; d=json.loads(sys.argv[3]); d["server"]=sys.argv[1]; d["step"]=sys.argv[2]; print(json.dumps(d))' \
        "$1" "$2" "$3" >>"$RESULTS"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Starts skywatch on DIR; sets SW_PID and SW_PORT, and SW_START_MS (spawn to the "listening" line,
# taken from the line's own timestamp).
sw_start() { # dir logfile
    local t0
    t0=$(date +%s.%N)
    SKYWATCH_ROOT_ACCESS_KEY_ID=$AKID SKYWATCH_ROOT_SECRET_ACCESS_KEY=$SECRET \
        "$SW" serve --listen 127.0.0.1:0 --data "$1" --config "$RUN/skywatch.conf" 2>"$2" &
    SW_PID=$!
    for _ in $(seq 12000); do
        grep -q '"msg":"listening"' "$2" && break
        kill -0 "$SW_PID" 2>/dev/null || die "skywatch exited: $(cat "$2")"
        sleep 0.005
    done
    grep -q '"msg":"listening"' "$2" || die "skywatch did not start within 60 s"
    SW_PORT=$(grep -o '"msg":"listening","address":"127.0.0.1:[0-9]*' "$2" | grep -o '[0-9]*$')
    SW_START_MS=$(python3 - "$2" "$t0" <<'EOF'
import datetime, json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("msg") == "listening":
        ts = datetime.datetime.strptime(d["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        print("%.0f" % ((ts.timestamp() - float(sys.argv[2])) * 1000))
EOF
)
}

sw_stop() {
    local t0 t1
    t0=$(date +%s%N)
    kill -TERM "$SW_PID"
    wait "$SW_PID" || die "skywatch exited with status $?"
    t1=$(date +%s%N)
    SW_PID=
    SW_STOP_MS=$(((t1 - t0) / 1000000))
}

# ---------- skywatch: ingest 10M datapoints (JSON 1.0), latency, memory, restart ----------
SWDATA=$RUN/skywatch-data
sw_start "$SWDATA" "$RUN/skywatch.log"
sleep 0.2
RSS_EMPTY=$(rss_kb "$SW_PID")
NOW=$(date +%s)
log "skywatch: PutMetricData JSON 1.0 + gzip, $REQUESTS requests x 1,000 datums over $CONNS connections"
out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" put --port "$SW_PORT" --proto json --requests "$REQUESTS" --count "$REQUESTS" \
    --conns "$CONNS" --t0 $((NOW - REQUESTS)) --gzip-level "$GZIP_LEVEL" --pid "$SW_PID") || die "ingest: $out"
record skywatch ingest_json "$out"
sleep 1  # let the last group commit and the allocator settle
RSS_LOADED=$(rss_kb "$SW_PID")
record skywatch memory "{\"rss_kb_empty\":$RSS_EMPTY,\"rss_kb_loaded\":$RSS_LOADED,\"datapoints\":$((REQUESTS * 1000))}"

log "skywatch: GetMetricStatistics x $GMS_COUNT (3 h at 60 s, 5 statistics + p99) with $((REQUESTS * 1000)) datapoints stored"
out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" gms --port "$SW_PORT" --count "$GMS_COUNT" --pid "$SW_PID") || die "gms: $out"
record skywatch gms "$out"

log "skywatch: restart with $((REQUESTS * 1000)) datapoints in the log"
sw_stop
STOP_MS=$SW_STOP_MS
WAL_BYTES=$(stat -c %s "$SWDATA/metrics.wal")
sync
sw_start "$SWDATA" "$RUN/skywatch-restart.log"
RECOVERED=$(grep '"msg":"metrics recovered"' "$RUN/skywatch-restart.log")
sleep 0.2
RSS_RESTARTED=$(rss_kb "$SW_PID")
record skywatch restart "$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"start_to_listening_ms":int(sys.argv[2]),"recovered_ms":r["ms"],"samples":r["samples"],"wal_bytes":int(sys.argv[3]),"stop_ms":int(sys.argv[4]),"rss_kb_restarted":int(sys.argv[5]),"rss_kb_empty":int(sys.argv[6])}))' \
    "$RECOVERED" "$SW_START_MS" "$WAL_BYTES" "$STOP_MS" "$RSS_RESTARTED" "$RSS_EMPTY")"
log "skywatch: GetMetricStatistics after restart"
out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" gms --port "$SW_PORT" --count "$GMS_COUNT" --pid "$SW_PID") || die "gms: $out"
record skywatch gms_after_restart "$out"
sw_stop
[ "$KEEP" = 1 ] || rm -rf "$SWDATA"

# ---------- skywatch: query protocol ingest on a fresh server ----------
if [ "$QUERY_REQUESTS" -gt 0 ]; then
    sw_start "$RUN/skywatch-query" "$RUN/skywatch-query.log"
    log "skywatch: PutMetricData query protocol + gzip, $QUERY_REQUESTS requests x 1,000 datums"
    out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" put --port "$SW_PORT" --proto query --requests "$QUERY_REQUESTS" \
        --count "$QUERY_REQUESTS" --conns "$CONNS" --t0 $(($(date +%s) - QUERY_REQUESTS)) --gzip-level "$GZIP_LEVEL" \
        --pid "$SW_PID") || die "query ingest: $out"
    record skywatch ingest_query "$out"
    sw_stop
fi

# ---------- moto_server: the same requests, bounded ----------
# moto_server 5.x decompresses a gzip body twice (its Flask before_request hook, then BaseResponse) and
# answers 500, so moto gets the same bodies uncompressed (--gzip-level 0); it does not check signatures.
if [ "$MOTO" = 1 ] && command -v moto_server >/dev/null; then
    MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    moto_server -H 127.0.0.1 -p "$MPORT" >"$RUN/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$MPORT") 2>/dev/null && break; sleep 0.05; done
    sleep 0.2
    MRSS_EMPTY=$(rss_kb "$MOTO_PID")
    log "moto: PutMetricData JSON 1.0 (uncompressed), $MOTO_REQUESTS requests x 1,000 datums"
    out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" put --port "$MPORT" --proto json --requests "$MOTO_REQUESTS" \
        --count "$MOTO_REQUESTS" --conns 2 --t0 $(($(date +%s) - MOTO_REQUESTS)) --gzip-level 0 --pid "$MOTO_PID") ||
        die "moto ingest: $out"
    record moto ingest_json "$out"
    record moto memory "{\"rss_kb_empty\":$MRSS_EMPTY,\"rss_kb_loaded\":$(rss_kb "$MOTO_PID"),\"datapoints\":$((MOTO_REQUESTS * 1000))}"
    log "moto: GetMetricStatistics x $MOTO_GMS_COUNT with $((MOTO_REQUESTS * 1000)) datapoints stored"
    out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" gms --port "$MPORT" --count "$MOTO_GMS_COUNT" --pid "$MOTO_PID") ||
        die "moto gms: $out"
    record moto gms "$out"
    if [ "$MOTO_QUERY_REQUESTS" -gt 0 ]; then
        log "moto: PutMetricData query protocol (uncompressed), $MOTO_QUERY_REQUESTS requests x 1,000 datums"
        out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" put --port "$MPORT" --proto query --requests "$MOTO_QUERY_REQUESTS" \
            --count "$MOTO_QUERY_REQUESTS" --conns 1 --namespace BenchQuery --t0 $(($(date +%s) - MOTO_QUERY_REQUESTS)) \
            --gzip-level 0 --pid "$MOTO_PID") || die "moto query ingest: $out"
        record moto ingest_query "$out"
    fi
    kill -TERM "$MOTO_PID"
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=
fi

python3 bench/report.py "$RESULTS"
