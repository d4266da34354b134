#!/usr/bin/env bash
# //tools:coverage on a tiny run: the summary lists kernel/vm.cc with some lines covered, the total
# is above zero, and genhtml wrote its index.
set -euo pipefail
script=$1
shift
out=${TEST_UNDECLARED_OUTPUTS_DIR:-$(mktemp -d)}/kernel_coverage
"$script" "$@" --tiny --out "$out"

fail() {
  echo "coverage_test: $*" >&2
  exit 1
}

read -r hit found < <(awk '$1 == "kernel/vm.cc" {print $2, $4}' "$out/summary.txt")
[[ -n ${hit:-} ]] || fail "kernel/vm.cc is not in $out/summary.txt"
((hit > 0 && hit <= found)) || fail "kernel/vm.cc: $hit of $found lines covered"
read -r total_hit < <(awk '$1 == "total" {print $2}' "$out/summary.txt")
((total_hit > 0)) || fail "no kernel line covered"
grep -q "vm.cc" "$out/html/index.html" "$out"/html/kernel/index.html ||
  fail "genhtml's report does not list vm.cc"
echo "coverage_test: PASS (kernel/vm.cc $hit/$found lines)"
