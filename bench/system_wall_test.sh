#!/usr/bin/env bash
# End-to-end test of //bench:system_wall: one round of boots only (both kernels, one after the
# other) and the shape of the table it prints -- never its timings; bad flags exit with status 2
# and the usage line before anything boots; and, against a stand-in for QEMU, the usertests rows,
# the alternating order, and a clear failure on SOME TESTS FAILED or a timeout.
# Usage: system_wall_test.sh BINARY --kernel=... --kernel_isolated=... --fs=...
set -uo pipefail

bin=$1
shift
paths=("$@") # --kernel, --kernel_isolated, --fs as the BUILD passes them
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_usage_error ERROR_TEXT ARGS...: exit status 2, nothing on stdout, and on stderr exactly
# "system_wall: ...ERROR_TEXT..." and the usage line.
expect_usage_error() {
  local want=$1
  shift
  "$bin" "${paths[@]}" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
  local status=$?
  [[ $status -eq 2 ]] || fail "$*: status $status, expected 2"
  [[ ! -s $tmp/bad.out ]] || fail "$*: wrote to stdout"
  [[ $(wc -l <"$tmp/bad.err") -eq 2 ]] || fail "$*: want 2 lines on stderr"
  grep -q "^system_wall: .*$want" "$tmp/bad.err" || fail "$*: no error '$want'"
  grep -q '^usage: bazel run //bench:system_wall -- ' "$tmp/bad.err" || fail "$*: no usage line"
  cat "$tmp/bad.err" >&2
}

expect_usage_error "bad --rounds='0'" --rounds 0
expect_usage_error "bad --harts='x'" --harts x
expect_usage_error "bad --only='all'" --only all
expect_usage_error "unknown flag '--frob'" --frob=1
expect_usage_error "'--rounds' needs a value" --rounds

"$bin" --help >"$tmp/help.out" 2>&1 || fail "--help: status $?"
head -1 "$tmp/help.out" | grep -q '^usage: bazel run //bench:system_wall' || fail "--help: no usage"

# One round, boots only.
"$bin" "${paths[@]}" --rounds 1 --only boot >"$tmp/run.out" 2>"$tmp/run.err"
status=$?
cat "$tmp/run.out" "$tmp/run.err" >&2
[[ $status -eq 0 ]] || fail "run: status $status"
num='[0-9]+\.[0-9]{3}'
expected=(
  '^system_wall: wall-clock seconds on the host, 1 round, 3 harts, 128 MiB; '
  '^host load average \(1 min\): [0-9.?]+ at start, [0-9.?]+ at end, [0-9]+ host CPUs$'
  '^$'
  '^measure +model +runs +median s +min s +max s +isolated/shared$'
  "^boot +shared +1 +$num +$num +$num\$"
  "^boot +isolated +1 +$num +$num +$num +$num\$"
)
mapfile -t lines <"$tmp/run.out"
[[ ${#lines[@]} -eq ${#expected[@]} ]] || fail "run: ${#lines[@]} lines on stdout, want ${#expected[@]}"
for i in "${!expected[@]}"; do
  [[ ${lines[$i]-} =~ ${expected[$i]} ]] || fail "run: line $((i + 1)) '${lines[$i]-}' !~ ${expected[$i]}"
done
# One run per model, each of its median, min and max the same number; shared went first.
for model in shared isolated; do
  read -r _ _ _ med min max _ < <(grep -E "^boot +$model " "$tmp/run.out")
  [[ $med == "$min" && $med == "$max" ]] || fail "run: $model: one run, but $med $min $max"
done
grep -q '^\[system_wall\] shared, round 1/1: boot ' "$tmp/run.err" || fail "run: no shared boot"
grep -q '^\[system_wall\] isolated, round 1/1: boot ' "$tmp/run.err" || fail "run: no isolated boot"
first=$(grep -m1 -oE '^\[system_wall\] (shared|isolated), round 1/1' "$tmp/run.err")
[[ $first == "[system_wall] shared, round 1/1" ]] || fail "run: round 1 must start with shared"
grep -q 'usertests' "$tmp/run.err" && fail "run: --only boot ran usertests"

# The usertests path against a stand-in for QEMU ($LAZYV6_QEMU) that boots to a prompt at once and
# answers `usertests -q` as $FAKE_USERTESTS says: pass, fail, or hang (timeouts scaled down).
fake=$tmp/fake_qemu.sh
cat >"$fake" <<'FAKE'
#!/bin/bash
printf 'lazyv6 kernel is booting\nhart 2 starting\nhart 1 starting\nhart 0 starting\n'
printf 'init: starting sh\n$ '
while IFS= read -r line; do
  [[ $line == "usertests -q" ]] || continue
  case "$FAKE_USERTESTS" in
    pass) printf 'usertests starting\nALL TESTS PASSED\n$ ' ;;
    fail) printf 'usertests starting\ntest x: FAILED\nSOME TESTS FAILED\n$ ' ;;
  esac
done
exec sleep 1000
FAKE
chmod +x "$fake"

FAKE_USERTESTS=pass LAZYV6_QEMU=$fake "$bin" "${paths[@]}" --rounds 2 --harts 3 --only usertests \
  >"$tmp/pass.out" 2>"$tmp/pass.err"
status=$?
[[ $status -eq 0 ]] || fail "fake pass: status $status"
[[ $(grep -cE "^usertests +(shared|isolated) +2 +$num" "$tmp/pass.out") -eq 2 ]] ||
  fail "fake pass: want a usertests row per model with 2 runs"
grep -qE "^usertests +isolated .* $num\$" "$tmp/pass.out" || fail "fake pass: no ratio"
grep -q '^boot ' "$tmp/pass.out" && fail "fake pass: --only usertests reported boots"
# Rounds alternate which model goes first.
order=$(grep -oE '^\[system_wall\] (shared|isolated), round [12]/2 \.\.\.' "$tmp/pass.err" | cut -d' ' -f2)
[[ $(echo $order) == "shared, isolated, isolated, shared," ]] || fail "fake pass: order $(echo $order)"
cat "$tmp/pass.out" >&2

FAKE_USERTESTS=fail LAZYV6_QEMU=$fake "$bin" "${paths[@]}" --rounds 1 >"$tmp/fail.out" 2>"$tmp/fail.err"
status=$?
[[ $status -eq 1 ]] || fail "fake fail: status $status, expected 1"
[[ ! -s $tmp/fail.out ]] || fail "fake fail: printed a table"
grep -q "^system_wall: shared, round 1/1: usertests ended with 'SOME TESTS FAILED' (console log: " \
  "$tmp/fail.err" || fail "fake fail: no clear message"

FAKE_USERTESTS=hang LAZYV6_TIMEOUT_SCALE=0.01 LAZYV6_QEMU=$fake "$bin" "${paths[@]}" --rounds 1 \
  >"$tmp/hang.out" 2>"$tmp/hang.err"
status=$?
[[ $status -eq 1 ]] || fail "fake hang: status $status, expected 1"
grep -q "^system_wall: shared, round 1/1: usertests did not finish: " "$tmp/hang.err" ||
  fail "fake hang: no clear message"
grep -hv '^\[qemu\]' "$tmp/fail.err" "$tmp/hang.err" >&2

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo PASS
