"""Repository rules for the local repositories in //:WORKSPACE. None of them downloads anything."""

# Debian's rules_cc 0.0.4 is newer than Bazel 4.2.3: two files import and call use_cpp_toolchain(),
# which 4.2.3's @bazel_tools//tools/cpp:toolchain_utils.bzl lacks. Both get the plain toolchain type.
_RULES_CC_PATCHED = [
    "cc/private/rules_impl/cc_flags_supplier.bzl",
    "cc/private/rules_impl/compiler_flag.bzl",
]

def _patch_use_cpp_toolchain(text):
    text = text.replace(
        '"find_cpp_toolchain", "use_cpp_toolchain")',
        '"find_cpp_toolchain")',
    )
    return text.replace(
        "toolchains = use_cpp_toolchain(),",
        'toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],',
    )

def _debian_rules_cc_impl(rctx):
    root = rctx.path(rctx.attr.path)
    if not root.exists:
        fail("rules_cc: %s is missing; install it with: apt-get install bazel-rules-cc (./bazelw does)" % root)

    # Mirror the tree with symlinks, except along the paths to the patched files: those
    # directories are recreated and the two files written patched.
    expanded = {"": True}
    for patched in _RULES_CC_PATCHED:
        parts = patched.split("/")
        for i in range(1, len(parts)):
            expanded["/".join(parts[:i])] = True
    for rel in expanded:
        for child in rctx.path(rctx.attr.path + "/" + rel).readdir():
            child_rel = (rel + "/" if rel else "") + child.basename
            if child_rel in expanded or child_rel == "WORKSPACE":
                continue
            if child_rel in _RULES_CC_PATCHED:
                patched = _patch_use_cpp_toolchain(rctx.read(child))
                if "use_cpp_toolchain" in patched:
                    fail("rules_cc: could not patch use_cpp_toolchain() out of %s" % child)
                rctx.file(child_rel, patched, executable = False)
            else:
                rctx.symlink(child, child_rel)
    rctx.file("WORKSPACE", 'workspace(name = "rules_cc")\n', executable = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    doc = "Debian's bazel-rules-cc tree, patched to load under Bazel 4.2.3.",
)

_COVERAGE_STUB = """#!/bin/sh
echo "lazyv6: coverage tools are not available offline (@remote_coverage_tools is a stub)" >&2
exit 1
"""

_COVERAGE_BUILD = """# Stub of Bazel's @remote_coverage_tools: every *_test depends on these two targets.
package(default_visibility = ["//visibility:public"])

sh_binary(
    name = "coverage_report_generator",
    srcs = ["unavailable.sh"],
)

sh_binary(
    name = "lcov_merger",
    srcs = ["unavailable.sh"],
)
"""

def _stub_coverage_tools_impl(rctx):
    rctx.file("WORKSPACE", 'workspace(name = "remote_coverage_tools")\n', executable = False)
    rctx.file("unavailable.sh", _COVERAGE_STUB, executable = True)
    rctx.file("BUILD.bazel", _COVERAGE_BUILD, executable = False)

stub_coverage_tools = repository_rule(
    implementation = _stub_coverage_tools_impl,
    doc = "A stand-in for @remote_coverage_tools so that tests never fetch it.",
)
