#!/usr/bin/env bash
# deps.sh -- installs the Debian packages skywatch needs to build (and, with --test, to test and
# benchmark); idempotent: a package is installed only when what it provides is missing.
set -euo pipefail
# Each entry: PACKAGE:CHECK, where CHECK is a file that the package provides (a header or a program).
BUILD="gcc:/usr/bin/gcc make:/usr/bin/make libmicrohttpd-dev:/usr/include/microhttpd.h
       libjansson-dev:/usr/include/jansson.h libssl-dev:/usr/include/openssl/evp.h zlib1g-dev:/usr/include/zlib.h
       libpcre2-dev:/usr/include/pcre2.h libzstd-dev:/usr/include/zstd.h liblz4-dev:/usr/include/lz4.h libdeflate-dev:/usr/include/libdeflate.h
       libcurl4-openssl-dev:/usr/include/x86_64-linux-gnu/curl/curl.h"
TEST="clang:/usr/bin/clang libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
      awscli:/usr/bin/aws curl:/usr/bin/curl"
want="$BUILD"
[ "${1:-}" = "--test" ] && want="$BUILD $TEST"
missing=()
for entry in $want; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
# Node.js may come from Debian or from the machine image (which bundles npm); only install when absent.
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
