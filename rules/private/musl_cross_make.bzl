"""heads_musl_cross_make: a musl cross toolchain built by musl-cross-make, as Heads' module does."""

load("//rules:providers.bzl", "HeadsModuleInfo", "HeadsSourceInfo")
load(":cc_toolchain.bzl", "MUSL_ARCH", "TRIPLE", "heads_cc_toolchain")
load(":common.bzl", "TOOL_ATTRS", "check_list_entries", "run_heads_action")
load(":source.bzl", "repacked_source")

def _is_plain_name(name):
    """Whether name is one path component (no "/", tab or newline; not "", "." or "..")."""
    return "/" not in name and "\t" not in name and "\n" not in name and name not in ("", ".", "..")

# The fixed build directory $RH_BUILD_DIR is shared by every build of the
# same label on one machine (/tmp is private to an action only under
# linux-sandbox's hermetic /tmp). An exclusive lock on it makes the rule
# correct under any spawn strategy: a second build of the same label
# (another output base, a local or remote worker) waits instead of
# corrupting the first one's tree.
_MUSL_CROSS_MAKE_BODY = """
LOG="$WORK/build.log"
: > "$LOG"
B=$RH_BUILD_DIR
exec 9>"$B.lock"
if ! flock -n 9; then
  echo "rules_heads: musl-cross-make: $B is in use by another build of this toolchain; waiting for it" >&2
  flock 9
fi
rm -rf "$B"
mkdir -p "$B"
trap 'rm -rf "$WORK" "$B"' EXIT
rh_tar_extract "$RH_SRC" "$RH_STRIP" "$WORK/src"
mkdir -p "$WORK/sources" "$WORK/sysroot" "$WORK/initrd/lib"
while IFS=$'\\t' read -r name path; do
  cp "$EXECROOT/$path" "$WORK/sources/$name"
done < <(rh_each RH_SOURCES)
while IFS=$'\\t' read -r component path; do
  mkdir -p "$WORK/src/patches/$component"
  cp "$EXECROOT/$path" "$WORK/src/patches/$component/${path##*/}"
done < <(rh_each RH_PATCHES)
mv "$WORK/src" "$WORK/sources" "$B/"
rh_each RH_CONFIG_LINES > "$B/src/config.mak"
# SOURCES outside the tree: musl-cross-make treats it as immutable and never
# downloads; every archive is an input pinned by sha256 instead.
rh_run_logged musl-cross-make "$LOG" make -C "$B/src" -j"$RH_JOBS" \\
  TARGET="$RH_TRIPLE" SOURCES="$B/sources" OUTPUT="$B/output" install
[ -x "$B/output/bin/$RH_TRIPLE-gcc" ] || rh_fail "musl-cross-make: the build did not produce bin/$RH_TRIPLE-gcc"
# Heads' musl-cross-make module puts the toolchain's libc.so into the
# initrd's lib/ (its _libraries); the loader is a link to it.
libc="$B/output/$RH_TRIPLE/lib/libc.so"
[ -f "$libc" ] || rh_fail "musl-cross-make: the build did not produce $RH_TRIPLE/lib/libc.so"
cp "$libc" "$WORK/initrd/lib/libc.so"
ln -s libc.so "$WORK/initrd/lib/ld-musl-$RH_MUSL_ARCH.so.1"
rh_tar_pack "$B/output" "$RH_OUT_ARCHIVE"
rh_tar_pack "$WORK/sysroot" "$RH_OUT_SYSROOT"
rh_tar_pack "$WORK/initrd" "$RH_OUT_INITRD"
rh_save_log "$LOG" "$RH_OUT_LOG"
"""

