"""The one RISC-V cc_toolchain: Clang/LLD 19, bare metal (riscv64-unknown-elf), freestanding.

Every flag shared by RISC-V code lives here, once. Targets add only what is theirs (copts, linker
script). The compiler paths come from @llvm19, which checks the version before anything builds.
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)
load("@llvm19//:defs.bzl", "CLANG_RESOURCE_INCLUDE", "CLANG_VERSION", "LLVM_BIN")

# The machine: RV64GC, double-float ABI. medany because the kernel links at 0x80000000, out of
# medlow's +-2 GiB-around-zero range.
TARGET_FLAGS = [
    "--target=riscv64-unknown-elf",
    "-march=rv64gc",
    "-mabi=lp64d",
    "-mcmodel=medany",
]

# No hosted environment: no libc, no libstdc++, no C++ headers, no implicit builtin calls.
FREESTANDING_FLAGS = [
    "-ffreestanding",
    "-fno-builtin",
    "-nostdlib",
    "-nostdlibinc",
    "-fno-common",
    "-fno-pic",
]

# Kernel speed matters, and gdb needs the symbols and frame pointers. Debug paths are recorded
# relative to the workspace root (not the sandbox), so gdb started there finds the sources.
CODEGEN_FLAGS = [
    "-O2",
    "-g",
    "-fno-omit-frame-pointer",
    "-ffunction-sections",
    "-fdata-sections",
    "-fdebug-compilation-dir=.",
]

# C is for user programs written the xv6 way, which must compile unchanged. xv6 builds them with gcc's
# default dialect (GNU C17: `asm volatile`, old-style definitions) and gcc's -Wall -Werror. Clang's
# -Wall warns about more than gcc's (xv6's usertests.c has a variable that is set but never used),
# so for C the warnings stay warnings, and only what gcc -Wall -Werror also rejects (and what is a
# bug on any compiler) is an error.
C_FLAGS = [
    "-std=gnu17",
    "-Wall",
    "-Werror=implicit-function-declaration",
    "-Werror=implicit-int",
    "-Werror=int-conversion",
    "-Werror=incompatible-pointer-types",
    "-Werror=return-type",
]

CXX_FLAGS = [
    "-std=c++20",
    "-fno-exceptions",
    "-fno-rtti",
    "-fno-threadsafe-statics",
    "-fno-use-cxa-atexit",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wthread-safety",
    "-Wglobal-constructors",
    "-Wexit-time-destructors",
]

# lld 19 links with RISC-V relaxation; no crt files, no libraries, unused sections dropped.
LINK_FLAGS = [
    "-fuse-ld=lld",
    "--ld-path=" + LLVM_BIN + "/ld.lld",
    "-nostdlib",
    "-static",
    "-Wl,--gc-sections",
]

_C_COMPILE = [ACTION_NAMES.c_compile]
_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]
_ASM = [ACTION_NAMES.assemble, ACTION_NAMES.preprocess_assemble]
_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE + _ASM
_LINK = [ACTION_NAMES.cpp_link_executable]

def _flags(actions, flags):
    return flag_set(actions = actions, flag_groups = [flag_group(flags = flags)])

def _riscv_cc_toolchain_config_impl(ctx):
    tools = {
        "ar": "llvm-ar",
        "cpp": "clang-cpp",
        "gcc": "clang",
        "gcov": "llvm-cov",
        "ld": "ld.lld",
        "nm": "llvm-nm",
        "objcopy": "llvm-objcopy",
        "objdump": "llvm-objdump",
        "strip": "llvm-strip",
    }
    features = [
        # Named like Bazel's legacy features so that they replace them instead of adding to them.
        feature(
            name = "default_compile_flags",
            enabled = True,
            flag_sets = [
                _flags(_ALL_COMPILE, TARGET_FLAGS + FREESTANDING_FLAGS + CODEGEN_FLAGS),
                _flags(_C_COMPILE, C_FLAGS),
                _flags(_CXX_COMPILE, CXX_FLAGS),
            ],
        ),
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [_flags(_LINK, TARGET_FLAGS + LINK_FLAGS)],
        ),
        feature(name = "supports_start_end_lib", enabled = False),
        feature(name = "supports_pic", enabled = False),
        feature(name = "supports_dynamic_linker", enabled = False),
    ]
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        toolchain_identifier = "riscv64-none-clang" + CLANG_VERSION,
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = "riscv64-unknown-elf",
        target_cpu = "riscv64",
        target_libc = "none",
        compiler = "clang",
        abi_version = "lp64d",
        abi_libc_version = "none",
        tool_paths = [tool_path(name = k, path = LLVM_BIN + "/" + v) for k, v in tools.items()],
        cxx_builtin_include_directories = [CLANG_RESOURCE_INCLUDE],
        features = features,
    )

riscv_cc_toolchain_config = rule(
    implementation = _riscv_cc_toolchain_config_impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
