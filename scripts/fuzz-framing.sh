#!/usr/bin/env bash
# Builds the frame parser's libFuzzer target (src-main/native/fuzz/framing_fuzz.cc) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into src-main/native/build-fuzz/, then runs it
# from the seed corpus in the repository. Arguments go to libFuzzer; without any it runs for 60 s.
#   scripts/fuzz-framing.sh                         # a minute of fuzzing
#   scripts/fuzz-framing.sh -runs=200000 -seed=1   # the bounded run the test suite makes
# Needs clang++ and its runtime libraries (Debian: clang libclang-rt-dev).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
native="$root/src-main/native"
out="$native/build-fuzz"
binary="$out/framing_fuzz"
mkdir -p "$out/corpus"

sources=("$native/fuzz/framing_fuzz.cc" "$native/src/framing.cc")
if [[ ! -x "$binary" || -n "$(find "${sources[@]}" "$native/src/framing.h" -newer "$binary" 2>/dev/null)" ]]; then
  clang++ -std=c++20 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "${sources[@]}" -o "$binary"
fi

if [[ $# -eq 0 ]]; then set -- -max_total_time=60; fi
# New inputs go to the scratch corpus in the build folder, and a crashing input beside it as
# crash-*; the seeds in the repository are only read.
exec "$binary" -artifact_prefix="$out/" "$@" "$out/corpus" "$native/fuzz/corpus/framing"
