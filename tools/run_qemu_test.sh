#!/usr/bin/env bash
# //:qemu's runner (tools/run-qemu.sh), given //:qemu's BUILD arguments ("$@"), with a stand-in
# qemu-system-riscv64 on PATH that prints the -kernel it was given: the default kernel boots without
# --kernel; `--kernel eager|isolated|ubsan` boots that variant, which //:qemu builds (it is in the
# runfiles), as does the README's `--kernel bazel-bin/kernel/kernel_eager`; a kernel that does not
# exist is refused with the variant names and exit status 2.
set -euo pipefail

runner=tools/run-qemu.sh
tmp=${TEST_TMPDIR:-$(mktemp -d)}
mkdir -p "$tmp/bin"
cat >"$tmp/bin/qemu-system-riscv64" <<'FAKE'
#!/usr/bin/env bash
while [[ $# -gt 0 ]]; do
  if [[ $1 == -kernel ]]; then echo "kernel=$2"; fi
  shift
done
FAKE
chmod +x "$tmp/bin/qemu-system-riscv64"
export PATH="$tmp/bin:$PATH"

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# The kernel the runner boots for the options given: the stand-in's "kernel=" line.
booted() {
  "$runner" "${build_args[@]}" "$@" </dev/null 2>"$tmp/stderr" | sed -n 's/^kernel=//p'
}

build_args=("$@")
[[ ${#build_args[@]} -gt 0 ]] || { echo "FAIL: no BUILD arguments"; exit 1; }

# The default kernel, and each variant by name: the ELF the BUILD arguments name, present.
expect_kernel() {  # expect_kernel RUNFILE [RUNNER-OPTIONS...]
  local want=$1
  shift
  [[ -f $want ]] || { fail "$want is not in //:qemu's runfiles"; return; }
  local got
  got=$(booted "$@")
  [[ $got == "$(realpath -s "$want")" ]] || fail "run-qemu $*: booted '$got', want $want ($(cat "$tmp/stderr"))"
}
expect_kernel kernel/kernel
for v in eager isolated ubsan; do
  expect_kernel "kernel/kernel_$v" --kernel "$v"
done

# The README's example: a path relative to where `bazel run` was started (the workspace root).
mkdir -p "$tmp/ws/bazel-bin/kernel"
ln -s "$(realpath kernel/kernel_eager)" "$tmp/ws/bazel-bin/kernel/kernel_eager"
got=$(BUILD_WORKING_DIRECTORY=$tmp/ws booted --harts 1 --kernel bazel-bin/kernel/kernel_eager)
[[ $got == "$tmp/ws/bazel-bin/kernel/kernel_eager" ]] || fail "README example booted '$got'"

# Neither a variant nor a file.
status=0
"$runner" "${build_args[@]}" --kernel nosuch </dev/null >/dev/null 2>"$tmp/stderr" || status=$?
[[ $status -eq 2 ]] || fail "--kernel nosuch: status $status, want 2"
grep -q "kernel '.*nosuch' does not exist (variants: eager|isolated|ubsan)" "$tmp/stderr" ||
  fail "--kernel nosuch: message '$(cat "$tmp/stderr")'"

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed"; exit 1; }
echo "all run-qemu checks passed"
