#!/usr/bin/env bash
# run.sh -- installs what is missing, builds, and starts `skywatch serve` on loopback.
# Extra arguments go to serve, e.g.: bash scripts/run.sh --listen 127.0.0.1:4590 --data ./skywatch-data
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
make -s -j"$(nproc)"
exec ./build/skywatch serve "$@"
