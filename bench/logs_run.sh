#!/usr/bin/env bash
# logs_run.sh -- the CloudWatch Logs benchmark through the real protocol (issue 5): PutLogEvents ingest,
# size on disk against `zstd -3`, FilterLogEvents against `rg -F` / `grep -F`, and moto_server on a subset;
# prints a table. Loopback only; every step runs under a timeout; the defaults finish in a few minutes.
# Knobs (environment): see bench/README.md. Results: $BENCH_DIR/logs_results.jsonl and the printed table.
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${BENCH_LOGS_MB:-300}                     # corpus size, MiB of messages (1024 for the 1 GiB run)
CONNS=${BENCH_LOGS_CONNS:-8}                 # keep-alive connections for PutLogEvents (one client thread each)
INGEST_RUNS=${BENCH_LOGS_INGEST_RUNS:-3}     # ingest runs, each into a fresh server (wall-clock rates vary a lot)
MOTO=${BENCH_MOTO:-1}                        # 0 skips moto_server
MOTO_MB=${BENCH_LOGS_MOTO_MB:-30}            # the subset moto gets: the first MiB of the same requests
MOTO_CONNS=${BENCH_LOGS_MOTO_CONNS:-2}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-240}      # seconds, per step
BENCH_DIR=${BENCH_DIR:-build/bench}
KEEP=${BENCH_KEEP:-0}                        # 1 keeps the data directories and the raw corpus

AKID=AKIDBENCH
SECRET=benchsecret
SW=$BENCH_DIR/skywatch
LOADGEN=$BENCH_DIR/logs_loadgen
RESULTS=$BENCH_DIR/logs_results.jsonl
RUN=$BENCH_DIR/logs.$$   # on the repository's disk, so fdatasync is real (not tmpfs)
RAW=$RUN/raw.log
RARE=kaboom_rare_7f3a9c
PATTERNS=("$RARE" 'ERROR' '{ $.level = "ERROR" }' '[ip, id, user, ts, request, status = 5*, bytes > 1000, ...]')
KINDS=(rare common json delimited)

log() { printf '[logs-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---------- build ----------
mkdir -p "$BENCH_DIR"
log "building skywatch ($SW) and the load generator"
make -s B="$BENCH_DIR" "$SW" -j"$(nproc)"
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -pthread \
    -Ibench bench/logs_loadgen.c bench/httpc.c src/sigv4.c src/buf.c src/alloc.c -lcrypto -lm -o "$LOADGEN"
for tool in zstd rg; do command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y ${tool/rg/ripgrep})"; done

mkdir -p "$RUN"
: >"$RESULTS"
printf 'request_log = off\n' >"$RUN/skywatch.conf"
log "data under $RUN ($(df -T "$RUN" | awk 'NR==2 {print $2}'))"

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

# Starts skywatch on DIR; sets SW_PID and SW_PORT.
sw_start() { # dir logfile
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
}

sw_stop() {
    kill -TERM "$SW_PID"
    wait "$SW_PID" || die "skywatch exited with status $?"
    SW_PID=
}

# Bytes in the files under DIR whose names match GLOB.
bytes_of() { find "$1" -type f -name "$2" -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# Waits (up to STEP_TIMEOUT) until the size of DIR has not changed for 2 s.
wait_stable() { # dir
    local prev=-1 cur same=0
    for _ in $(seq $((STEP_TIMEOUT * 2))); do
        cur=$(bytes_of "$1" '*')
        if [ "$cur" = "$prev" ]; then same=$((same + 1)); [ $same -ge 4 ] && return 0; else same=0; fi
        prev=$cur
        sleep 0.5
    done
}

# One JSON object describing the log store's files under DIR/logs.
disk_json() { # dir label
    local d=$1/logs
    printf '{"label":"%s","total_bytes":%s,"segment_bytes":%s,"segments":%s,"wal_bytes":%s,"du_kb":%s}' "$2" \
        "$(bytes_of "$d" '*')" "$(bytes_of "$d" 'seg-*.sws')" "$(find "$d" -name 'seg-*.sws' | wc -l)" \
        "$(bytes_of "$d" 'wal-*.log')" "$(du -sk "$d" | cut -f1)"
}

# Runs a shell command, best of N runs; prints {"seconds":S,"output":"..."} (the output of the last run).
best_of() { # n command
    python3 - "$@" <<'EOF'
import json, subprocess, sys, time
best, out = None, ""
for _ in range(int(sys.argv[1])):
    t = time.monotonic()
    out = subprocess.run(["bash", "-c", sys.argv[2]], capture_output=True, text=True, check=True).stdout.strip()
    d = time.monotonic() - t
    best = d if best is None else min(best, d)
print(json.dumps({"seconds": best, "output": out}))
EOF
}

filters() { # server step port pid raw_bytes [pattern indexes...]; FILTER_CONNS=N pages N groups at once
    local server=$1 step=$2 port=$3 pid=$4 raw=$5 i out
    shift 5
    for i in "$@"; do
        out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" filter --port "$port" --pid "$pid" --raw-bytes "$raw" \
            --conns "${FILTER_CONNS:-1}" --pattern "${PATTERNS[$i]}") ||
            die "$server filter ${PATTERNS[$i]}: $out"
        record "$server" "$step" "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["kind"]=sys.argv[2]; print(json.dumps(d))' "$out" "${KINDS[$i]}")"
    done
}

# ---------- skywatch: PutLogEvents ingest (INGEST_RUNS fresh servers; the last one is kept) ----------
for run in $(seq "$INGEST_RUNS"); do
    SWDATA=$RUN/skywatch-data-$run
    sw_start "$SWDATA" "$RUN/skywatch-$run.log"
    log "skywatch: PutLogEvents, ${MB} MiB corpus, $CONNS connections (run $run of $INGEST_RUNS)"
    raw_arg=()
    [ "$run" = "$INGEST_RUNS" ] && raw_arg=(--raw "$RAW")
    out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" put --port "$SW_PORT" --mb "$MB" --conns "$CONNS" --pid "$SW_PID" "${raw_arg[@]}") ||
        die "ingest: $out"
    record skywatch ingest "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["run"]=int(sys.argv[2]); print(json.dumps(d))' "$out" "$run")"
    if [ "$run" != "$INGEST_RUNS" ]; then sw_stop; rm -rf "$SWDATA"; fi
done
RAW_BYTES=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["raw_bytes"])' "$out")

