#!/usr/bin/env bash
# Runs every fuzzer for real (clang, libFuzzer, ASan + UBSan) for a bounded
# time, starting from its committed corpus: CI's guard that the parsers stay
# clean. New inputs go to a scratch copy; a crash fails the run and leaves
# its input under the build directory to commit into the corpus with the fix.
#
#   tests/fuzz/run_bounded.sh [TOTAL_SECONDS]   (default 60, shared by all targets)
set -euo pipefail
cd "$(dirname "$0")/../.."
total=${1:-60}
build=${PARROT_FUZZ_BUILD_DIR:-build-fuzz}
# -g1: crash traces keep file and line; full debug info only costs build time.
# -O1, as libFuzzer's documentation builds: less compile time than -O2, and
# the sanitizers check the same.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DBUILD_TESTING=ON -DPARROT_FUZZ=ON -DPARROT_SANITIZE="address;undefined" >/dev/null
targets=()
for source in tests/fuzz/*_fuzzer.cpp; do targets+=("$(basename "$source" .cpp)"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null
per_target=$(( total / ${#targets[@]} ))
[ "$per_target" -ge 1 ] || per_target=1
status=0
for target in "${targets[@]}"; do
  name=${target%_fuzzer}
  scratch="$build/fuzz-scratch/$name"
  mkdir -p "$scratch" "$build/fuzz-crashes"
  cp -n tests/fuzz/corpus/"$name"/* "$scratch"/ 2>/dev/null || true
  if "$build/tests/$target" -max_total_time="$per_target" -print_final_stats=1 -artifact_prefix="$build/fuzz-crashes/$name-" \
       "$scratch" >"$build/fuzz-scratch/$name.log" 2>&1; then
    echo "fuzz $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$build/fuzz-scratch/$name.log" | grep -o '[0-9]*' || echo '?') runs in ${per_target}s, clean"
  else
    echo "fuzz $name: FAILED, see $build/fuzz-scratch/$name.log and $build/fuzz-crashes/"
    tail -30 "$build/fuzz-scratch/$name.log"
    status=1
  fi
done
exit $status
