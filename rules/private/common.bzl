"""Shared pieces of the rules_heads actions: hermetic environment, tools, shell prelude."""

# Every foreign build runs with this environment and nothing of the user's.
# PATH names only the build root's pinned tools (or, with a system Bazel, the
# host's: see README). KBUILD_* and SOURCE_DATE_EPOCH make kbuild, coreboot
# and autotools embed constants instead of the date, user and host.
HERMETIC_ENV = {
    "HOME": "/nonexistent",
    "KBUILD_BUILD_HOST": "rules_heads",
    "KBUILD_BUILD_TIMESTAMP": "1970-01-01",
    "KBUILD_BUILD_USER": "rules_heads",
    "KBUILD_BUILD_VERSION": "0",
    "LANG": "C",
    "LC_ALL": "C",
    "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    "SOURCE_DATE_EPOCH": "0",
    # Build scripts that unpack archives themselves (musl-cross-make,
    # buildgcc) run as root in the sandbox's user namespace, where tar's
    # default of restoring the archive's owners fails.
    "TAR_OPTIONS": "--no-same-owner",
    "TZ": "UTC",
}

# Executable tools every rule may call; exec configuration. The build
# environment's identity (@rules_heads_buildenv, rules/private/buildenv.bzl:
# the installed packages, in the build root those of its lock) is an input
# of every foreign-build action: the compilers and make they run come from
# it, so other packages must rebuild them and a shared cache must never
# serve one environment's results to another.
TOOL_ATTRS = {
    "_buildenv": attr.label(
        default = Label("@rules_heads_buildenv//:buildenv.txt"),
        allow_single_file = True,
    ),
    "_helpers": attr.label(
        default = Label("//rules/private:heads_action.sh"),
        allow_single_file = True,
    ),
    "_mkinitrd": attr.label(
        default = Label("//tools/cmd/mkinitrd"),
        executable = True,
        cfg = "exec",
    ),
    "_romstitch": attr.label(
        default = Label("//tools/cmd/romstitch"),
        executable = True,
        cfg = "exec",
    ),
    "_tarnorm": attr.label(
        default = Label("//tools/cmd/tarnorm"),
        executable = True,
        cfg = "exec",
    ),
}

# The build root's xz (pinned by its lock), passed to mkinitrd explicitly:
# an initrd's bytes must never depend on which xz happens to be found.
XZ = "/usr/bin/xz"

# resource_set callbacks must be top-level functions: one per job count.
def _cpu_1(_os, _inputs_size):
    return {"cpu": 1}

def _cpu_2(_os, _inputs_size):
    return {"cpu": 2}

def _cpu_4(_os, _inputs_size):
    return {"cpu": 4}

def _cpu_8(_os, _inputs_size):
    return {"cpu": 8}

_CPU_SETS = {1: _cpu_1, 2: _cpu_2, 4: _cpu_4, 8: _cpu_8}

def _resource_set(jobs):
    """The resource_set that tells Bazel an action runs `make -j<jobs>`."""
    for n in sorted(_CPU_SETS.keys(), reverse = True):
        if jobs >= n:
            return _CPU_SETS[n]
    return _cpu_1

def check_list_entries(label, what, values):
    """Fails when a value cannot travel in a newline-separated list.

    Args:
      label: the target, for the message.
      what: the attribute or kind of value.
      values: strings.
    """
    for v in values:
        if "\n" in v:
            fail("%s: %s %r contains a newline, which rules_heads cannot pass to its actions" % (label, what, v))

def tree_path(f):
    """A source file's path in its repository (a Heads tree: blobs/..., config/...)."""
    if f.owner and f.owner.workspace_root and f.short_path.startswith("../"):
        return f.short_path.split("/", 2)[2]
    return f.short_path

def heads_tree_env(ctx):
    """RH_TREE_FILES and RH_BRAND of rh_heads_config, from `tree_files` and `brand`.

    Args:
      ctx: rule context with `tree_files` (label_list) and `brand` attributes.

    Returns:
      (env dict, input Files).
    """
    lines = ["%s\t%s" % (f.path, tree_path(f)) for f in ctx.files.tree_files]
    check_list_entries(ctx.label, "tree file", lines)
    for f in ctx.files.tree_files:
        p = tree_path(f)
        if p.startswith("/") or ".." in p.split("/"):
            fail("%s: tree file %s is not inside its tree" % (ctx.label, f.short_path))
    return {"RH_BRAND": ctx.attr.brand, "RH_TREE_FILES": "\n".join(lines)}, ctx.files.tree_files

