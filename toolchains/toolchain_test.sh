#!/usr/bin/env bash
# Checks that each ELF given on the command line came out of the lazyv6 RISC-V toolchain:
# a static ELF64 RISC-V executable (RVC, double-float ABI), compiled by Clang 19 and linked by
# LLD 19 (.comment), with a symbol table and debug info left in for gdb.
set -euo pipefail

readelf=/usr/lib/llvm-19/bin/llvm-readelf
[[ -x $readelf ]] || { echo "FAIL: $readelf is missing (package llvm-19)"; exit 1; }
[[ $# -gt 0 ]] || { echo "FAIL: no ELF files given"; exit 1; }

failures=0
check() {  # check ELF DESCRIPTION TEXT PATTERN
  if grep -qE -- "$4" <<<"$3"; then
    echo "ok   $1: $2"
  else
    echo "FAIL $1: $2 (no match for '$4')"
    failures=$((failures + 1))
  fi
}

for elf in "$@"; do
  [[ -f $elf ]] || { echo "FAIL $elf: missing"; failures=$((failures + 1)); continue; }
  header=$("$readelf" --file-header "$elf")
  check "$elf" "ELF64" "$header" '^ *Class: +ELF64$'
  check "$elf" "machine RISC-V" "$header" '^ *Machine: +RISC-V$'
  check "$elf" "executable" "$header" '^ *Type: +EXEC '
  check "$elf" "RVC, double-float ABI" "$header" '^ *Flags: .*RVC, double-float ABI'

  comment=$("$readelf" --string-dump=.comment "$elf" 2>&1)
  check "$elf" "compiled by Clang 19" "$comment" 'clang version 19\.'
  check "$elf" "linked by LLD 19" "$comment" 'LLD 19\.'

  sections=$("$readelf" --section-headers "$elf")
  check "$elf" "static (no .interp/.dynamic)" "$(grep -cE ' \.(interp|dynamic) ' <<<"$sections" || true)" '^0$'
  check "$elf" "symbol table kept" "$sections" ' \.symtab '
  check "$elf" "debug info kept" "$sections" ' \.debug_info '
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed for $# ELF file(s)"
