"""heads_module: configure, build and install one Heads module, hermetically."""

load("//rules:providers.bzl", "HeadsModuleInfo", "HeadsSourceInfo")
load(":cc_toolchain.bzl", "toolchain_env", "toolchain_inputs")
load(":common.bzl", "HERMETIC_ENV", "TOOL_ATTRS", "check_list_entries", "run_heads_action")

TOOLCHAIN_TYPE = Label("//rules:toolchain_type")

# The module build: the dependencies' install trees as a private sysroot,
# Heads' variables, configure / build / install, then the install tree
# (scrubbed of build paths) and the stripped initrd share, as tarballs.
_MODULE_BODY = """
rh_toolchain_setup
LOG="$WORK/build.log"
: > "$LOG"
SYSROOT="$WORK/sysroot"
INSTALL="$SYSROOT"
DESTDIR="$WORK/install"
mkdir -p "$SYSROOT" "$DESTDIR" "$WORK/initrd/bin" "$WORK/initrd/lib"
while IFS= read -r t; do
  rh_untar "$t" "$SYSROOT"
done < <(rh_each RH_DEP_TARS)
rh_extract "$RH_SRC" "$RH_STRIP" "$WORK/src"
cd "$WORK/src"
# Heads' heads_cc: debug prefix maps, no recorded switches, the sysroot of
# the dependencies only (never a shared mutable one).
HEADS_CC="$CC $PREFIX_MAP_FLAGS -gno-record-gcc-switches -D__MUSL__ $HEADS_CFLAGS -isystem $SYSROOT/include -L$SYSROOT/lib"
CC="$HEADS_CC"
CROSS_TOOLS="CC=\\"$HEADS_CC\\" AR=$AR LD=$LD STRIP=$STRIP NM=$NM OBJCOPY=$OBJCOPY OBJDUMP=$OBJDUMP RANLIB=$RANLIB"
MUSL_ARCH=$RH_MUSL_ARCH
HOST_TRIPLE=$RH_HOST_TRIPLE
MAKE_JOBS="-j$RH_JOBS"
export CC SYSROOT INSTALL DESTDIR HEADS_CC CROSS_TOOLS MUSL_ARCH HOST_TRIPLE MAKE_JOBS
if [ -n "$RH_CONFIG" ]; then
  CONFIG="$EXECROOT/$RH_CONFIG"
  export CONFIG
fi
rh_run_logged "$RH_MODULE: configure" "$LOG" bash -euo pipefail -c "$RH_CONFIGURE"
rh_run_logged "$RH_MODULE: build" "$LOG" bash -euo pipefail -c "$RH_BUILD"
rh_run_logged "$RH_MODULE: install" "$LOG" bash -euo pipefail -c "$RH_INSTALL"
rh_scrub_install "module $RH_MODULE" "$DESTDIR"
copy_out() { # FILE DIR: a declared output, stripped, into the initrd's DIR/
  local dest="$WORK/initrd/$2/${1##*/}"
  [ -f "$1" ] || rh_fail "module $RH_MODULE: declared output '$1' was not built (looked in the build directory)"
  cp "$1" "$dest"
  chmod u+w "$dest"
  rh_run_logged "$RH_MODULE: strip" "$LOG" "$STRIP" --strip-unneeded "$dest"
}
while IFS= read -r o; do copy_out "$o" bin; done < <(rh_each RH_OUTPUTS)
while IFS= read -r o; do copy_out "$o" lib; done < <(rh_each RH_LIBRARIES)
cd "$EXECROOT"
rh_pack "$DESTDIR" "$RH_OUT_SYSROOT"
rh_pack "$WORK/initrd" "$RH_OUT_INITRD"
rh_save_log "$LOG" "$RH_OUT_LOG"
"""

