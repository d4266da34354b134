#!/usr/bin/env python3
"""Kernel line coverage: boots the coverage kernel (//kernel:kernel_coverage, clang source-based
coverage) in QEMU, runs `usertests -q` and `lazytest` in it, reads the counters out of guest memory
through the QEMU monitor (pmemsave), and writes

  OUT/kernel.profraw, kernel.profdata   the raw profile (made here) and llvm-profdata's index
  OUT/kernel.lcov                       llvm-cov export -format=lcov
  OUT/html/index.html                   genhtml's report
  OUT/summary.txt                       one line per kernel file, then the total
  OUT/console.log                       the guest's console

    ./bazelw run //tools:coverage [-- --out DIR] [-- --tiny]

--tiny runs only `lazydemo 8` instead of the two suites (for the pipeline's own test). The kernel
has no profile runtime: the raw profile is laid out here exactly as compiler-rt's writer would
(header, __llvm_prf_data, counters, names), from the ELF's sections and the counters in memory.
"""

import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

LLVM_BIN = "/usr/lib/llvm-19/bin"
QEMU = "qemu-system-riscv64"

# The raw profile format of LLVM 19 (llvm/ProfileData/InstrProfData.inc).
RAW_MAGIC_64 = (
    (255 << 56) | (ord("l") << 48) | (ord("p") << 40) | (ord("r") << 32)
    | (ord("o") << 24) | (ord("f") << 16) | (ord("r") << 8) | 129
)
RAW_VERSION = 10
VALUE_KIND_LAST = 2  # IPVK_VTableTarget
DATA_RECORD_SIZE = 64  # struct __llvm_profile_data for a 64-bit target

SUITE_COMMANDS = ["usertests -q", "lazytest"]
TINY_COMMANDS = ["lazydemo 8"]
PASS_MARKS = {"usertests -q": "ALL TESTS PASSED", "lazytest": "ALL TESTS PASSED"}


def fail(message):
    """Prints `message` and exits with status 1."""
    print("coverage: " + message, file=sys.stderr)
    sys.exit(1)


def elf_sections(path):
    """{name: (address, file offset, size)} of an ELF64 little-endian file, and its symbols
    {name: value} (only those the caller needs are looked up)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail("%s is not a 64-bit little-endian ELF" % path)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = headers[shstrndx]

    def name_at(table, offset):
        start = table[4] + offset
        return data[start:data.index(b"\0", start)].decode()

    sections, symbols = {}, {}
    for h in headers:
        sections[name_at(strtab, h[0])] = (h[3], h[4], h[5])
    for h in headers:
        if h[1] == 2:  # SHT_SYMTAB; its sh_link is the string table
            names = headers[h[6]]
            for off in range(h[4], h[4] + h[5], 24):
                st_name, _, _, _, st_value, _ = struct.unpack_from("<IBBHQQ", data, off)
                symbols[name_at(names, st_name)] = st_value
    return data, sections, symbols


def physical_address(data, vaddr):
    """The load (physical) address of virtual address `vaddr` in the ELF image `data`, from the
    PT_LOAD segment that holds it: the kernel is linked in the upper half and loaded at KERNBASE."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, _, p_vaddr, p_paddr, _, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_memsz:  # PT_LOAD
            return vaddr - p_vaddr + p_paddr
    fail("no loadable segment holds address 0x%x" % vaddr)


def machine_args(kernel, mem, harts, disk):
    """QEMU's arguments for the machine (tools/qemu-machine.txt, shared with tools/run-qemu.sh and
    the test harness) with `kernel`, `mem`, `harts` and `disk` filled in."""
    path = os.path.join(os.path.dirname(os.path.realpath(__file__)), "qemu-machine.txt")
    values = {"@KERNEL@": kernel, "@MEM@": mem, "@HARTS@": str(harts), "@DISK@": disk}
    args = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("disk: "):
                line = line[len("disk: "):]
            for key, value in values.items():
                line = line.replace(key, value)
            args += line.split(" ", 1)
    return args


