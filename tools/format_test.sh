#!/usr/bin/env bash
# Every C/C++ file of the repository is formatted as the repository's .clang-format says
# (clang-format-19 --dry-run -Werror). Names each file that differs and how many places differ; fix
# with `clang-format-19 -i FILE`. Runs on the workspace itself (found through this script's runfile
# link), so it is a local test: the file list is `git ls-files`, or a find outside a git checkout.
set -euo pipefail

ws=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$ws"
command -v clang-format-19 >/dev/null ||
  { echo "FAIL: clang-format-19 not found (Debian package clang-format-19; ./bazelw installs it)"; exit 1; }

patterns=('*.c' '*.cc' '*.h')
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- "${patterns[@]}")
else
  mapfile -t files < <(find . -path './bazel-*' -prune -o -type f \
    \( -name '*.c' -o -name '*.cc' -o -name '*.h' \) -print | sed 's|^\./||' | sort)
fi
[[ ${#files[@]} -gt 0 ]] || { echo "FAIL: no C/C++ files found under $ws"; exit 1; }

bad=0
for f in "${files[@]}"; do
  [[ -f $f ]] || continue # deleted but not yet committed
  n=$(clang-format-19 --dry-run "$f" 2>&1 | grep -c 'warning:' || true)
  if [[ $n -gt 0 ]]; then
    echo "FAIL: $f: $n places differ from .clang-format"
    bad=$((bad + 1))
  fi
done
echo "format_test: ${#files[@]} files checked, $bad not formatted"
[[ $bad -eq 0 ]]
