"""Host tests under AddressSanitizer + UndefinedBehaviorSanitizer, in a plain `bazel test //...`.

    sanitized_test(name = "layout_test_asan", test = "//tests/fs:layout_test")

builds `test` (and everything it links or carries as data: libraries, host tools such as mkfs)
with HOST_SANITIZER_COPTS / HOST_SANITIZER_LINKOPTS added to --copt / --linkopt, and runs it as a
test of its own. `--config=asan` (.bazelrc) adds the same flags to the whole host build instead.
RISC-V code is unaffected either way: riscv_image's transition resets --copt/--linkopt.

Loaded through //toolchains:lazyv6.bzl.
"""

# gcc 12 (Bazel's host toolchain): runtimes from Debian's libasan8 and libubsan1. Any UB is fatal
# (-fno-sanitize-recover), so a report fails the test instead of scrolling past in its log.
HOST_SANITIZER_COPTS = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
]

HOST_SANITIZER_LINKOPTS = ["-fsanitize=address,undefined"]

# Runtime options (also in .bazelrc's test:asan): stack traces for UBSan reports, a non-zero exit on
# every report, the stricter ASan checks. LeakSanitizer stays on (ASan's default on x86_64 Linux).
SANITIZER_TEST_ENV = {
    "ASAN_OPTIONS": "detect_stack_use_after_return=1:strict_string_checks=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}

_COPT = "//command_line_option:copt"
_LINKOPT = "//command_line_option:linkopt"

def _with(existing, added):
    return existing + [flag for flag in added if flag not in existing]

def _host_sanitizer_transition_impl(settings, attr):
    return {
        _COPT: _with(settings[_COPT], HOST_SANITIZER_COPTS),
        _LINKOPT: _with(settings[_LINKOPT], HOST_SANITIZER_LINKOPTS),
    }

host_sanitizer_transition = transition(
    implementation = _host_sanitizer_transition_impl,
    inputs = [_COPT, _LINKOPT],
    outputs = [_COPT, _LINKOPT],
)

def _sanitized_test_impl(ctx):
    test = ctx.attr.test
    if type(test) == "list":  # Bazel 4 hands a transitioned attribute over as a list.
        test = test[0]
    info = test[DefaultInfo]
    executable = info.files_to_run.executable
    if not executable:
        fail("%s: %s is not a test or binary" % (ctx.label, test.label))

    # A rule must create its own executable: a symlink to the sanitized binary. The binary finds
    # its shared libraries through its real path (Bazel's rpaths are $ORIGIN-relative), and its
    # data through the runfiles tree, which is the original test's.
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = executable, is_executable = True)
    runfiles = ctx.runfiles(files = [out]).merge(info.default_runfiles)
    for dep in ctx.attr.data:
        runfiles = runfiles.merge(ctx.runfiles(transitive_files = dep[DefaultInfo].files))
        runfiles = runfiles.merge(dep[DefaultInfo].default_runfiles)
    env = dict(SANITIZER_TEST_ENV)
    env.update(ctx.attr.env)
    return [
        DefaultInfo(executable = out, runfiles = runfiles),
        testing.TestEnvironment(env),
    ]

sanitized_test = rule(
    implementation = _sanitized_test_impl,
    test = True,
    doc = "Runs the cc_test `test` rebuilt with ASan + UBSan (gcc). Pass the test's own `args`, " +
          "if it has any, again here: they belong to the test target, not to its binary.",
    attrs = {
        "test": attr.label(
            mandatory = True,
            cfg = host_sanitizer_transition,
            doc = "A cc_test (or cc_binary that is a test).",
        ),
        "data": attr.label_list(
            allow_files = True,
            cfg = host_sanitizer_transition,
            doc = "Labels that `args` refer to with $(rootpath ...), built sanitized as well.",
        ),
        "env": attr.string_dict(doc = "Extra environment, over SANITIZER_TEST_ENV."),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
