#!/usr/bin/env bash
# Runs the fsck libFuzzer target: fsck_fuzz_test.sh FUZZER [libFuzzer flags...]
# The corpus starts from two seeds (the valid base image, and an empty raw image) and lives in
# $TEST_TMPDIR; a crashing input is saved to the test's undeclared outputs. Prints libFuzzer's
# final figures: runs, coverage (cov/ft), corpus size, executions per second.
set -euo pipefail

fuzzer="$1"
shift
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-$tmp}"
corpus="$tmp/corpus"
mkdir -p "$corpus"
printf '\x01' > "$corpus/base_image"      # odd mode, no patches: the valid base image
printf '\x00' > "$corpus/empty_image"     # even mode: a zero-length image
printf '\x01\x00\x04\x00\x04\xff\xff\xff\xff' > "$corpus/patched_size"  # superblock size = ~0

log="$tmp/fuzz.log"
status=0
"$fuzzer" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "$corpus" > "$log" 2>&1 || status=$?

# libFuzzer's summary lines, then the verdict.
grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|INFO: Seed|==[0-9]+==ERROR|SUMMARY|fsck_fuzzer:)' "$log" || true
if [[ $status -ne 0 ]]; then
  echo "fsck_fuzz_test: the fuzzer failed (status $status); the log follows, crash inputs in $artifacts" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
echo "fsck_fuzz_test: OK"
