#!/usr/bin/env python3
"""Writes compile_commands.json at the workspace root for clangd and other editors.

    ./bazelw run //tools:compile_commands [-- [OPTIONS] BAZEL-FLAGS...]   (or tools/compile_commands.py)

Asks Bazel (aquery) for every C/C++ compile action under //..., including the RISC-V kernel and
user code built through the platform transition, so each file gets the flags it really builds
with: Clang 19 RISC-V flags for kernel/user, the host gcc flags for host tools and tests. Other
arguments go to `bazel aquery` (e.g. --config=eager). Files compiled in several configurations
(lazy and eager kernel) are listed once, with the first configuration Bazel reports. Each entry has
only the keys of the JSON compilation database format ("directory", "file", "arguments"): clangd
refuses a database with any other key.

Options (for //tools:compile_commands_test, which runs a private Bazel):
    --output=FILE      write here instead of <workspace>/compile_commands.json
    --targets=EXPR     the targets whose compile actions to list (default //...)
    --startup=OPTION   a Bazel startup option (repeatable), e.g. --startup=--batch
"""

import argparse
import json
import os
import re
import subprocess
import sys

# Paths Bazel passes relative to its execution root; the commands run from the workspace root.
EXECROOT_RELATIVE = re.compile(r"^(-I|-iquote|-isystem|)(external/|bazel-out/)")


def drop_dependency_file_flags(args):
    """Removes -MD and -MF FILE: an editor re-parsing a file must not write Bazel's .d files."""
    kept, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "-MF":
            skip = True
        elif a != "-MD":
            kept.append(a)
    return kept


def bazel(workspace, startup, *args):
    return subprocess.run(
        [os.path.join(workspace, "bazelw"), *startup, *args],
        cwd=workspace,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout


def main(argv):
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--output")
    parser.add_argument("--targets", default="//...")
    parser.add_argument("--startup", action="append", default=[])
    opts, aquery_flags = parser.parse_known_args(argv[1:])

    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.path.dirname(
        os.path.dirname(os.path.realpath(__file__)))
    execroot = bazel(workspace, opts.startup, "info", "execution_root").strip()
    query = 'mnemonic("CppCompile", deps(%s))' % opts.targets
    graph = json.loads(
        bazel(workspace, opts.startup, "aquery", query, "--output=jsonproto", "--include_artifacts=false",
              *aquery_flags))

    entries = {}
    for action in sorted(graph.get("actions", []), key=lambda a: a.get("configurationId", 0)):
        args = action["arguments"]
        if "-c" not in args:
            continue
        source = args[args.index("-c") + 1]
        if source.startswith(("external/", "bazel-out/")) or source in entries:
            continue  # not our code, or already listed from an earlier configuration
        args = drop_dependency_file_flags(args)
        entries[source] = {
            "directory": workspace,
            "file": os.path.join(workspace, source),
            "arguments": [EXECROOT_RELATIVE.sub(r"\1" + execroot + r"/\2", a) for a in args],
        }

    out = opts.output or os.path.join(workspace, "compile_commands.json")
    with open(out, "w") as f:
        json.dump(sorted(entries.values(), key=lambda e: e["file"]), f, indent=1)
        f.write("\n")
    print("compile_commands.json: %d files -> %s" % (len(entries), out), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
