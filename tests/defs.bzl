"""Bazel macros for lazyv6 tests that boot the kernel in QEMU.

    load("//tests:defs.bzl", "qemu_test")

    qemu_test(
        name = "lazytest_test",
        srcs = ["lazytest_test.cc"],   # GoogleTest; uses //tests/harness:qemu
    )

The test binary gets `--kernel=<kernel ELF> --fs=<disk image>` (runfiles-relative paths) on its
command line; `lazyv6::harness::from_test_args()` turns them into QemuOptions, so a test body
starts with `Qemu q(from_test_args()); ASSERT_CONSOLE(q.start());`. The harness copies the image
before QEMU opens it, so tests never modify the build output, and writes the console transcript to
the test's undeclared outputs (bazel-testlogs/<pkg>/<name>/test.outputs/).
"""

def qemu_test(
        name,
        srcs,
        kernel = "//kernel:kernel",
        fs = "//:fs_img",
        deps = [],
        size = "medium",
        timeout = None,
        tags = [],
        args = [],
        data = [],
        **kwargs):
    """A cc_test (GoogleTest, gtest_main) that boots `kernel` with a copy of `fs` in QEMU.

    Args:
      name: test name; also the default stem of the console log.
      srcs: test sources.
      kernel: label of the kernel ELF (exactly one file).
      fs: label of the disk image (exactly one file), or None to boot without a disk.
      deps: extra deps; //tests/harness:qemu and @gtest//:gtest_main are always added.
      size: Bazel test size (medium: 300 s timeout by default).
      timeout: Bazel test timeout, overriding the size's default.
      tags: extra tags; "qemu" is always added (--test_tag_filters=-qemu skips these tests).
      args: extra arguments after --kernel/--fs (e.g. "--harts=1", "--icount",
        "--qemu_arg=-s", or gtest flags).
      data: extra runfiles.
      **kwargs: passed to cc_test (e.g. visibility, flaky, shard_count, env).
    """
    harness_args = ["--kernel=$(rootpath %s)" % kernel]
    all_data = list(data) + [kernel]
    if fs:
        harness_args.append("--fs=$(rootpath %s)" % fs)
        all_data.append(fs)
    all_deps = list(deps)
    for dep in ["//tests/harness:qemu", "@gtest//:gtest_main"]:
        if dep not in all_deps:
            all_deps.append(dep)
    native.cc_test(
        name = name,
        srcs = srcs,
        data = all_data,
        deps = all_deps,
        size = size,
        timeout = timeout,
        tags = tags + ([] if "qemu" in tags else ["qemu"]),
        args = harness_args + args,
        **kwargs
    )