# ---------- size on disk while running, then packed ----------
wait_stable "$SWDATA/logs"
record skywatch disk "$(disk_json "$SWDATA" running)"
log "skywatch: FilterLogEvents while running (each group's tail still in its head)"
filters skywatch filter_running "$SW_PORT" "$SW_PID" "$RAW_BYTES" 0 1 2 3
sw_stop
record skywatch disk "$(disk_json "$SWDATA" stopped)"
log "skywatch: restart (replays and packs each group's tail)"
t0=$(date +%s.%N)
sw_start "$SWDATA" "$RUN/skywatch-restart.log"
wait_stable "$SWDATA/logs"
record skywatch disk "$(disk_json "$SWDATA" packed | sed "s/}\$/,\"restart_to_stable_s\":$(python3 -c "import time; print(round(time.time() - $t0 - 2, 1))")}/")"

log "zstd -3 of the raw corpus ($RAW_BYTES bytes of messages, one per line)"
out=$(best_of 1 "zstd -3 -q -c '$RAW' | wc -c")
record tools zstd "$out"

# ---------- FilterLogEvents on the packed store against rg / grep over the raw file ----------
cat "$RAW" >/dev/null  # page cache warm for the tools
log "rg -F / grep -F over the raw file"
record tools rg_rare "$(best_of 3 "rg -F '$RARE' '$RAW' | wc -l")"
record tools grep_rare "$(best_of 3 "grep -F '$RARE' '$RAW' | wc -l")"
record tools rg_error "$(best_of 1 "rg -F ERROR '$RAW' | wc -l")"
record tools rg_json_error "$(best_of 1 "rg -F '\"level\":\"ERROR\"' '$RAW' | wc -l")"
log "skywatch: FilterLogEvents after the restart (block cache cold, then warm)"
filters skywatch filter_cold "$SW_PORT" "$SW_PID" "$RAW_BYTES" 0 1 2 3
filters skywatch filter_warm "$SW_PORT" "$SW_PID" "$RAW_BYTES" 0 1 2 3
FILTER_CONNS=2 filters skywatch filter_2conns "$SW_PORT" "$SW_PID" "$RAW_BYTES" 1 2 3
sw_stop
[ "$KEEP" = 1 ] || rm -rf "$SWDATA"

# ---------- moto_server: the first MOTO_MB of the same requests ----------
if [ "$MOTO" = 1 ] && command -v moto_server >/dev/null; then
    MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    moto_server -H 127.0.0.1 -p "$MPORT" >"$RUN/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$MPORT") 2>/dev/null && break; sleep 0.05; done
    log "moto: PutLogEvents, the first $MOTO_MB MiB of the same requests, $MOTO_CONNS connections"
    out=$(timeout "$STEP_TIMEOUT" "$LOADGEN" put --port "$MPORT" --mb "$MB" --max-mb "$MOTO_MB" --conns "$MOTO_CONNS" --pid "$MOTO_PID") ||
        die "moto ingest: $out"
    record moto ingest "$out"
    MRAW=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["raw_bytes"])' "$out")
    log "moto: FilterLogEvents ERROR over the subset"
    filters moto filter "$MPORT" "$MOTO_PID" "$MRAW" 1
    kill -TERM "$MOTO_PID"
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=
fi

# ---------- the tables ----------
python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def get(server, step, **kw):
    return [r for r in rows if r["server"] == server and r["step"] == step and all(r.get(k) == v for k, v in kw.items())]
