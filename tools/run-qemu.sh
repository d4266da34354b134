#!/usr/bin/env bash
# Boots lazyv6 in QEMU on a writable copy of the file system image (the build output is never
# written). `./bazelw run //:qemu -- [options]` passes the built kernel and fs.img as defaults, and
# the kernel variants it builds too (--variant NAME=ELF), so `--kernel eager` boots kernel_eager.
# Quit QEMU with Ctrl-A X.
set -euo pipefail

readonly USAGE="usage: run-qemu.sh [--harts N] [--mem SIZE] [--gdb [PORT]] [--gdbinit FILE] [--kernel ELF|VARIANT] [--fs IMG] [--keep-fs] [-- QEMU-ARGS...]"

usage_error() {
  echo "run-qemu: $1; $USAGE" >&2
  exit 2
}

# A path the user typed is relative to where they ran `bazel run` (BUILD_WORKING_DIRECTORY);
# the defaults from the BUILD file are relative to the runfiles directory (the current one).
user_path() {
  if [[ $1 == /* || -z ${BUILD_WORKING_DIRECTORY:-} ]]; then
    echo "$1"
  else
    echo "$BUILD_WORKING_DIRECTORY/$1"
  fi
}

harts=3
mem=128M
gdb=false
gdb_port=""
gdbinit=""
kernel=""
kernel_arg=""            # what the user gave --kernel: a variant's name or a path
declare -A variants=()   # variant name -> ELF, from --variant (//:qemu's BUILD args)
fs=""
keep_fs=false
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --harts)
      [[ $# -ge 2 && $2 =~ ^[1-8]$ ]] || usage_error "--harts needs a number from 1 to 8"
      harts=$2
      shift 2
      ;;
    --mem)
      [[ $# -ge 2 && $2 =~ ^[0-9]+[MG]?$ ]] || usage_error "--mem needs a size like 128M or 1G"
      mem=$2
      shift 2
      ;;
    --gdb)
      gdb=true
      if [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]]; then
        gdb_port=$2
        shift
      fi
      shift
      ;;
    --gdbinit)
      [[ $# -ge 2 ]] || usage_error "--gdbinit needs a path"
      gdbinit=$(user_path "$2")
      shift 2
      ;;
    --kernel)
      [[ $# -ge 2 ]] || usage_error "--kernel needs a path or a variant name"
      kernel_arg=$2
      shift 2
      ;;
    --fs)
      [[ $# -ge 2 ]] || usage_error "--fs needs a path"
      fs=$(user_path "$2")
      shift 2
      ;;
    --default-kernel)  # from //:qemu's BUILD args; --kernel wins
      [[ $# -ge 2 ]] || usage_error "--default-kernel needs a path"
      kernel=$2
      shift 2
      ;;
    --variant)  # NAME=ELF, from //:qemu's BUILD args: --kernel NAME boots ELF
      [[ $# -ge 2 && $2 == ?*=?* ]] || usage_error "--variant needs NAME=ELF"
      variants[${2%%=*}]=${2#*=}
      shift 2
      ;;
    --default-fs)
      [[ $# -ge 2 ]] || usage_error "--default-fs needs a path"
      fs=${fs:-$2}
      shift 2
      ;;
    --keep-fs)
      keep_fs=true
      shift
      ;;
    --)
      shift
      extra=("$@")
      break
      ;;
    -h | --help)
      echo "$USAGE"
      exit 0
      ;;
    *)
      usage_error "unknown argument '$1'"
      ;;
  esac
done
# --kernel NAME picks a variant //:qemu built; anything else is a path.
if [[ -n $kernel_arg ]]; then
  if [[ -n ${variants[$kernel_arg]:-} ]]; then
    kernel=${variants[$kernel_arg]}
  else
    kernel=$(user_path "$kernel_arg")
  fi
fi
[[ -n $kernel ]] || usage_error "no kernel (--kernel ELF)"
[[ -n $fs ]] || usage_error "no file system image (--fs IMG)"
if [[ ! -f $kernel ]]; then
  names=$(printf '%s\n' "${!variants[@]}" | sort | paste -sd '|' -)
  usage_error "kernel '$kernel' does not exist${names:+ (variants: $names)}"
fi
[[ -f $fs ]] || usage_error "file system image '$fs' does not exist"
kernel_abs=$(realpath -s "$kernel")
command -v qemu-system-riscv64 >/dev/null ||
  { echo "run-qemu: qemu-system-riscv64 not found (Debian package qemu-system-misc; ./bazelw installs it)" >&2; exit 1; }

# The guest writes to its disk: give it a private copy, removed on exit unless --keep-fs.
fs_copy=$(mktemp "${TMPDIR:-/tmp}/lazyv6-fs.XXXXXX")
cp "$fs" "$fs_copy"
chmod u+w "$fs_copy"
qemu_pid=""
cleanup() {
  if [[ -n $qemu_pid ]]; then
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if $keep_fs; then
    echo "run-qemu: the disk image the guest used is kept at $fs_copy" >&2
  else
    rm -f "$fs_copy"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --gdb: QEMU starts stopped with a gdb stub on loopback, on PORT or else on a port free now (so
# two users of one machine do not collide), and the gdb command file for that port and kernel is
# written from tools/gdbinit.tmpl (--gdbinit FILE, default lazyv6.gdb in the workspace root).
start_gdb_stub() {
  local template root
  template=$(dirname "$(realpath "${BASH_SOURCE[0]}")")/gdbinit.tmpl
  if [[ -z $gdb_port ]]; then
    gdb_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fi
  root=${BUILD_WORKSPACE_DIRECTORY:-$PWD}
  gdbinit=${gdbinit:-$root/lazyv6.gdb}
  sed -e "s|@KERNEL@|$(realpath "$kernel")|" -e "s|@PORT@|$gdb_port|" -e "s|@SOURCE_ROOT@|$root|" \
    "$template" >"$gdbinit"
  qemu+=(-S -gdb "tcp:127.0.0.1:$gdb_port")
  echo "run-qemu: QEMU is stopped at the first instruction, waiting for gdb on port $gdb_port." >&2
  echo "run-qemu: attach with: gdb-multiarch -x $gdbinit" >&2
}

# The machine (tools/qemu-machine.txt, shared with the test harness and coverage), on a terminal.
qemu=(qemu-system-riscv64)
while IFS= read -r line; do
  [[ -z $line || $line == "#"* ]] && continue
  line=${line#disk: }
  line=${line//@KERNEL@/$kernel_abs}
  line=${line//@MEM@/$mem}
  line=${line//@HARTS@/$harts}
  line=${line//@DISK@/$fs_copy}
  qemu+=("${line%% *}" "${line#* }")
done <"$(dirname "$(realpath "${BASH_SOURCE[0]}")")/qemu-machine.txt"
qemu+=(-nographic)
if $gdb; then
  start_gdb_stub
fi
echo "run-qemu: booting $kernel ($harts harts, $mem) on a copy of $fs; quit with Ctrl-A X" >&2

# QEMU runs as a child (stdin passed on explicitly) so that a signal to this script also ends it.
"${qemu[@]}" "${extra[@]}" 0<&0 &
qemu_pid=$!
status=0
wait "$qemu_pid" || status=$?
qemu_pid=""
exit "$status"