def _heads_musl_cross_make_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    src_tar, strip = repacked_source(ctx, source_info)
    triple = TRIPLE[ctx.attr.target_arch]
    musl_arch = MUSL_ARCH[ctx.attr.target_arch]
    archive = ctx.actions.declare_file(ctx.label.name + ".tar")
    sysroot_tar = ctx.actions.declare_file(ctx.label.name + ".sysroot.tar")
    initrd_tar = ctx.actions.declare_file(ctx.label.name + ".initrd.tar")
    log = ctx.actions.declare_file(ctx.label.name + ".log")

    # File name in SOURCES -> File: musl-cross-make finds archives by name.
    named = [(f.basename, f) for f in ctx.files.sources]
    for target, name in ctx.attr.renamed_sources.items():
        files = target.files.to_list()
        if len(files) != 1:
            fail("%s: renamed_sources key %s must be one file" % (ctx.label, target.label))
        named.append((name, files[0]))
    sources = {}
    for name, f in named:
        if not _is_plain_name(name):
            fail("%s: %r is not a file name" % (ctx.label, name))
        if name in sources:
            fail("%s: two sources are named %s (%s, %s); musl-cross-make finds them by name" % (
                ctx.label,
                name,
                sources[name].short_path,
                f.short_path,
            ))
        sources[name] = f

    # Extra patches go where musl-cross-make looks for a component's
    # patches (patches/<component>/, applied in name order after its own).
    patches = []
    for target, component in ctx.attr.component_patches.items():
        if not _is_plain_name(component):
            fail("%s: %r is not a component directory name (e.g. gcc-15.3.0)" % (ctx.label, component))
        for f in target.files.to_list():
            patches.append((component, f))

    flags = "-g0 -O2"
    config = [
        'COMMON_CONFIG += CFLAGS="{f}" CXXFLAGS="{f}" LDFLAGS="-s"'.format(f = flags),
        'GCC_CONFIG += CFLAGS_FOR_TARGET="{f}" CXXFLAGS_FOR_TARGET="{f}"'.format(f = flags),
        'MUSL_CONFIG += CFLAGS="{f}"'.format(f = flags),
    ] + ctx.attr.config
    check_list_entries(ctx.label, "config line", config)
    sources_list = ["{}\t{}".format(name, f.path) for name, f in sources.items()]
    patches_list = ["{}\t{}".format(c, f.path) for c, f in patches]
    check_list_entries(ctx.label, "source", sources_list + patches_list)
    script = run_heads_action(
        ctx,
        body = _MUSL_CROSS_MAKE_BODY,
        env = {
            # gcc records its configure arguments and build paths in its
            # binaries and libraries, and prefix maps cannot hide a path
            # from the flags that carry them: the build runs in a directory
            # whose absolute path depends only on the target's label.
            "RH_BUILD_DIR": "/tmp/rules_heads-{}-{}".format(ctx.label.package.replace("/", "_"), ctx.label.name),
            "RH_CONFIG_LINES": "\n".join(config),
            "RH_JOBS": str(ctx.attr.jobs),
            "RH_MUSL_ARCH": musl_arch,
            "RH_OUT_ARCHIVE": archive.path,
            "RH_OUT_INITRD": initrd_tar.path,
            "RH_OUT_LOG": log.path,
            "RH_OUT_SYSROOT": sysroot_tar.path,
            "RH_PATCHES": "\n".join(patches_list),
            "RH_SOURCES": "\n".join(sources_list),
            "RH_SRC": src_tar.path,
            "RH_STRIP": str(strip),
            "RH_TRIPLE": triple,
        },
        inputs = [src_tar] + sources.values() + [f for _, f in patches],
        outputs = [archive, sysroot_tar, initrd_tar, log],
        jobs = ctx.attr.jobs,
        mnemonic = "HeadsMuslCrossMake",
        # Its key must not change with the Go tools: see run_heads_action.
        tarnorm = False,
        progress_message = "Building the %s cross toolchain %%{label}" % triple,
    )
    return [
        DefaultInfo(files = depset([archive])),
        OutputGroupInfo(initrd = depset([initrd_tar]), logs = depset([log]), scripts = depset([script])),
        HeadsModuleInfo(
            module = "musl-cross-make",
            sysroot_tar = sysroot_tar,
            initrd_tar = initrd_tar,
            transitive_sysroot_tars = depset([sysroot_tar]),
        ),
    ]

