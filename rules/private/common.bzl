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
#                the module name and the last 20 lines of the log (as Heads
#                does) and fails.
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
    echo "rules_heads: last 20 lines of its log ($log):" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
}
"""

def work_dir(ctx, suffix = ""):
    """A per-target scratch path relative to the exec root.

    Args:
      ctx: rule context.
      suffix: distinguishes several actions of one target.

    Returns:
      A relative path string.
    """
    return "{}/{}/{}.work{}".format(ctx.bin_dir.path, ctx.label.package, ctx.label.name, suffix)

def hermetic_env(ctx, extra = {}, suffix = ""):
    """The environment of a foreign-build action.

    Args:
      ctx: rule context.
      extra: more variables.
      suffix: as for work_dir.

    Returns:
      A dict.
    """
    env = dict(HERMETIC_ENV)
    env["RULES_HEADS_WORK"] = work_dir(ctx, suffix)
    env["TARNORM"] = ctx.executable._tarnorm.path
    env.update(extra)
    return env

def shell_quote(s):
    """Quotes a string for POSIX sh.

    Args:
      s: the string.

    Returns:
      The quoted string.
    """
    return "'" + s.replace("'", "'\\''") + "'"
