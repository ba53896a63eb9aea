#!/usr/bin/env bash
# Runs the native behaviour suite and tests/sanitizer against the AddressSanitizer +
# UndefinedBehaviorSanitizer build of the addon (built first when its sources changed). A sanitizer
# report aborts the vitest worker that made it, which fails the run. Arguments: test files to run
# instead of all of them, then vitest's options.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/build-sanitized.sh"

# Loaded by src-main/engine/native-engine.ts instead of the normal build; tests/sanitizer checks it.
export SOCKSCOPE_ADDON="$root/src-main/native/build-asan/build/Release/sockscope_engine.node"
export SOCKSCOPE_SANITIZED=1

# Node itself is not built with ASan, and the ASan runtime must be the first library in the
# process, so it is preloaded into node and the vitest workers it forks (they inherit the
# environment). GCC keeps UBSan in libubsan, which the addon pulls in as a dependency when it loads.
asan_runtime="$(g++ -print-file-name=libasan.so)"
if [[ ! -e "$asan_runtime" ]]; then
  echo "test-sanitized: g++ does not know libasan.so (got \"$asan_runtime\"); install its sanitizer runtime" >&2
  exit 1
fi
export LD_PRELOAD="$asan_runtime${LD_PRELOAD:+ $LD_PRELOAD}"
# No leak detection: Node and V8 leave their own allocations for the exit to free, and LeakSanitizer
# would report all of them. Use-after-free, overflows and the like abort the worker at once.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Test files or folders given first narrow the run to them (npm run test:sanitized -- tests/native/chat.test.ts);
# options (-t NAME, ...) go to vitest either way.
targets=(tests/native tests/sanitizer)
if [[ $# -gt 0 && "$1" != -* ]]; then
  targets=()
  while [[ $# -gt 0 && "$1" != -* ]]; do
    targets+=("$1")
    shift
  done
fi
exec npx vitest run "${targets[@]}" "$@"