class Guest:
    """QEMU with the console on pipes (a reader thread keeps the transcript) and the human
    monitor on a Unix socket."""

    def __init__(self, kernel, fs, workdir, harts):
        """Boots `kernel` with a copy of `fs` (in `workdir`, which also holds the monitor socket)."""
        self.disk = os.path.join(workdir, "fs.img")
        with open(fs, "rb") as src, open(self.disk, "wb") as dst:
            dst.write(src.read())
        self.monitor_path = os.path.join(workdir, "monitor.sock")
        self.text = ""
        self.cursor = 0
        self.lock = threading.Condition()
        self.proc = subprocess.Popen(
            [QEMU] + machine_args(kernel, "128M", harts, self.disk) +
            ["-display", "none", "-serial", "stdio",
             "-monitor", "unix:%s,server=on,wait=off" % self.monitor_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        """The reader thread: appends the console's output to the transcript until QEMU exits."""
        while True:
            chunk = self.proc.stdout.read1(4096)
            with self.lock:
                if not chunk:
                    self.text += "\n[QEMU exited]\n"
                    self.lock.notify_all()
                    return
                self.text += chunk.decode("utf-8", "replace")
                self.lock.notify_all()

    def expect(self, marks, timeout):
        """Waits for the first of `marks` after the cursor; returns it and moves past it."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [(self.text.find(m, self.cursor), m) for m in marks]
                found = [(i, m) for i, m in found if i >= 0]
                if found:
                    i, m = min(found)
                    self.cursor = i + len(m)
                    return m
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    fail("waited in vain for %s; console tail:\n%s" % (marks, self.text[-2000:]))
                self.lock.wait(1)

    def send(self, line):
        """Types `line` and Enter on the console."""
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def monitor(self, command):
        """Runs one human-monitor command and returns what it printed."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.monitor_path)
            s.settimeout(60)
            reply = b""
            sent = False
            while True:
                if reply.endswith(b"(qemu) "):
                    if sent:
                        return reply.decode("utf-8", "replace")
                    s.sendall((command + "\n").encode())
                    sent = True
                    reply = b""
                chunk = s.recv(4096)
                if not chunk:
                    return reply.decode("utf-8", "replace")
                reply += chunk

    def stop(self):
        """Kills QEMU and reaps it."""
        self.proc.kill()
        self.proc.wait()


def padding(size):
    """Bytes that bring `size` to a multiple of 8, as compiler-rt pads the raw profile's parts."""
    return (8 - size % 8) % 8


def raw_profile(elf_data, sections, counters):
    """The bytes compiler-rt's writer would produce for this kernel with these counters."""
    data_addr, data_off, data_size = sections["__llvm_prf_data"]
    cnts_addr, _, cnts_size = sections["__llvm_prf_cnts"]
    names_addr, names_off, names_size = sections["__llvm_prf_names"]
    if data_size % DATA_RECORD_SIZE or cnts_size % 8 or len(counters) != cnts_size:
        fail("unexpected profile section sizes: data %d, counters %d (read %d)"
             % (data_size, cnts_size, len(counters)))
    header = struct.pack(
        "<16Q", RAW_MAGIC_64, RAW_VERSION, 0, data_size // DATA_RECORD_SIZE, 0, cnts_size // 8,
        padding(cnts_size), 0, 0, names_size, (cnts_addr - data_addr) % (1 << 64), 0,
        names_addr, 0, 0, VALUE_KIND_LAST)
    return b"".join([
        header,
        elf_data[data_off:data_off + data_size],
        counters, b"\0" * padding(cnts_size),
        elf_data[names_off:names_off + names_size], b"\0" * padding(names_size),
    ])


def summarize(lcov_path):
    """[(file, lines hit, lines found)] from an lcov file, kernel files only, sorted by name."""
    rows, name, hit, found = [], None, 0, 0
    with open(lcov_path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                name, hit, found = line[3:], 0, 0
            elif line.startswith("DA:"):
                found += 1
                hit += int(line.split(",")[1]) > 0
            elif line == "end_of_record" and name:
                rows.append((os.path.relpath(name) if os.path.isabs(name) else name, hit, found))
    return sorted(r for r in rows if r[0].startswith("kernel/"))


def run(cmd, **kwargs):
    """Runs `cmd` and returns its stdout; exits with its output if it fails."""
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    if result.returncode != 0:
        fail("%s failed:\n%s%s" % (" ".join(cmd), result.stdout[-3000:], result.stderr[-3000:]))
    return result.stdout


def main():
    """Parses the flags, runs the guest, writes the report (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel", required=True, help="the coverage kernel ELF")
    parser.add_argument("--fs", required=True, help="the disk image")
    parser.add_argument("--out", help="report directory (default: kernel_coverage/ in the workspace)")
    parser.add_argument("--tiny", action="store_true", help="run only `lazydemo 8`")
    parser.add_argument("--harts", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=1800, help="hang timeout per command, s")
    args = parser.parse_args()

    # Sources are found relative to the workspace root (bazel run) or the runfiles (a test).
    src_root = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    out = os.path.abspath(args.out or os.path.join(src_root, "kernel_coverage"))
    os.makedirs(out, exist_ok=True)
    kernel = os.path.abspath(args.kernel)
    elf_data, sections, symbols = elf_sections(kernel)
    for name in ["__llvm_prf_data", "__llvm_prf_cnts", "__llvm_prf_names"]:
        if name not in sections:
            fail("%s has no %s section: not a coverage kernel (//kernel:kernel_coverage)"
                 % (kernel, name))
    cnts_addr, _, cnts_size = sections["__llvm_prf_cnts"]
    # kalloc hands out the pages from `end` up: the counters must lie below it.
    if cnts_addr + cnts_size > symbols.get("end", 0):
        fail("the counters (0x%x..) are not below the kernel's end symbol" % cnts_addr)

    commands = TINY_COMMANDS if args.tiny else SUITE_COMMANDS
    with tempfile.TemporaryDirectory(prefix="lazyv6-coverage.") as tmp:
        guest = Guest(kernel, args.fs, tmp, args.harts)
        try:
            guest.expect(["init: starting sh"], 120)
            guest.expect(["$ "], 120)
            for command in commands:
                print("coverage: running `%s` in the coverage kernel" % command, flush=True)
                guest.send(command)
                mark = PASS_MARKS.get(command)
                if mark:
                    got = guest.expect([mark, "SOME TESTS FAILED", "FAILED", "panic"], args.timeout)
                    if got != mark:
                        fail("`%s` did not pass (%s); see %s/console.log" % (command, got, out))
                guest.expect(["\n$ "], args.timeout)
            dump = os.path.join(tmp, "counters.bin")
            reply = guest.monitor('pmemsave 0x%x %d "%s"' % (
                physical_address(elf_data, cnts_addr), cnts_size, dump))
            if not os.path.exists(dump):
                fail("pmemsave wrote nothing: %s" % reply)
            with open(dump, "rb") as f:
                counters = f.read()
        finally:
            guest.stop()
            with open(os.path.join(out, "console.log"), "w") as f:
                f.write(guest.text)

    profraw = os.path.join(out, "kernel.profraw")
    profdata = os.path.join(out, "kernel.profdata")
    lcov = os.path.join(out, "kernel.lcov")
    with open(profraw, "wb") as f:
        f.write(raw_profile(elf_data, sections, counters))
    run([LLVM_BIN + "/llvm-profdata", "merge", "-sparse", profraw, "-o", profdata])
    with open(lcov, "w") as f:
        f.write(run([LLVM_BIN + "/llvm-cov", "export", "-format=lcov",
                     "-instr-profile=" + profdata, kernel], cwd=src_root))
    run(["genhtml", "--quiet", "--output-directory", os.path.join(out, "html"),
         "--title", "lazyv6 kernel: " + ", ".join(commands), lcov], cwd=src_root)

    rows = summarize(lcov)
    if not rows:
        fail("no kernel files in %s" % lcov)
    total_hit = sum(r[1] for r in rows)
    total_found = sum(r[2] for r in rows)
    lines = ["%-24s %5d / %5d lines  %5.1f%%" % (n, h, t, 100.0 * h / t if t else 0.0)
             for n, h, t in rows]
    lines.append("%-24s %5d / %5d lines  %5.1f%%"
                 % ("total", total_hit, total_found, 100.0 * total_hit / total_found))
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print("coverage: report in %s/html/index.html" % out)


if __name__ == "__main__":
    main()
