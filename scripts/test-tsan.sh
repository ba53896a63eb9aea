#!/usr/bin/env bash
# Runs the engine's thread hand-offs against the ThreadSanitizer build of the addon (built first
# when its sources changed): vitest.tsan.config.ts lists the files, chosen to drive every engine
# thread in about a minute. A report ends the vitest worker that made it, which fails the run.
# Extra arguments go to vitest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/build-sanitized.sh" thread

# Loaded by src-main/engine/native-engine.ts instead of the normal build; tests/sanitizer checks it.
export SOCKSCOPE_ADDON="$root/src-main/native/build-tsan/build/Release/sockscope_engine.node"
export SOCKSCOPE_SANITIZED=thread

# Node is not built with ThreadSanitizer, and its runtime must be in the process from the start, so
# it is preloaded, but only into the vitest workers that load the addon (vitest.tsan.config.ts
# passes it to them): vitest's own process runs Rust threads (rolldown) the runtime would watch
# and report to no purpose.
tsan_runtime="$(g++ -print-file-name=libtsan.so)"
if [[ ! -e "$tsan_runtime" ]]; then
  echo "test-tsan: g++ does not know libtsan.so (got \"$tsan_runtime\"); install its sanitizer runtime" >&2
  exit 1
fi
export SOCKSCOPE_TSAN_RUNTIME="$tsan_runtime"
# halt_on_error: the first report ends the worker (exit code 66), so it cannot scroll past unseen.
# The suppressions are for frames in Node, V8 and libuv only (each says why); never for the engine.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan-suppressions.txt${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

# In these workers the runtime mostly leaves the engine's frames as bare addresses ("<null> <null>
# (sockscope_engine.node+0xce206)"): its symbolizer does not resolve the addon Node loaded with
# dlopen. addr2line (binutils, with g++) turns each such frame into function, file and line.
symbolize() {
  local line where
  while IFS= read -r line; do
    if [[ "$line" =~ \<null\>\ \<null\>\ \(sockscope_engine\.node\+(0x[0-9a-f]+)\) ]]; then
      where="$(addr2line -Cfpe "$SOCKSCOPE_ADDON" "${BASH_REMATCH[1]}")"
      line="${line/<null> <null>/"$where"}"
    fi
    printf '%s\n' "$line"
  done
}

set -o pipefail
npx vitest run --config vitest.tsan.config.ts "$@" 2>&1 | symbolize
