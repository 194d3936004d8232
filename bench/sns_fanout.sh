#!/usr/bin/env bash
# sns_fanout.sh -- SNS fan-out benchmark: Publish to a topic with 100 HTTP subscribers on loopback
# (deliveries/s, publish-to-delivery latency p50/p99) and the Publish API rate of skywatch and moto_server
# in the same run. Loopback only; every step under a timeout. Knobs (environment): BENCH_SNS_SUBSCRIBERS (100),
# BENCH_SNS_MESSAGES (200), BENCH_SNS_PUBLISHERS (2), BENCH_MOTO (1; 0 skips moto), BENCH_STEP_TIMEOUT (240 s).
# Results: one JSON line appended to $BENCH_DIR/sns_results.jsonl, printed too.
set -euo pipefail
cd "$(dirname "$0")/.."

SUBS=${BENCH_SNS_SUBSCRIBERS:-100}
MESSAGES=${BENCH_SNS_MESSAGES:-200}
PUBLISHERS=${BENCH_SNS_PUBLISHERS:-2}
MOTO=${BENCH_MOTO:-1}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-240}
BENCH_DIR=${BENCH_DIR:-build/bench}
KEEP=${BENCH_KEEP:-0}
AKID=AKIDBENCH
SECRET=benchsecret
SW=$BENCH_DIR/skywatch
RUN=$BENCH_DIR/sns.$$   # on the repository's disk, so fdatasync is real (not tmpfs)

log() { printf '[sns-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$BENCH_DIR" "$RUN"
log "building skywatch ($SW)"
make -s B="$BENCH_DIR" "$SW" -j"$(nproc)"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$KEEP" = 1 ] || rm -rf "$RUN"
}
trap cleanup EXIT

SW_PORT=$(free_port)
SKYWATCH_ROOT_ACCESS_KEY_ID=$AKID SKYWATCH_ROOT_SECRET_ACCESS_KEY=$SECRET \
  "$SW" serve --listen "127.0.0.1:$SW_PORT" --data "$RUN/data" 2>"$RUN/skywatch.log" >/dev/null &
PIDS+=($!)
MOTO_ARGS=()
if [ "$MOTO" = 1 ] && command -v moto_server >/dev/null; then
  MOTO_PORT=$(free_port)
  moto_server -p "$MOTO_PORT" >"$RUN/moto.log" 2>&1 &
  PIDS+=($!)
  MOTO_ARGS=(--moto "http://127.0.0.1:$MOTO_PORT")
fi
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$SW_PORT/" && { [ ${#MOTO_ARGS[@]} = 0 ] || curl -s -o /dev/null "${MOTO_ARGS[1]}/"; } && break
  sleep 0.1
done
log "fan-out: $MESSAGES messages x $SUBS subscribers, $PUBLISHERS publishers"
RESULT=$(timeout "$STEP_TIMEOUT" python3 bench/sns_fanout.py --endpoint "http://127.0.0.1:$SW_PORT" --key "$AKID" --secret "$SECRET" \
  --sub-port "$(free_port)" --subscribers "$SUBS" --messages "$MESSAGES" --publishers "$PUBLISHERS" "${MOTO_ARGS[@]}")
echo "$RESULT" | python3 -c 'import json,sys,platform,os; r=json.load(sys.stdin); r.update(date=os.popen("date -u +%F").read().strip(), cpus=os.cpu_count()); print(json.dumps(r))' \
  | tee -a "$BENCH_DIR/sns_results.jsonl"
