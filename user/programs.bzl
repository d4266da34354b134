"""The user programs: one list for user/BUILD.bazel (which defines them) and the fs image.

USER_PROGRAMS lists every program's label; the fs image stores each at /<target name>.
"""

load("//toolchains:lazyv6.bzl", "user_program")

# Names of the programs in user/: adding a program is adding its name here. user/BUILD.bazel
# builds each from <name>.c (C11) or <name>.cc (C++20) unless its _SRCS says otherwise, and the
# fs image stores it as /<name>.
PROGRAM_NAMES = [
    "cat",
    "consoletest",
    "cowtest",
    "crashwork",
    "echo",
    "execbig",
    "forktest",
    "free",
    "grep",
    "grind",
    "hello_c",
    "init",
    "kill",
    "lazydemo",
    "lazytest",
    "ln",
    "logstress",
    "ls",
    "mkdir",
    "oomsoak",
    "rm",
    "sh",
    "stressfs",
    "sysfuzz",
    "usertests",
    "vmprint",
    "wc",
    "xv6c",
    "zombie",
]

USER_PROGRAMS = ["//user:" + name for name in PROGRAM_NAMES]

# The toolchain compiles freestanding (-ffreestanding), and in freestanding C++ `main` is an
# ordinary function with a mangled name (_Z4mainiPPc) that _start cannot call. -fhosted gives main
# its C name back; -fno-builtin stays in force, so the compiler still assumes no libc.
PROGRAM_COPTS = ["-fhosted"]

def lazyv6_program(name, srcs, deps = [], copts = [], **kwargs):
    """A user program built like every other one: user_program with PROGRAM_COPTS."""
    user_program(
        name = name,
        srcs = srcs,
        deps = deps,
        copts = PROGRAM_COPTS + copts,
        **kwargs
    )
