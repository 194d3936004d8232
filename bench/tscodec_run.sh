#!/usr/bin/env bash
# tscodec_run.sh -- issue 3's storage comparison, one run: skywatch's series block codec (bench/tscodec_bench.c)
# against VictoriaMetrics from Debian on the same samples (SERIES series x 1 day at 10 s, two shapes).
# VictoriaMetrics' disk is measured after a clean shutdown (its force-flush writes nothing in 1.79).
# Knobs: TSC_SERIES (codec, default 10000), TSC_VM_SERIES (VictoriaMetrics, default 1000: the import file is
# ~32 bytes per sample). Needs: apt-get install -y victoria-metrics. Prints JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${TSC_SERIES:-10000}
VM_SERIES=${TSC_VM_SERIES:-1000}
DIR=${BENCH_DIR:-build/bench}/tscodec.$$
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Isrc bench/tscodec_bench.c src/tscodec.c src/buf.c src/alloc.c src/crc32c.c \
    -lzstd -lm -o "$DIR/tscodec_bench"
for shape in full dec2; do
    "$DIR/tscodec_bench" --series "$SERIES" --shape "$shape"
    command -v victoria-metrics >/dev/null || { echo '{"bench":"victoria-metrics","skipped":"not installed"}'; continue; }
    "$DIR/tscodec_bench" --series "$VM_SERIES" --shape "$shape" --vm-import "$DIR/import.jsonl" >/dev/null
    port=$((20000 + RANDOM % 20000))
    victoria-metrics -storageDataPath "$DIR/vm-$shape" -httpListenAddr "127.0.0.1:$port" -retentionPeriod 100y \
        -loggerLevel ERROR >"$DIR/vm.log" 2>&1 &
    vm=$!
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done
    cpu0=$(awk '{print $14+$15}' "/proc/$vm/stat")
    t0=$(date +%s.%N)
    curl -sf --data-binary @"$DIR/import.jsonl" "http://127.0.0.1:$port/api/v1/import"
    t1=$(date +%s.%N)
    cpu1=$(awk '{print $14+$15}' "/proc/$vm/stat")
    kill -TERM "$vm"; wait "$vm" || true
    samples=$((VM_SERIES * 8640))
    total=$(du -sb "$DIR/vm-$shape" | cut -f1)
    data=$(du -sb "$DIR/vm-$shape/data" | cut -f1)
    python3 -c 'import json,sys; s,sh,tot,dat,sec,cpu=sys.argv[1:]; s=int(s)
print(json.dumps({"bench":"victoria-metrics","shape":sh,"samples":s,"bytes_total":int(tot),"bytes_per_sample_total":round(int(tot)/s,3),
 "bytes_per_sample_data":round(int(dat)/s,3),"import_samples_per_s":round(s/float(sec)),"import_cpu_us_per_sample":round(float(cpu)*1e4/s,3)}))' \
        "$samples" "$shape" "$total" "$data" "$(echo "$t1 - $t0" | bc -l)" "$((cpu1 - cpu0))"
    rm -rf "$DIR/vm-$shape" "$DIR/import.jsonl"
done
# VictoriaMetrics keeps 12 significant digits of a full-precision value (its export returns 99.9455677776 for
# 99.94556777764635): the codec on the same values rounded so, for a like-for-like figure.
"$DIR/tscodec_bench" --series "$SERIES" --shape sig12
