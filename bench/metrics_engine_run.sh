#!/usr/bin/env bash
# metrics_engine_run.sh -- issue 3's storage-engine figures in one run (bench/metrics_engine_bench.c): ingest
# through sw_metrics_put (samples/s, CPU per sample), bytes per sample on disk after a clean stop and after the
# day's head files are merged, start-up time and RSS of the directory, for both shapes. The data directory is
# on the repository's disk (real fsync). Knobs: ENGINE_SERIES (default 10000; 11574 gives 100 million samples),
# ENGINE_THREADS (4). Prints JSON lines, also appended to build/bench/results.jsonl. About 3-4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
SERIES=${ENGINE_SERIES:-10000}
THREADS=${ENGINE_THREADS:-4}
# Its own build directory: other benchmarks build build/bench, and may run at the same time.
make -s B=build/engine -j2 build/engine/skywatch
mkdir -p build/bench
DIR=build/bench/engine.$$
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -pthread bench/metrics_engine_bench.c \
    $(ls build/engine/obj/*.o | grep -v '/main.o$') -lmicrohttpd -ljansson -lcurl -lcrypto -lz -ldeflate -lzstd -llz4 \
    -lpcre2-8 -lm -pthread -o "$DIR/metrics_engine_bench"
for shape in full dec2; do
    rm -rf "$DIR/data"
    "$DIR/metrics_engine_bench" --dir "$DIR/data" --series "$SERIES" --shape "$shape" --threads "$THREADS" 2>"$DIR/stderr.log" |
        tee -a build/bench/results.jsonl
done
