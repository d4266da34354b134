"""lazyv6 build rules: the only .bzl file the rest of the repository loads.

RISC-V code is described with plain cc rules marked compatible with the riscv64/none platform only,
so `bazel build //...` skips them in the host configuration. `riscv_image` moves one of them onto
//toolchains:riscv64_none with a transition and publishes the ELF; that is what `//...` builds, next
to host tools and tests, without --platforms on the command line. Compiler and linker flags are not
here: they live once in //toolchains:cc_toolchain_config.bzl (the opt-in kernel UBSan set,
KERNEL_UBSAN_COPTS, is below).

    riscv_library(name, srcs, hdrs, deps, copts, **kwargs)
    riscv_cc_binary(name, srcs, deps, linker_script, copts, linkopts, **kwargs)
    riscv_image(name, binary, sbrk_default = "", settings = {})
    kernel_image(name, srcs, deps, sources, linker_script, copts, variants = {})
    kernel_header_check(name, hdrs, deps, copts)   each header compiled alone
    user_program(name, srcs, deps, copts)
    elf_listing(name, elf, srcs)              <elf>.asm and <elf>.sym, as xv6's Makefile makes
    fs_image(name, programs, files, size = 2000, ninodes = 200)
    sanitized_test(name, test, args, data, env)   host ASan + UBSan, from sanitizers.bzl
"""

load("@llvm19//:defs.bzl", "LLVM_BIN")
load(":sanitizers.bzl", _sanitized_test = "sanitized_test")

# Host ASan + UBSan (toolchains/sanitizers.bzl), re-exported so packages load only this file.
sanitized_test = _sanitized_test

RISCV_COMPATIBLE = [
    "@platforms//cpu:riscv64",
    "@platforms//os:none",
]

_PLATFORMS = "//command_line_option:platforms"
_SBRK_DEFAULT = "//kernel:sbrk_default"
_RISCV_PLATFORM = "//toolchains:riscv64_none"

# The kernel's UndefinedBehaviorSanitizer checks (//kernel:ubsan, --config=ubsan, kernel_ubsan):
# everything in -fsanitize=undefined whose handlers kernel/ubsan.cc implements. vptr needs RTTI and
# a C++ runtime, function needs type hashes in every function's prologue data: both are left out.
# Nothing recovers: the handler reports the check and its source location, then panics.
KERNEL_UBSAN_COPTS = [
    "-fsanitize=undefined",
    "-fno-sanitize=vptr,function",
    "-fno-sanitize-recover=undefined",
]

# The coverage kernel (//kernel:coverage, :kernel_coverage, //tools:coverage): clang's source-based
# coverage, whose counters //tools:coverage reads out of guest memory. Counter updates are atomic
# because every hart runs the same kernel code; paths are recorded relative to the workspace root.
KERNEL_COVERAGE_COPTS = [
    "-fprofile-instr-generate",
    "-fcoverage-mapping",
    "-fcoverage-compilation-dir=.",
    "-fprofile-update=atomic",
]

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

# Build settings a riscv_image may set on its binary (riscv_image.settings), by short name. Bool
# settings take "true"/"false".
IMAGE_SETTINGS = {
    "sbrk_default": "//kernel:sbrk_default",
    "trap_model": "//kernel:trap_model",
    "ubsan": "//kernel:ubsan",
    "debug": "//kernel:debug",
    "coverage": "//kernel:coverage",
}
_BOOL_SETTINGS = ["ubsan", "debug", "coverage"]

# Options meant for host code (--config=asan, a developer's --copt=...): the RISC-V side starts from
# empty lists, so host sanitizer or debug flags never reach the kernel or user programs. The RISC-V
# toolchain brings its own -std and flags; targets add theirs with copts.
_HOST_ONLY_OPTIONS = [
    "//command_line_option:copt",
    "//command_line_option:cxxopt",
    "//command_line_option:conlyopt",
    "//command_line_option:linkopt",
]

def _setting_value(image, key, value):
    """The transition value for riscv_image.settings[key] = value (a string in BUILD files)."""
    if key not in IMAGE_SETTINGS:
        known = ", ".join(IMAGE_SETTINGS)
        fail("%s: unknown setting %r in settings; known: %s" % (image, key, known))
    if key in _BOOL_SETTINGS:
        if value not in ["true", "false"]:
            fail("%s: setting %r must be \"true\" or \"false\", not %r" % (image, key, value))
        return value == "true"
    return value

def _riscv_transition_impl(settings, attr):
    out = {_PLATFORMS: _RISCV_PLATFORM}
    for option in _HOST_ONLY_OPTIONS:
        out[option] = []
    for label in IMAGE_SETTINGS.values():
        out[label] = settings[label]  # the command line's value, unless the image overrides it
    if attr.sbrk_default:
        out[_SBRK_DEFAULT] = attr.sbrk_default
    for key, value in attr.settings.items():
        parsed = _setting_value(attr.name, key, value)  # fails on an unknown key
        out[IMAGE_SETTINGS[key]] = parsed
    return out