def one(server, step, **kw):
    r = get(server, step, **kw)
    return r[0] if r else None
ing = get("skywatch", "ingest")
mid = sorted(ing, key=lambda r: r["mb_per_s"])[len(ing) // 2]
med = lambda k: statistics.median(r[k] for r in ing)
rng = lambda k, f: ", ".join(f.format(r[k]) for r in ing)
mo = one("moto", "ingest")
z = int(one("tools", "zstd")["output"])
print()
print("| Figure | skywatch | peer / reference, same run | Target | Met? |")
print("|---|---:|---:|---|---|")
print(f"| Corpus (messages, 100 streams in 10 groups) | {mid['raw_bytes']/1e6:,.1f} MB, {mid['events']:,} events, {mid['requests']} requests | | | |")
ok = sum(r["mb_per_s"] >= 200 for r in ing)
print(f"| **Ingest**, PutLogEvents, MB/s of messages, fsync'd and acknowledged (median; runs) | **{med('mb_per_s'):,.0f}** ({rng('mb_per_s', '{:.0f}')}) | "
      + (f"moto: {mo['mb_per_s']:.1f} ({mo['raw_bytes']/1e6:.1f} MB subset)" if mo else "") + f" | >= 200 | {ok} of {len(ing)} runs |")
print(f"| events/s (median) | {med('events_per_s'):,.0f} | " + (f"moto: {mo['events_per_s']:,.0f}" if mo else "") + " | | |")
print(f"| server CPU per MB of messages, us (median; runs) | {med('server_cpu_us_per_mb'):,.0f} ({rng('server_cpu_us_per_mb', '{:,.0f}')}) | "
      + (f"moto: {mo['server_cpu_us_per_mb']:,.0f}" if mo else "") + " | | |")
print(f"| server cores busy (of 2) | {rng('server_cores_busy', '{:.2f}')} | " + (f"moto: {mo['server_cores_busy']:.2f}" if mo else "") + " | | |")
print(f"| client CPU per MB, us (median) | {med('client_cpu_us_per_mb'):,.0f} | | | |")
print(f"| request latency p50 / p99, ms (median run; {mid['conns']} connections) | {mid['p50_ms']:.0f} / {mid['p99_ms']:.0f} | "
      + (f"moto: {mo['p50_ms']:.0f} / {mo['p99_ms']:.0f} ({mo['conns']} connections)" if mo else "") + " | | |")
for d in get("skywatch", "disk"):
    met = ("yes" if d["total_bytes"] <= z else "no") if d["label"] == "packed" else ""
    note = {"running": "while running, stable", "stopped": "after SIGTERM", "packed": "after a restart packed the tails"}[d["label"]]
    print(f"| **Size on disk** of logs/, {note} | {d['total_bytes']/1e6:.1f} MB ({d['segments']} segments + {d['wal_bytes']/1e6:.1f} MB of logs) "
          f"| zstd -3 of the raw file: {z/1e6:.1f} MB | <= zstd -3 | {met} |")
print()
print("FilterLogEvents over all 10 groups, paging with nextToken; raw bytes of the groups searched / wall time, GB/s:")
print()
print("| Pattern | events | while running | packed, cold | packed, warm | 2 connections | reference, same run | >= 1 GB/s? |")
print("|---|---:|---:|---:|---:|---:|---|---|")
rg, gr = one("tools", "rg_rare"), one("tools", "grep_rare")
for kind in ("rare", "common", "json", "delimited"):
    cells = [one("skywatch", s, kind=kind) for s in ("filter_running", "filter_cold", "filter_warm", "filter_2conns")]
    f = cells[1]
    fmt = lambda c: f"{c['gb_per_s']:.2f} ({c['seconds']*1e3:.0f} ms)" if c else ""
    ref, extra = "", ""
    if kind == "rare":
        ref = f"`rg -F` {rg['seconds']*1e3:.0f} ms, `grep -F` {gr['seconds']*1e3:.0f} ms ({rg['output']} lines)"
        extra = "; " + ("beats rg" if f["seconds"] < rg["seconds"] else "slower than rg")
    elif kind == "common":
        ref = f"`rg -F` count {one('tools', 'rg_error')['output']}"
        m = one("moto", "filter", kind="common")
        if m: ref += f"; moto: {m['mb_per_s']:.0f} MB/s ({m['events']:,} events in {m['raw_bytes']/1e6:.1f} MB, {m['seconds']:.2f} s)"
    elif kind == "json":
        ref = f"`rg -F '\"level\":\"ERROR\"'` count {one('tools', 'rg_json_error')['output']}"
    met = "yes" if min(c["gb_per_s"] for c in cells[1:3] if c) >= 1 else "no"
    print(f"| `{f['pattern']}` | {f['events']:,} | " + " | ".join(fmt(c) for c in cells) + f" | {ref} | {met}{extra} |")
PY
