"""heads_module: configure, build and install one Heads module, hermetically."""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsModuleInfo", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")
load(":toolchain.bzl", "toolchain_setup")

TOOLCHAIN_TYPE = Label("//rules:toolchain_type")

def _heads_module_impl(ctx):
    module = ctx.attr.module or ctx.label.name
    tc = ctx.toolchains[TOOLCHAIN_TYPE].heads
    source_info = ctx.attr.source[HeadsSourceInfo]
    src = source_info.tar
    dep_infos = [d[HeadsModuleInfo] for d in ctx.attr.deps]
    dep_tars = depset(transitive = [tc.sysroot_tars] + [d.transitive_sysroot_tars for d in dep_infos], order = "postorder")
    tc_setup, tc_inputs = toolchain_setup(tc)

    sysroot_tar = ctx.actions.declare_file(ctx.label.name + ".sysroot.tar")
    initrd_tar = ctx.actions.declare_file(ctx.label.name + ".initrd.tar")
    log = ctx.actions.declare_file(ctx.label.name + ".log")

    copy_outputs = "\n".join([
        "copy_out {src} bin/{dst}".format(src = shell.quote(o), dst = shell.quote(o.rsplit("/", 1)[-1]))
        for o in ctx.attr.outputs
    ] + [
        "copy_out {src} lib/{dst}".format(src = shell.quote(o), dst = shell.quote(o.rsplit("/", 1)[-1]))
        for o in ctx.attr.libraries
    ])

    extra_inputs = []
    config_line = ""
    if ctx.file.config:
        extra_inputs.append(ctx.file.config)
        config_line = 'CONFIG="$EXECROOT/{}"; export CONFIG'.format(ctx.file.config.path)
    env = {k: v for k, v in tc.env.items()}
    env.update(ctx.attr.env)
    cmd = tc_setup + """
LOG="$WORK/build.log"
: > "$LOG"
SYSROOT="$WORK/sysroot"
INSTALL="$SYSROOT"
DESTDIR="$WORK/install"
mkdir -p "$SYSROOT" "$DESTDIR" "$WORK/initrd/bin" "$WORK/initrd/lib"
for t in {dep_tars}; do
  tar -xf "$EXECROOT/$t" -C "$SYSROOT"
done
extract_source "{src}" {strip}
cd "$WORK/src"
# Heads' heads_cc: debug prefix maps, no recorded switches, the sysroot of
# the dependencies only (never a shared mutable one).
HEADS_CC="$CC $PREFIX_MAP_FLAGS -gno-record-gcc-switches -D__MUSL__ $HEADS_CFLAGS -isystem $SYSROOT/include -L$SYSROOT/lib"
CC="$HEADS_CC"
CROSS_TOOLS="CC=\\"$HEADS_CC\\" AR=$AR LD=$LD STRIP=$STRIP NM=$NM OBJCOPY=$OBJCOPY OBJDUMP=$OBJDUMP RANLIB=$RANLIB"
MUSL_ARCH={arch}
HOST_TRIPLE={host}
MAKE_JOBS="-j{jobs}"
export CC SYSROOT INSTALL DESTDIR HEADS_CC CROSS_TOOLS MUSL_ARCH HOST_TRIPLE MAKE_JOBS
{config_line}
run_logged {m_configure} "$LOG" bash -euo pipefail -c {configure}
run_logged {m_build} "$LOG" bash -euo pipefail -c {build}
run_logged {m_install} "$LOG" bash -euo pipefail -c {install}
copy_out() {{
  if [ ! -f "$1" ]; then
    echo "rules_heads: module {module}: declared output '$1' was not built (looked in the build directory)" >&2
    exit 1
  fi
  cp "$1" "$WORK/initrd/$2"
  chmod u+w "$WORK/initrd/$2"
  run_logged {m_strip} "$LOG" $STRIP --strip-unneeded "$WORK/initrd/$2"
}}
{copy_outputs}
cd "$EXECROOT"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{sysroot_tar}" "$DESTDIR"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{initrd_tar}" "$WORK/initrd"
save_log "$LOG" "{log}"
""".format(
        dep_tars = " ".join([shell.quote(t.path) for t in dep_tars.to_list()]),
        src = src.path,
        strip = source_info.strip_components,
        arch = shell.quote(tc.musl_arch),
        host = shell.quote(tc.host_triple),
        jobs = ctx.attr.jobs,
        m_configure = shell.quote(module + ": configure"),
        m_build = shell.quote(module + ": build"),
        m_install = shell.quote(module + ": install"),
        m_strip = shell.quote(module + ": strip"),
        configure = shell.quote(ctx.attr.configure or "true"),
        build = shell.quote(ctx.attr.build),
        install = shell.quote(ctx.attr.install or "true"),
        module = module,
        copy_outputs = copy_outputs,
        config_line = config_line,
        sysroot_tar = sysroot_tar.path,
        initrd_tar = initrd_tar.path,
        log = log.path,
    )
    run_heads_action(
        ctx,
        body = cmd,
        inputs = depset([src] + extra_inputs + tc_inputs, transitive = [dep_tars, tc.files]),
        outputs = [sysroot_tar, initrd_tar, log],
        env = env,
        mnemonic = "HeadsModule",
        progress_message = "Building Heads module %s" % module,
    )
    return [
        DefaultInfo(files = depset([sysroot_tar, initrd_tar])),
        OutputGroupInfo(
            initrd = depset([initrd_tar]),
            logs = depset([log]),
            sysroot = depset([sysroot_tar]),
        ),
        HeadsModuleInfo(
            module = module,
            sysroot_tar = sysroot_tar,
            initrd_tar = initrd_tar,
            transitive_sysroot_tars = depset([sysroot_tar], transitive = [dep_tars], order = "postorder"),
        ),
    ]

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
        "env": attr.string_dict(doc = "Extra environment variables."),
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