HEADS_CONFIG_ATTRS = {
    "brand": attr.string(default = "Heads", doc = "Heads' BRAND_NAME, for the @BRAND_NAME@ and @BRAND_DIR@ placeholders."),
    "heads_config": attr.bool(doc = "The config is a Heads config template: replace its placeholders (@BLOB_DIR@, @BRAND_DIR@, @BRAND_NAME@, @BOARD_BUILD_DIR@) as Heads' bin/prepare_module_config.sh does, with `tree_files` laid out as the Heads tree."),
    "tree_files": attr.label_list(allow_files = True, doc = "Files of a Heads tree the config names (blobs/...), placed at their path in the tree."),
}

def run_heads_action(
        ctx,
        body,
        inputs,
        outputs,
        mnemonic,
        progress_message,
        tools = [],
        env = {},
        jobs = 1,
        romstitch = False,
        tarnorm = True,
        script_name = None):
    """Runs one foreign-build action: heads_action.sh's helpers + body.

    The action's script is a file of its own (`<name>.<mnemonic>.sh`, the
    `scripts` output group): `. "$RULES_HEADS_HELPERS"` and `body`. Values
    reach it only through `env` (RH_* variables), so no name is ever pasted
    into shell text.

    Owns what every such action shares, so no rule can forget it: the fixed
    environment (HERMETIC_ENV, which `env` may not override), a private work
    directory, tarnorm among the tools (unless `tarnorm` is False), the build environment's identity
    among the inputs (the compilers and make the action runs are its
    packages: @rules_heads_buildenv), and the CPUs `make -j<jobs>` uses.

    Args:
      ctx: rule context (with TOOL_ATTRS).
      body: shell commands run after the helpers.
      inputs: list or depset of input Files.
      outputs: declared output Files.
      mnemonic: action mnemonic.
      progress_message: progress message.
      tools: more executable tools.
      env: more environment variables (RH_* values of the body).
      jobs: make -j of the action, for Bazel's CPU accounting.
      romstitch: whether the body calls $ROMSTITCH (only then is it an
        input: a change of the Go tools should not rebuild what does not
        use them).
      tarnorm: whether the body calls $TARNORM (rh_extract, rh_pack). The
        toolchain builds do not: they unpack sources that are already
        deterministic tarballs and pack with rh_tar_pack (the root's GNU
        tar, same bytes), so a change of the Go tools never rebuilds a
        toolchain, in any cache.
      script_name: file name of the script (default <name>.<mnemonic>.sh).

    Returns:
      The script File (for the `scripts` output group).
    """
    for k in env:
        if k in HERMETIC_ENV:
            fail("%s: %s is part of rules_heads' fixed action environment and cannot be set" % (ctx.label, k))
    if type(inputs) != "depset":
        inputs = depset(inputs)
    script = ctx.actions.declare_file(script_name or "{}.{}.sh".format(ctx.label.name, mnemonic))
    ctx.actions.write(script, """#!/bin/bash
# {mnemonic} {label}: written by rules_heads; runs with the environment
# of HERMETIC_ENV (rules/private/common.bzl) and the RH_* values below.
# {env}
. "$RULES_HEADS_HELPERS"
{body}""".format(
        mnemonic = mnemonic,
        label = ctx.label,
        env = "\n# ".join(["{}={}".format(k, v.replace("\n", " ")) for k, v in sorted(env.items())]),
        body = body.lstrip("\n"),
    ))
    action_env = dict(HERMETIC_ENV)
    action_env["RULES_HEADS_WORK"] = "{}/{}/{}.{}.work".format(ctx.bin_dir.path, ctx.label.package, ctx.label.name, mnemonic)
    action_env["RULES_HEADS_HELPERS"] = ctx.file._helpers.path
    tools = list(tools)
    if tarnorm:
        action_env["TARNORM"] = ctx.executable._tarnorm.path
        tools.append(ctx.executable._tarnorm)
    if romstitch:
        action_env["ROMSTITCH"] = ctx.executable._romstitch.path
        tools.append(ctx.executable._romstitch)
    action_env.update(env)
    ctx.actions.run(
        executable = "/bin/bash",
        arguments = [script.path],
        inputs = depset([ctx.file._buildenv, ctx.file._helpers, script], transitive = [inputs]),
        tools = tools,
        outputs = outputs,
        env = action_env,
        mnemonic = mnemonic,
        progress_message = progress_message,
        resource_set = _resource_set(jobs),
    )
    return script
