"""lazyv6 build rules: the only .bzl file the rest of the repository loads.

RISC-V code is described with plain cc rules marked compatible with the riscv64/none platform only,
so `bazel build //...` skips them in the host configuration. `riscv_image` moves one of them onto
//toolchains:riscv64_none with a transition and publishes the ELF; that is what `//...` builds, next
to host tools and tests, without --platforms on the command line. Compiler and linker flags are not
here: they live once in //toolchains:cc_toolchain_config.bzl.

    riscv_library(name, srcs, hdrs, deps, copts, **kwargs)
    riscv_cc_binary(name, srcs, deps, linker_script, copts, linkopts, **kwargs)
    riscv_image(name, binary, sbrk_default = "")
    kernel_image(name, srcs, hdrs, deps, linker_script, copts, sbrk_variants = {})
    user_program(name, srcs, deps, copts)
    fs_image(name, programs, files, size = 2000, ninodes = 200)
"""

load("@llvm19//:defs.bzl", "LLVM_BIN")

RISCV_COMPATIBLE = [
    "@platforms//cpu:riscv64",
    "@platforms//os:none",
]

_PLATFORMS = "//command_line_option:platforms"
_SBRK_DEFAULT = "//kernel:sbrk_default"
_RISCV_PLATFORM = "//toolchains:riscv64_none"

def _riscv_only(kwargs):
    """Pops target_compatible_with from kwargs and returns it extended with the RISC-V platform."""
    return RISCV_COMPATIBLE + kwargs.pop("target_compatible_with", [])

def riscv_library(name, srcs = [], hdrs = [], deps = [], copts = [], **kwargs):
    """A cc_library built only for RISC-V (reached through a riscv_image)."""
    native.cc_library(
        name = name,
        srcs = srcs,
        hdrs = hdrs,
        deps = deps,
        copts = copts,
        target_compatible_with = _riscv_only(kwargs),
        **kwargs
    )

def riscv_cc_binary(name, srcs = [], deps = [], linker_script = None, copts = [], linkopts = [], **kwargs):
    """A RISC-V cc_binary linked statically by ld.lld with `-T linker_script`, no crt files."""
    if not linker_script:
        fail("riscv_cc_binary %s: linker_script is required" % name)
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps,
        copts = copts,
        linkopts = ["-T", "$(location %s)" % linker_script] + linkopts,
        additional_linker_inputs = [linker_script],
        target_compatible_with = _riscv_only(kwargs),
        **kwargs
    )

def _riscv_transition_impl(settings, attr):
    return {
        _PLATFORMS: _RISCV_PLATFORM,
        _SBRK_DEFAULT: attr.sbrk_default or settings[_SBRK_DEFAULT],
    }

_riscv_transition = transition(
    implementation = _riscv_transition_impl,
    inputs = [_SBRK_DEFAULT],
    outputs = [_PLATFORMS, _SBRK_DEFAULT],
)

def _riscv_image_impl(ctx):
    binary = ctx.attr.binary
    if type(binary) == "list":  # Bazel 4 hands a transitioned attribute over as a list.
        binary = binary[0]
    elf = binary[DefaultInfo].files_to_run.executable
    if not elf:
        fail("%s: binary %s produced no executable" % (ctx.label, binary.label))
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = elf)
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

riscv_image = rule(
    implementation = _riscv_image_impl,
    doc = "Builds `binary` for //toolchains:riscv64_none and exposes the ELF as a file named `name`.",
    attrs = {
        "binary": attr.label(
            mandatory = True,
            cfg = _riscv_transition,
            doc = "A riscv_cc_binary.",
        ),
        "sbrk_default": attr.string(
            default = "",
            values = ["", "lazy", "eager"],
            doc = "If set, builds `binary` with //kernel:sbrk_default set to this value.",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def kernel_image(name, srcs, hdrs = [], deps = [], linker_script = None, copts = [], sbrk_variants = {}, **kwargs):
    """The kernel ELF `name`, plus `name_<suffix>` built with sbrk_default=<value> per variant.

    kwargs (e.g. visibility, tags) go to the image targets.
    """
    riscv_cc_binary(
        name = name + "_bin",
        srcs = srcs + hdrs,
        deps = deps,
        copts = copts,
        linker_script = linker_script,
    )
    riscv_image(name = name, binary = ":" + name + "_bin", **kwargs)
    for suffix, value in sbrk_variants.items():
        riscv_image(
            name = name + "_" + suffix,
            binary = ":" + name + "_bin",
            sbrk_default = value,
            **kwargs
        )

def user_program(name, srcs, deps = [], copts = [], **kwargs):
    """A user program ELF `name` (C11 or C++20 sources) linked at 0 against //user:ulib.

    kwargs (e.g. visibility, tags) go to the image target.
    """
    riscv_cc_binary(
        name = name + "_bin",
        srcs = srcs,
        deps = deps + ["//user:ulib"],
        copts = copts,
        linker_script = "//user:user.ld",
    )
    riscv_image(name = name, binary = ":" + name + "_bin", **kwargs)

def _fs_image_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".img")
    args = ctx.actions.args()
    args.add("--size", str(ctx.attr.size))
    args.add("--ninodes", str(ctx.attr.ninodes))
    args.add(out)

    entries = []  # (name in the image, file, is a program)
    for program in ctx.attr.programs:
        files = program[DefaultInfo].files.to_list()
        if len(files) != 1:
            fail("%s: program %s must produce exactly one file" % (ctx.label, program.label))
        entries.append((program.label.name, files[0], True))
    for f in ctx.files.files:
        entries.append((f.basename, f, False))

    inputs = []
    seen = {}
    for entry_name, f, is_program in entries:
        if entry_name in seen:
            fail("%s: two entries would be /%s in the image" % (ctx.label, entry_name))
        seen[entry_name] = True
        if is_program:
            # Programs go in without debug info: the guest never reads it, and it would push big
            # ones past xv6's 268 KiB file size limit. bazel-bin/<pkg>/<name> keeps it for gdb.
            stripped = ctx.actions.declare_file("%s.img.programs/%s" % (ctx.label.name, entry_name))
            ctx.actions.run(
                executable = LLVM_BIN + "/llvm-objcopy",
                arguments = ["--strip-debug", f.path, stripped.path],
                inputs = [f],
                outputs = [stripped],
                mnemonic = "StripDebug",
                progress_message = "Stripping debug info from %s for the image" % f.short_path,
            )
            f = stripped
        inputs.append(f)
        args.add("%s=%s" % (entry_name, f.path))

    ctx.actions.run(
        executable = ctx.executable._mkfs,
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "MkFs",
        progress_message = "Building file system image %s" % out.short_path,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

fs_image = rule(
    implementation = _fs_image_impl,
    doc = "An xv6 file system image `name`.img made by //mkfs:mkfs: every program (without debug " +
          "info) at /<target name>, every file at /<basename>.",
    attrs = {
        "programs": attr.label_list(doc = "riscv_image / user_program targets."),
        "files": attr.label_list(allow_files = True, doc = "Plain files, stored under their basename."),
        "size": attr.int(default = 2000, doc = "Image size in 1 KiB blocks."),
        "ninodes": attr.int(default = 200),
        "_mkfs": attr.label(default = "//mkfs:mkfs", cfg = "exec", executable = True),
    },
)