def module_providers(module, sysroot_tar, initrd_tar, log, script, dep_tars):
    """The providers of a module rule (heads_module, heads_make_module).

    Args:
      module: the Heads module name.
      sysroot_tar: its install tree.
      initrd_tar: its initrd share (bin/, lib/).
      log: its build log.
      script: the action's composed script.
      dep_tars: the dependencies' install trees (depset, postorder).

    Returns:
      DefaultInfo, OutputGroupInfo and HeadsModuleInfo.
    """
    return [
        DefaultInfo(files = depset([sysroot_tar, initrd_tar])),
        OutputGroupInfo(
            initrd = depset([initrd_tar]),
            logs = depset([log]),
            scripts = depset([script]),
            sysroot = depset([sysroot_tar]),
        ),
        HeadsModuleInfo(
            module = module,
            sysroot_tar = sysroot_tar,
            initrd_tar = initrd_tar,
            transitive_sysroot_tars = depset([sysroot_tar], transitive = [dep_tars], order = "postorder"),
        ),
    ]

def _heads_module_impl(ctx):
    module = ctx.attr.module or ctx.label.name
    tc = ctx.toolchains[TOOLCHAIN_TYPE].heads
    source_info = ctx.attr.source[HeadsSourceInfo]
    src = source_info.tar
    dep_infos = [d[HeadsModuleInfo] for d in ctx.attr.deps]
    dep_tars = depset(transitive = [tc.sysroot_tars] + [d.transitive_sysroot_tars for d in dep_infos], order = "postorder")

    sysroot_tar = ctx.actions.declare_file(ctx.label.name + ".sysroot.tar")
    initrd_tar = ctx.actions.declare_file(ctx.label.name + ".initrd.tar")
    log = ctx.actions.declare_file(ctx.label.name + ".log")

    for k in ctx.attr.env:
        if k in HERMETIC_ENV or k in tc.env or k.startswith("RH_") or k in _MODULE_VARS:
            fail("%s: env cannot set %s: it is part of the fixed environment every module gets (see heads_module's doc)" % (ctx.label, k))
    check_list_entries(ctx.label, "outputs/libraries entry", ctx.attr.outputs + ctx.attr.libraries)
    dep_paths = [t.path for t in dep_tars.to_list()]
    check_list_entries(ctx.label, "dependency", dep_paths)

    env = dict(tc.env)
    env.update(ctx.attr.env)
    env.update(toolchain_env(tc))
    env.update({
        "RH_BUILD": ctx.attr.build,
        "RH_CONFIG": ctx.file.config.path if ctx.file.config else "",
        "RH_CONFIGURE": ctx.attr.configure or "true",
        "RH_DEP_TARS": "\n".join(dep_paths),
        "RH_HOST_TRIPLE": tc.host_triple,
        "RH_INSTALL": ctx.attr.install or "true",
        "RH_JOBS": str(ctx.attr.jobs),
        "RH_LIBRARIES": "\n".join(ctx.attr.libraries),
        "RH_MODULE": module,
        "RH_MUSL_ARCH": tc.musl_arch,
        "RH_OUTPUTS": "\n".join(ctx.attr.outputs),
        "RH_OUT_INITRD": initrd_tar.path,
        "RH_OUT_LOG": log.path,
        "RH_OUT_SYSROOT": sysroot_tar.path,
        "RH_SRC": src.path,
        "RH_STRIP": str(source_info.strip_components),
    })
    script = run_heads_action(
        ctx,
        body = _MODULE_BODY,
        inputs = depset([src] + ctx.files.config + toolchain_inputs(tc), transitive = [dep_tars, tc.files]),
        outputs = [sysroot_tar, initrd_tar, log],
        env = env,
        jobs = ctx.attr.jobs,
        mnemonic = "HeadsModule",
        progress_message = "Building Heads module %s" % module,
    )
    return module_providers(module, sysroot_tar, initrd_tar, log, script, dep_tars)

