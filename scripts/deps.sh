#!/usr/bin/env bash
# deps.sh -- installs the Debian packages skywatch needs to build, test and benchmark; idempotent.
set -euo pipefail
BUILD="gcc make libmicrohttpd-dev libjansson-dev libssl-dev zlib1g-dev"
TEST="clang libclang-rt-14-dev awscli curl nodejs npm"
want="$BUILD"
[ "${1:-}" = "--test" ] && want="$BUILD $TEST"
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
