#!/usr/bin/env bash
# The repository documents itself: no project file cites the internal `shared/*.md` documents (a
# clone does not have them); docs/design.md has the sections the README and comments point to; and
# its cost table carries the same figures as the README's benchmark table. Runs on the workspace
# itself (found through this script's runfile link), so it is a local test.
set -euo pipefail

ws=$(dirname "$(dirname "$(readlink -f "$0")")")
design=$ws/docs/design.md
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

cited=$(cd "$ws" && grep -rIlE 'shared/[A-Za-z0-9_.-]+\.md' . \
  --exclude-dir='bazel-*' --exclude-dir=.git --exclude=compile_commands.json || true)
[[ -z $cited ]] || fail "files citing shared/*.md: $(echo $cited)"

if [[ ! -f $design ]]; then
  fail "docs/design.md is missing"
else
  for section in "Address-space layout" "Lazy allocation: the invariants" "Fault kinds" "Costs" \
    "Trap models"; do
    grep -qx "## $section" "$design" || fail "docs/design.md has no section '## $section'"
  done
  # The cost rows (path | lazyv6 | target | upstream) must agree with the README's.
  rows() { grep -E '^\| (one lazy page fault|`getpid`|lazy `sbrk`|eager `sbrk`|shrinking|freeing)' "$1"; }
  [[ $(rows "$design" | wc -l) -eq 6 ]] || fail "docs/design.md: want 6 cost rows"
  diff <(rows "$ws/README.md") <(rows "$design") >/dev/null ||
    fail "docs/design.md's cost table differs from README's: $(diff <(rows "$ws/README.md") <(rows "$design"))"
fi
grep -q 'docs/design.md' "$ws/README.md" || fail "README.md does not point to docs/design.md"

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed"; exit 1; }
echo "the repository documents itself"
