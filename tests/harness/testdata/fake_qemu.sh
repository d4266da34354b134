#!/bin/bash
# Stands in for qemu-system-riscv64 in harness_test (no QEMU or kernel needed). It prints its pid
# and arguments, then answers console lines:
#   exit N       exit with status N              hang       stop reading and sleep
#   child        start a background sleep        scribble   append to the -drive file
#   burst N      print "line 1".."line N"        stderr     print "oops" on stderr
#   partial      print "value 12" (no newline)   rest       print "34" and a newline
#   anything else: "echo: <line>"
# End of input does not end it (as with QEMU): it sleeps until killed.
drive=""
prev=""
for a in "$@"; do
  if [[ "$prev" == "-drive" ]]; then drive="${a#file=}"; drive="${drive%%,*}"; fi
  prev="$a"
done
echo "fake-qemu: pid $$"
for a in "$@"; do printf 'arg: %s\n' "$a"; done
echo "fake-qemu: ready"
while IFS= read -r line; do
  case "$line" in
    "exit "*) exit "${line#exit }" ;;
    hang) exec sleep 1000 ;;
    child) sleep 1000 & echo "fake-qemu: child $!" ;;
    scribble) echo scribbled >> "$drive" && echo "fake-qemu: scribbled" ;;
    "burst "*) seq -f 'line %g' 1 "${line#burst }"; echo "burst done" ;;
    stderr) echo "oops from fake qemu" >&2; echo "fake-qemu: wrote stderr" ;;
    partial) printf 'value 12' ;;
    rest) printf '34\n' ;;
    *) echo "echo: $line" ;;
  esac
done
# Like QEMU, keep running when the console input closes: only a kill ends it.
exec sleep 100000
