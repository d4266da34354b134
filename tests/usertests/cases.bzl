"""The usertests cases, one Bazel test each (//tests/usertests:<case>).

This is the one list the per-case targets come from. //tests/usertests:list_test boots the kernel,
runs `usertests -l` and fails unless the guest's list (user/usertests.cc) is exactly this one, in
the same order: a case added to usertests without a line here breaks the build's tests.
"""

# usertests' quick tests (`usertests -q`), in running order.
QUICK_CASES = [
    "sbrkbasic",
    "sbrkbounds",
    "sbrktrapframe",
    "sbrktypes",
    "sbrkmuch",
    "sbrkshrink",
    "sbrkfork",
    "sbrkdropall",
    "lazyfault",
    "lazysyscall",
    "lazyshrink",
    "shrinkmigrate",
    "kernmem",
    "highmem",
    "kernaddr",
    "kernaddrsys",
    "textwrite",
    "stackguard",
    "execheap",
    "bsszero",
    "mallocfree",
    "mallocpolicy",
    "copyout",
    "copyin",
    "copyinstr",
    "badfd",
    "pathmax",
    "longnames",
    "execbad",
    "execelf",
    "execargs",
    "leakloop",
    "execlazy",
    "execlocks",
    "exectrunc",
    "execeager",
    "forkfull",
    "exitwait",
    "killstatus",
    "killself",
    "orphans",
    "sleeptime",
    "pipebasic",
    "pipebig",
    "pipeclose",
    "pipelimit",
    "nfile",
    "createread",
    "rdwrmodes",
    "maxfile",
    "bigwrite",
    "unlinkopen",
    "links",
    "dirs",
    "dirread",
    "dupoffset",
    "devices",
    "iref",
    "cwdremoved",
    "concreate",
    "fourfiles",
    "createdelete",
    "sharedfd",
    "truncrace",
    "linkunlink",
    "smallfiles",
    "itablefull",
    "bcachefull",
    "killinit",
    "initretry",
    "writepartial",
    "pgptekernel",
]

# The slow tests (run by plain `usertests` after the quick ones).
SLOW_CASES = [
    "diskfull",
    "inodefull",
    "bigdir",
    "memexhaust",
    "lazyoom",
    "manyforks",
    "execoom",
    "hugefork",
    "writeeof",
]

def _runner_test(name, runner, kernel, fs, args, size, tags):
    """An sh_test running the shared GoogleTest binary `runner` on `kernel` and `fs` with `args`."""
    native.sh_test(
        name = name,
        size = size,
        srcs = ["run_case.sh"],
        args = [
            "$(rootpath %s)" % runner,
            "--kernel=$(rootpath %s)" % kernel,
            "--fs=$(rootpath %s)" % fs,
        ] + args,
        data = [runner, kernel, fs],
        tags = tags + ["qemu", "usertests"],
    )

def usertests_case_tests(runner, kernel = "//kernel:kernel", fs = "//:fs_img"):
    """One test per case, named after it, running `runner --case=<case>` (a fresh boot each), and
    :list_test, which checks `usertests -l` against QUICK_CASES and SLOW_CASES.

    The runner is built and linked once; each target only passes its case. Quick cases are tagged
    "quick", slow ones "slow" (e.g. --test_tag_filters=quick); all are tagged "qemu" and "usertests".

    Args:
      runner: the GoogleTest binary (tests/usertests/usertests_case_test.cc).
      kernel: the kernel ELF.
      fs: the disk image.
    """
    for cases, speed, size in [(QUICK_CASES, "quick", "medium"), (SLOW_CASES, "slow", "large")]:
        for case in cases:
            _runner_test(
                name = case,
                runner = runner,
                kernel = kernel,
                fs = fs,
                args = ["--case=" + case, "--gtest_filter=UsertestsCase.*"],
                size = size,
                tags = [speed],
            )
    expected = ["quick:" + c for c in QUICK_CASES] + ["slow:" + c for c in SLOW_CASES]
    _runner_test(
        name = "list_test",
        runner = runner,
        kernel = kernel,
        fs = fs,
        args = ["--expected=" + ",".join(expected), "--gtest_filter=UsertestsList.*"],
        size = "medium",
        tags = [],
    )
