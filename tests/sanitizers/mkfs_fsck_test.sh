#!/usr/bin/env bash
# mkfs and fsck (as sanitized_test builds them: ASan + UBSan) on good images, on mkfs's error paths
# and on damaged images: every run must end with its documented status (0, 1 or 2) and without a
# sanitizer report. Usage: mkfs_fsck_test.sh MKFS FSCK
set -uo pipefail

mkfs=$1
fsck=$2
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run WANT_STATUS LOG_NAME COMMAND...: runs the command, checks its status and that no sanitizer
# reported anything (reports go to stderr, which is kept in $tmp/LOG_NAME.err).
run() {
  local want=$1 name=$2
  shift 2
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  local status=$?
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/$name.err"; then
    fail "$name: sanitizer report from: $*"
    cat "$tmp/$name.err" >&2
    return
  fi
  if [[ $want != any && $status -ne $want ]]; then
    fail "$name: status $status, expected $want, from: $*"
    cat "$tmp/$name.out" "$tmp/$name.err" >&2
  elif [[ $want == any && $status -gt 2 ]]; then
    fail "$name: status $status (crash?), from: $*"
    cat "$tmp/$name.out" "$tmp/$name.err" >&2
  fi
}

# Inputs: empty, small, one that needs the indirect block, and many little files.
: >"$tmp/empty"
echo "hello from the sanitized mkfs" >"$tmp/small"
head -c 200000 /dev/zero | tr '\0' 'x' >"$tmp/big"
inputs=("empty=$tmp/empty" "small=$tmp/small" "big=$tmp/big")
for i in $(seq 1 40); do
  echo "file $i" >"$tmp/f$i"
  inputs+=("f$i=$tmp/f$i")
done

run 0 mkfs_good "$mkfs" --size 2000 --ninodes 64 "$tmp/good.img" "${inputs[@]}"
run 0 fsck_good "$fsck" "$tmp/good.img"
grep -q '^fsck: OK' "$tmp/fsck_good.out" || fail "fsck_good: no 'fsck: OK' line"
run 0 fsck_good_replay "$fsck" --replay "$tmp/good.img"

# mkfs's errors: status 1, no output image.
run 1 mkfs_too_many "$mkfs" --size 2000 --ninodes 8 "$tmp/bad1.img" "${inputs[@]}"
head -c 300000 /dev/zero >"$tmp/huge"
run 1 mkfs_too_big "$mkfs" "$tmp/bad2.img" "huge=$tmp/huge"
run 1 mkfs_missing_input "$mkfs" "$tmp/bad3.img" "nothing=$tmp/does-not-exist"
run 1 mkfs_bad_option "$mkfs" --size banana "$tmp/bad4.img"
run 1 mkfs_no_output "$mkfs"
for img in bad1 bad2 bad3 bad4; do
  [[ ! -e $tmp/$img.img ]] || fail "mkfs left $img.img behind after an error"
done

# fsck's usage errors: status 2.
run 2 fsck_no_args "$fsck"
run 2 fsck_missing_image "$fsck" "$tmp/does-not-exist.img"

# Damaged copies of the good image: fsck must find the damage (status 1 or 2) or accept it (0),
# never crash or touch memory it should not. Block 1 is the superblock; the rest are log, inodes,
# bitmap and data depending on the layout, which is the point: garbage everywhere.
ff_block() { head -c 1024 /dev/zero | tr '\0' '\377'; }
text_block() { head -c 1024 "$tmp/big" | tr 'x' 'Q'; }
for block in 1 2 3 20 30 32 33 34 35 40 45 50 60 100; do
  for pattern in ff text; do
    img="$tmp/damaged_${block}_$pattern.img"
    cp "$tmp/good.img" "$img"
    "${pattern}_block" | dd of="$img" bs=1024 seek="$block" conv=notrunc status=none
    run any "fsck_damaged_${block}_$pattern" "$fsck" "$img"
    run any "fsck_replay_damaged_${block}_$pattern" "$fsck" --replay "$img"
  done
done
run 1 fsck_superblock_ff "$fsck" "$tmp/damaged_1_ff.img"

# Truncated images.
for bytes in 0 100 1024 2048 30000; do
  head -c "$bytes" "$tmp/good.img" >"$tmp/short_$bytes.img"
  run any "fsck_truncated_$bytes" "$fsck" "$tmp/short_$bytes.img"
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "mkfs_fsck_test: all checks passed"
