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

# Executable tools every rule may call; exec configuration. The build root's
# lock is an input of every foreign-build action: the compilers and make
# they run are the root's pinned packages, so a new lock must rebuild them.
TOOL_ATTRS = {
    "_buildroot_lock": attr.label(
        default = Label("//tools/buildenv:packages.lock"),
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

# Prelude of every foreign-build action. $1.. are not used: the action's
# command appends its own body. Provides:
#   $WORK        a private work directory (under the sandbox's exec root)
#   $EXECROOT    the exec root (absolute; never written into outputs: the
#                prefix maps below rewrite it)
#   run_logged NAME LOG CMD...  runs CMD with output to LOG; on failure prints
#                the module name, the first lines that look like errors (with
#                make -j they are rarely at the end) and the last 20 lines of
#                the log (as Heads does) and fails.
#   PREFIX_MAP_FLAGS  compiler flags mapping $WORK to /build and $EXECROOT to .
#   extract_source ARCHIVE STRIP   extracts a module's source into $WORK/src.
#   take_output WHAT SRC DEST      copies a build product to a declared
#                output, failing with WHAT's name if the build did not make it.
#   save_log LOG DEST   writes LOG with the work and exec-root paths mapped
#                away (as the compiler flags map them).
SHELL_PRELUDE = r"""
set -euo pipefail
umask 022
EXECROOT=$PWD
WORK=$EXECROOT/$RULES_HEADS_WORK
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
PREFIX_MAP_FLAGS="-ffile-prefix-map=$WORK=/build -ffile-prefix-map=$EXECROOT=."
export PREFIX_MAP_FLAGS
extract_source() {
  "$EXECROOT/$TARNORM" extract --strip-components "$2" --out "$WORK/src" "$EXECROOT/$1"
}
take_output() {
  if [ ! -f "$2" ]; then
    echo "rules_heads: $1: the build did not produce ${2#$WORK/}" >&2
    exit 1
  fi
  cp "$2" "$EXECROOT/$3"
}
save_log() {
  sed -e "s|$WORK|/build|g" -e "s|$EXECROOT|.|g" "$1" > "$EXECROOT/$2"
}
run_logged() {
  local name=$1 log=$2
  shift 2
  if ! "$@" >>"$log" 2>&1; then
    echo "rules_heads: $name failed: $*" >&2
    # With make -j the first error is often far from the end of the log.
    # Compiler and configure errors say ": error:", make says "***".
    if grep -q -E '(: error:|: \*\*\* )' "$log"; then
      echo "rules_heads: first errors in its log:" >&2
      grep -E '(: error:|: \*\*\* )' "$log" | head -n 5 | sed 's/^/    /' >&2
    fi
    echo "rules_heads: last 20 lines of its log ($log):" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
}
"""

def run_heads_action(ctx, body, inputs, outputs, mnemonic, progress_message, tools = [], env = {}):
    """Runs one foreign-build action: SHELL_PRELUDE + body.

    Owns what every such action shares, so no rule can forget it: the fixed
    environment (HERMETIC_ENV, a private work directory, $TARNORM), tarnorm
    among the tools, and the build root's lock among the inputs (the
    compilers and make the action runs are the root's pinned packages).

    Args:
      ctx: rule context (with TOOL_ATTRS).
      body: shell commands run after the prelude.
      inputs: list or depset of input Files.
      outputs: declared output Files.
      mnemonic: action mnemonic.
      progress_message: progress message.
      tools: more executable tools.
      env: more environment variables.
    """
    if type(inputs) != "depset":
        inputs = depset(inputs)
    action_env = dict(HERMETIC_ENV)
    action_env["RULES_HEADS_WORK"] = "{}/{}/{}.work".format(ctx.bin_dir.path, ctx.label.package, ctx.label.name)
    action_env["TARNORM"] = ctx.executable._tarnorm.path
    action_env.update(env)
    ctx.actions.run_shell(
        command = SHELL_PRELUDE + body,
        inputs = depset([ctx.file._buildroot_lock], transitive = [inputs]),
        tools = [ctx.executable._tarnorm] + tools,
        outputs = outputs,
        env = action_env,
        mnemonic = mnemonic,
        progress_message = progress_message,
    )
