#!/usr/bin/env bash
# The listings next to the ELFs: kernel.asm interleaves kernel/main.cc with main's instructions,
# kernel.sym lists main at the same address, and a C program (hello_c) has its listing too.
# Arguments: kernel.asm kernel.sym hello_c.asm hello_c.sym (in any order).
set -euo pipefail

fail() {
  echo "listing_test: $*" >&2
  exit 1
}

for f in "$@"; do
  case $f in
    */kernel.asm) kernel_asm=$f ;;
    */kernel.sym) kernel_sym=$f ;;
    */hello_c.asm) prog_asm=$f ;;
  esac
done
[[ -n ${kernel_asm:-} && -n ${kernel_sym:-} && -n ${prog_asm:-} ]] || fail "missing listings in: $*"

addr=$(sed -n 's/^\([0-9a-f]\+\) <_Z4mainv>:$/\1/p' "$kernel_asm")
[[ -n $addr ]] || fail "no main in $kernel_asm"
grep -q '^; .*kinit(' "$kernel_asm" || fail "no kernel/main.cc source lines in $kernel_asm"
grep -qx "$addr main()" "$kernel_sym" || fail "$kernel_sym lacks '$addr main()'"
grep -q '^[0-9a-f]\+ <main>:$' "$prog_asm" || fail "no main in $prog_asm"
grep -q '^;   printf("hello from C' "$prog_asm" || fail "no hello_c.c source lines in $prog_asm"
echo "listing_test: PASS"
