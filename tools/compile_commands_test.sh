#!/usr/bin/env bash
# The database //tools:compile_commands writes loads in clangd 19 and clangd 14. The generator runs
# as users run it, but on a private Bazel (batch mode, its own output root under TEST_TMPDIR, so
# the caller's server and convenience symlinks are untouched) and only for the targets checked here.
# Then `clangd --check` on a kernel file and a user C file must load the database, find an entry
# (no generic fallback command) and report no error diagnostic. clangd's "tweak" self-tests
# report failures as errors too; those are not about the database and are not counted.
set -euo pipefail

ws=$(dirname "$(dirname "$(readlink -f "$0")")")
tmp=${TEST_TMPDIR:-$(mktemp -d)}
db=$tmp/db
mkdir -p "$db"

python3 "$ws/tools/compile_commands.py" --output="$db/compile_commands.json" \
  --targets='//kernel:kernel + //user:xv6c' \
  --startup=--batch --startup=--output_user_root="$tmp/bazel" \
  --experimental_convenience_symlinks=ignore 2>"$tmp/generator.log" ||
  { cat "$tmp/generator.log"; echo "FAIL: the generator failed"; exit 1; }

files=(kernel/kstring.cc user/xv6c.c)
clangds=(/usr/lib/llvm-19/bin/clangd /usr/bin/clangd-14)
failures=0
for clangd in "${clangds[@]}"; do
  [[ -x $clangd ]] || { echo "FAIL: $clangd is missing (packages clangd-19, clangd-14)"; exit 1; }
  for f in "${files[@]}"; do
    log=$tmp/$(basename "$clangd").$(basename "$f").log
    # The exit status counts tweak failures too: the log decides.
    (cd "$ws" && "$clangd" --check="$ws/$f" --compile-commands-dir="$db") >"$log" 2>&1 || true
    problems=$(grep -E 'Failed to load compilation database|Failed to find compilation database|Generic fallback command|^E\[[^]]*\] \[[^]]*\] Line [0-9]+:' "$log" || true)
    if ! grep -q "Loaded compilation database from $db" "$log"; then
      problems+=$'\n'"no 'Loaded compilation database from $db'"
    fi
    if [[ -n ${problems//$'\n'/} ]]; then
      echo "FAIL $clangd --check=$f:"
      echo "$problems"
      failures=$((failures + 1))
    else
      echo "ok   $clangd --check=$f"
    fi
  done
done
[[ $failures -eq 0 ]] || { echo "$failures check(s) failed"; exit 1; }
echo "all clangd checks passed"
