#!/usr/bin/env bash
# Starts run-qemu.sh --gdb (a free port) on the debug kernel, waits for the gdb command file it
# writes, and runs gdb-multiarch in batch mode with it: break at main, then at userinit, go up to
# main's frame and print its local `hart`. Passes if gdb shows hart's value (0; the -O2 kernel
# says <optimized out>), knows the source file, and says nothing on stderr (no warning).
set -euo pipefail
run_qemu=$1 kernel=$2 fs=$3
tmp=${TEST_TMPDIR:-$(mktemp -d)}
gdbinit=$tmp/lazyv6.gdb

fail() {
  echo "gdb_test: $*" >&2
  echo "--- run-qemu:" >&2
  cat "$tmp/qemu.out" >&2 || true
  exit 1
}

"$run_qemu" --gdb --gdbinit "$gdbinit" --harts 1 --kernel "$kernel" --fs "$fs" \
  </dev/null >"$tmp/qemu.out" 2>&1 &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true' EXIT

# The command file appears just before QEMU listens; gdb retries until the stub answers.
for ((i = 0; i < 600; i++)); do
  [[ -s $gdbinit ]] && break
  kill -0 "$qemu_pid" 2>/dev/null || fail "run-qemu.sh exited"
  sleep 0.1
done
[[ -s $gdbinit ]] || fail "no gdb command file $gdbinit"
port=$(sed -n 's/^target remote 127.0.0.1:\([0-9]\+\)$/\1/p' "$gdbinit")
[[ -n $port ]] || fail "no port in $gdbinit"
grep -q "port $port" "$tmp/qemu.out" || fail "run-qemu.sh did not announce port $port"

# gdb wants a home for its index cache (a test's environment has none).
export HOME=$tmp
for ((try = 0; try < 60; try++)); do
  status=0
  gdb-multiarch -nx -batch -x "$gdbinit" -ex 'break main' -ex 'continue' -ex 'break userinit' \
    -ex 'continue' -ex 'up' -ex 'print hart' -ex 'info source' -ex 'kill' >"$tmp/gdb.out" 2>"$tmp/gdb.err" ||
    status=$?
  grep -q "Connection refused" "$tmp/gdb.err" || break
  sleep 0.5
done
cat "$tmp/gdb.out"
[[ $status -eq 0 ]] || fail "gdb exited with $status: $(cat "$tmp/gdb.err")"
[[ ! -s $tmp/gdb.err ]] || fail "gdb printed on stderr: $(cat "$tmp/gdb.err")"
grep -q '^Breakpoint 1, main () at \(\./\)\?kernel/main.cc' "$tmp/gdb.out" || fail "no stop at main"
grep -qx '\$1 = 0' "$tmp/gdb.out" || fail "hart is not shown as 0"
grep -q '^Current source file is \(\./\)\?kernel/main.cc' "$tmp/gdb.out" || fail "no source file"
echo "gdb_test: PASS (port $port)"