heads_musl_cross_make = rule(
    implementation = _heads_musl_cross_make_impl,
    doc = """Builds a musl cross toolchain with musl-cross-make, as Heads' musl-cross-make module does.

One action: musl-cross-make's source, `sources` (the gcc, binutils, musl,
gmp, mpc, mpfr, linux-headers archives and config.sub it would download,
each pinned by sha256 where it is declared) in an external SOURCES
directory, so musl-cross-make never reaches the network, then
`make TARGET=<triple> OUTPUT=... install`. The result is a deterministic
tarball (`<name>.tar`) for heads_cc_toolchain's `archive`. As a
HeadsModuleInfo it also provides the toolchain's libc.so (and the
ld-musl-<arch>.so.1 link) for the initrd's lib/, like Heads' module does.

It is the longest action of a Heads build (Heads measured about 80 minutes
on one core with C and C++; gcc 15.3 for C only took 18 minutes on two
cores here): share it through a remote cache rather than building it per
checkout. Its key holds the sources, patches, config, the build
environment and the shell helpers, but none of rules_heads' Go tools: a
pinned archive without patches is re-packed by tarnorm in an action of its
own (whose output does not change with tarnorm's code) and the outputs are
packed by the root's GNU tar, so a change of the Go tools never rebuilds
it.""",
    attrs = dict(TOOL_ATTRS, **{
        "component_patches": attr.label_keyed_string_dict(allow_files = [".diff", ".patch"], doc = "More patches -> the component directory they patch (e.g. `gcc-15.3.0`); placed in musl-cross-make's patches/<component>/ and applied -p1 after its own."),
        "config": attr.string_list(doc = "Lines of musl-cross-make's config.mak, e.g. `GCC_VER = 9.4.0`."),
        "jobs": attr.int(default = 2, doc = "make -j."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo], doc = "musl-cross-make's source (a heads_source)."),
        "renamed_sources": attr.label_keyed_string_dict(allow_files = True, doc = "Archives stored in SOURCES under another name (archive -> file name), e.g. Debian's `musl_1.2.6.orig.tar.gz` as `musl-1.2.6.tar.gz`."),
        "sources": attr.label_list(allow_files = True, doc = "The archives musl-cross-make needs, found by file name."),
        "target_arch": attr.string(mandatory = True, values = ["x86_64", "ppc64le"]),
    }),
    provides = [HeadsModuleInfo],
)

def heads_musl_cross_toolchain(
        name,
        target_arch,
        source,
        sources = [],
        renamed_sources = {},
        component_patches = {},
        config = [],
        sysroot = [],
        jobs = 2,
        target_compatible_with = [],
        visibility = None,
        tags = []):
    """A musl-cross-make toolchain for one target, ready to register.

    Declares `<name>_build` (heads_musl_cross_make: the toolchain tarball
    and, as a module, its libc.so for the initrd), `<name>`
    (heads_cc_toolchain over it, tools named `<triple>-gcc` etc.) and
    `<name>_toolchain` (toolchain() for targets of `target_arch` whose
    platform has `@rules_heads//rules/platforms:musl_cross_make`). Register
    the latter: `register_toolchains("//path:<name>_toolchain")`.

    Args:
      name: base name.
      target_arch: x86_64 or ppc64le.
      source: heads_source of musl-cross-make.
      sources: the archives musl-cross-make needs (by file name).
      renamed_sources: archives stored under another file name (archive -> name).
      component_patches: more patches -> component directory (e.g. gcc-15.3.0).
      config: lines of musl-cross-make's config.mak.
      sysroot: install trees every module sees (e.g. kernel headers).
      jobs: make -j for the toolchain build.
      target_compatible_with: more constraints the target platform must have
        for this toolchain to be chosen.
      visibility: visibility of the targets.
      tags: tags of the targets.
    """
    triple = TRIPLE[target_arch]
    heads_musl_cross_make(
        name = name + "_build",
        component_patches = component_patches,
        config = config,
        jobs = jobs,
        renamed_sources = renamed_sources,
        source = source,
        sources = sources,
        target_arch = target_arch,
        visibility = visibility,
        tags = tags,
    )
    heads_cc_toolchain(
        name = name,
        ar = triple + "-ar",
        archive = ":" + name + "_build",
        cc = triple + "-gcc",
        cross_prefix = triple + "-",
        host_triple = triple,
        ld = triple + "-ld",
        nm = triple + "-nm",
        objcopy = triple + "-objcopy",
        objdump = triple + "-objdump",
        ranlib = triple + "-ranlib",
        strip = triple + "-strip",
        sysroot = sysroot,
        target_arch = target_arch,
        visibility = visibility,
        tags = tags,
    )
    native.toolchain(
        name = name + "_toolchain",
        target_compatible_with = [
            "@platforms//cpu:" + target_arch,
            Label("//rules/platforms:musl_cross_make"),
        ] + target_compatible_with,
        toolchain = ":" + name,
        toolchain_type = Label("//rules:toolchain_type"),
        visibility = visibility,
        tags = tags,
    )