# Variables the module's commands get from the rule.
_MODULE_VARS = ["CC", "CONFIG", "CROSS_TOOLS", "DESTDIR", "HEADS_CC", "HOST_TRIPLE", "INSTALL", "MAKE_JOBS", "MUSL_ARCH", "SYSROOT"]

heads_module = rule(
    implementation = _heads_module_impl,
    doc = """Configures, builds and installs one Heads module (modules/<name>).

One action: the module's patched source, the install trees of its
dependencies composed into a private read-only sysroot ($SYSROOT, also
$INSTALL as Heads names it), then `configure`, `build`, `install` as shell
commands in the source directory with Heads' variables set: $CC/$HEADS_CC
(the toolchain's compiler with prefix maps and the sysroot), $CROSS_TOOLS,
$CROSS,
$MUSL_ARCH, $HOST_TRIPLE, $MAKE_JOBS, $CONFIG (the `config` file), $DESTDIR (the module's own install
tree). The environment is fixed (PATH of the build root, TZ=UTC, LC_ALL=C,
SOURCE_DATE_EPOCH=0, KBUILD_BUILD_*, umask 022); the work directory is
mapped to /build by -ffile-prefix-map so no sandbox path reaches an output.

The install tree is scrubbed before it is packed: libtool `.la` files
(which record the build's absolute sysroot in dependency_libs) are removed,
pkg-config `.pc` files have the install and sysroot directories stripped
(sysroot-relative paths, as Heads' PKG_CONFIG_SYSROOT_DIR expects), and a
file still containing the build's absolute path is an error naming it.
The action's script is the `scripts` output group.

Outputs are deterministic tarballs (see HeadsModuleInfo for why not tree
artifacts): `<name>.sysroot.tar` (the install tree) and `<name>.initrd.tar`
(stripped `outputs` under bin/ and `libraries` under lib/, Heads'
`_output` and `_libraries`). On failure the module name and the last 20
lines of its log are printed.

Mapping from a Heads `modules/<m>` file: `_depends` -> deps, `_configure`
-> configure, `_target` -> build (+ install), `_output` -> outputs,
`_libraries` -> libraries, `_config` -> config, `_tar`/`_url`/`_hash` -> the source's archive,
patches/<m>-<version>/ -> the source's patches. Source files keep mtime
SOURCE_DATE_EPOCH, so equal timestamps do not trigger autotools
regeneration.""",
    attrs = dict(TOOL_ATTRS, **{
        "build": attr.string(default = "make $MAKE_JOBS", doc = "Build command (Heads `_target`)."),
        "config": attr.label(allow_single_file = True, doc = "The module's config file (Heads `_config`), as $CONFIG."),
        "configure": attr.string(doc = "Configure command (Heads `_configure`), run in the source directory."),
        "deps": attr.label_list(providers = [HeadsModuleInfo], doc = "Modules whose install trees form the sysroot (Heads `_depends`)."),
        "env": attr.string_dict(doc = "Extra environment variables. Keys of the fixed environment (PATH, HOME, TZ, LC_ALL, SOURCE_DATE_EPOCH, KBUILD_*, ...), the toolchain's (CC, AR, ...) and Heads' variables ($SYSROOT, $DESTDIR, $MAKE_JOBS, ...) are refused."),
        "install": attr.string(default = "make install DESTDIR=\"$DESTDIR\"", doc = "Install command; must install into $DESTDIR."),
        "jobs": attr.int(default = 2, doc = "Make jobs ($MAKE_JOBS). Does not change outputs."),
        "libraries": attr.string_list(doc = "Libraries for the initrd's lib/, relative to the source directory (Heads `_libraries`)."),
        "module": attr.string(doc = "Heads module name (default: target name)."),
        "outputs": attr.string_list(doc = "Binaries for the initrd's bin/, relative to the source directory (Heads `_output`)."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo], doc = "The module's heads_source."),
    }),
    toolchains = [TOOLCHAIN_TYPE],
    provides = [HeadsModuleInfo],
)