_riscv_transition = transition(
    implementation = _riscv_transition_impl,
    inputs = IMAGE_SETTINGS.values(),
    outputs = [_PLATFORMS] + _HOST_ONLY_OPTIONS + IMAGE_SETTINGS.values(),
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
        "settings": attr.string_dict(
            doc = "Build settings for `binary`, by their IMAGE_SETTINGS name, e.g. " +
                  "{\"ubsan\": \"true\"}. Settings not named keep the command line's value.",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def _elf_listing_impl(ctx):
    """Writes <elf>.asm (llvm-objdump -S) and <elf>.sym (llvm-nm -n -C, "address name")."""
    elf = ctx.file.elf
    asm = ctx.actions.declare_file(elf.basename + ".asm")
    sym = ctx.actions.declare_file(elf.basename + ".sym")

    # The sources are inputs so that -S finds them at the workspace-relative paths in the debug info.
    ctx.actions.run_shell(
        command = '"$1/llvm-objdump" -S --no-show-raw-insn "$2" > "$3" && ' +
                  '"$1/llvm-nm" -n -C --defined-only "$2" | sed -E "s/^([0-9a-f]+) . /\\1 /" > "$4"',
        arguments = [LLVM_BIN, elf.path, asm.path, sym.path],
        inputs = [elf] + ctx.files.srcs,
        outputs = [asm, sym],
        mnemonic = "ElfListing",
        progress_message = "Listing %s" % elf.short_path,
    )
    return [DefaultInfo(files = depset([asm, sym]), runfiles = ctx.runfiles(files = [asm, sym]))]

elf_listing = rule(
    implementation = _elf_listing_impl,
    doc = "Disassembly with source (`<elf>.asm`, llvm-objdump -S) and the symbol table sorted " +
          "by address (`<elf>.sym`: \"address name\" lines, demangled), next to the ELF, as " +
          "xv6's Makefile makes.",
    attrs = {
        "elf": attr.label(mandatory = True, allow_single_file = True, doc = "A riscv_image."),
        "srcs": attr.label_list(allow_files = True, doc = "The sources the ELF was built from."),
    },
)

def kernel_image(
        name,
        srcs,
        deps = [],
        sources = None,
        linker_script = None,
        copts = [],
        variants = {},
        **kwargs):
    """The kernel ELF `name`, plus `name_<suffix>` for each variant, built with its settings, and
    the listing `name.asm`/`name.sym` of the default one (`name_listing`).

    sources: every source and header of the kernel (a filegroup), for the listing's -S; default srcs.
    variants: {suffix: {setting: value}} with IMAGE_SETTINGS names, e.g.
      {"eager": {"sbrk_default": "eager"}, "ubsan": {"ubsan": "true"}}.
    kwargs (e.g. visibility, tags) go to the image targets.
    """
    riscv_cc_binary(
        name = name + "_bin",
        srcs = srcs,
        deps = deps,
        copts = copts,
        linker_script = linker_script,
    )
    riscv_image(name = name, binary = ":" + name + "_bin", **kwargs)
    elf_listing(
        name = name + "_listing",
        elf = ":" + name,
        srcs = [sources] if sources else srcs,
        **kwargs
    )
    for suffix, settings in variants.items():
        riscv_image(
            name = name + "_" + suffix,
            binary = ":" + name + "_bin",
            settings = settings,
            **kwargs
        )

def kernel_header_check(name, hdrs, deps = [], copts = []):
    """A RISC-V library of one generated .cc per header in hdrs, each including only that header,
    twice (so a missing include guard fails too): it compiles only if every header is
    self-contained. Nothing in it is linked: depend on it from an image so that `//...` builds it.
    """
    pkg = native.package_name()
    outs = []
    for hdr in hdrs:
        out = "%s/%s.cc" % (name, hdr.replace("/", "_"))
        include = "#include \"%s/%s\"" % (pkg, hdr)
        native.genrule(
            name = "%s_%s" % (name, hdr.replace("/", "_").replace(".", "_")),
            outs = [out],
            cmd = "printf '%%s\\n' '%s' '%s' > $@" % (include, include),
        )
        outs.append(out)
    riscv_library(name = name, srcs = outs, deps = deps, copts = copts)

def user_program(name, srcs, deps = [], copts = [], **kwargs):
    """A user program ELF `name` (C11 or C++20 sources) linked at 0 against //user:ulib, and its
    listing `name.asm`/`name.sym` (`name_listing`).

    kwargs (e.g. visibility, tags) go to the image and listing targets.
    """
    riscv_cc_binary(
        name = name + "_bin",
        srcs = srcs,
        deps = deps + ["//user:ulib"],
        copts = copts,
        linker_script = "//user:user.ld",
    )
    riscv_image(name = name, binary = ":" + name + "_bin", **kwargs)
    elf_listing(
        name = name + "_listing",
        elf = ":" + name,
        srcs = srcs + ["//user:ulib_srcs"],
        **kwargs
    )

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
