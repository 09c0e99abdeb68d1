"""The target C toolchain of Heads modules (x86_64 / ppc64le musl).

Two implementations of `@rules_heads//rules:toolchain_type`:
  - the build root's pinned musl-tools (heads_cc_toolchain with tools named
    on the fixed PATH; x86_64 only), for development and CI;
  - a toolchain built from musl-cross-make's pinned sources
    (heads_musl_cross_toolchain), what Heads ships, for x86_64 and ppc64le.
The target platform's `//rules/platforms:heads_toolchain` constraint picks one.
"""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsModuleInfo", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

HeadsToolchainInfo = provider(
    doc = "The cross tools of one target, as Heads' CROSS_TOOLS sets them.",
    fields = {
        "archive": "File or None: a built toolchain as a deterministic tarball; actions extract it and put its bin/ first on PATH.",
        "env": "dict: CC, AR, LD, STRIP, NM, OBJCOPY, OBJDUMP, RANLIB, CROSS, HEADS_CFLAGS (tool names on the action's PATH).",
        "files": "depset of File: more files the tools need.",
        "host_triple": "string: the --host triple for autotools, e.g. x86_64-linux-musl.",
        "musl_arch": "string: Heads' MUSL_ARCH (x86_64, powerpc64le).",
        "sysroot_tars": "depset of File: install trees every module sees in its sysroot (e.g. the kernel's UAPI headers), before its own dependencies.",
        "target_arch": "string: x86_64 or ppc64le.",
    },
)

# Heads' MUSL_ARCH and musl-cross-make's TARGET for each target arch.
MUSL_ARCH = {
    "ppc64le": "powerpc64le",
    "x86_64": "x86_64",
}

TRIPLE = {arch: musl + "-linux-musl" for arch, musl in MUSL_ARCH.items()}

# The shell lines that make a toolchain usable in an action: extract the
# built toolchain (if any) and put its bin/ first on PATH. Used by every rule
# that runs the target compiler.
def toolchain_setup(tc):
    """Returns (shell lines, input Files) that make `tc`'s tools callable.

    Args:
      tc: HeadsToolchainInfo.
    """
    if not tc.archive:
        return "", []
    return """
mkdir -p "$WORK/toolchain"
tar -xf "$EXECROOT/{archive}" -C "$WORK/toolchain"
PATH="$WORK/toolchain/bin:$PATH"
export PATH
""".format(archive = tc.archive.path), [tc.archive]

def _heads_cc_toolchain_impl(ctx):
    env = {
        "AR": ctx.attr.ar,
        "CC": ctx.attr.cc,
        "CROSS": ctx.attr.cross_prefix,
        "HEADS_CFLAGS": " ".join(ctx.attr.cflags),
        "LD": ctx.attr.ld,
        "NM": ctx.attr.nm,
        "OBJCOPY": ctx.attr.objcopy,
        "OBJDUMP": ctx.attr.objdump,
        "RANLIB": ctx.attr.ranlib,
        "STRIP": ctx.attr.strip,
    }
    info = HeadsToolchainInfo(
        archive = ctx.file.archive,
        env = env,
        files = depset(ctx.files.files),
        host_triple = ctx.attr.host_triple,
        musl_arch = MUSL_ARCH[ctx.attr.target_arch],
        sysroot_tars = depset(transitive = [s[HeadsModuleInfo].transitive_sysroot_tars for s in ctx.attr.sysroot], order = "postorder"),
        target_arch = ctx.attr.target_arch,
    )
    return [platform_common.ToolchainInfo(heads = info), info]

heads_cc_toolchain = rule(
    implementation = _heads_cc_toolchain_impl,
    doc = """Declares the C tools used to build Heads modules for one target.

Tools are named as on the action's PATH: the build root's (e.g. `musl-gcc`
over the root's binutils), or, with `archive`, a built toolchain's bin/
(e.g. `x86_64-linux-musl-gcc`), which actions extract and put first on
PATH. heads_musl_cross_toolchain declares the latter for you. Register it
with `toolchain(toolchain_type = "@rules_heads//rules:toolchain_type")`
and constraints from `@rules_heads//rules/platforms`.""",
    attrs = {
        "ar": attr.string(default = "ar"),
        "archive": attr.label(allow_single_file = [".tar"], doc = "A built toolchain as a tarball (bin/<triple>-gcc ...), e.g. a heads_musl_cross_make target."),
        "cc": attr.string(mandatory = True, doc = "C compiler (name on the action's PATH)."),
        "cflags": attr.string_list(doc = "Flags every module gets (Heads' heads_cc flags)."),
        "cross_prefix": attr.string(doc = "Heads' CROSS (e.g. x86_64-linux-musl-); empty for musl-gcc."),
        "files": attr.label_list(allow_files = True, doc = "More files the tools need."),
        "host_triple": attr.string(mandatory = True, doc = "The --host triple for autotools."),
        "ld": attr.string(default = "ld"),
        "nm": attr.string(default = "nm"),
        "objcopy": attr.string(default = "objcopy"),
        "objdump": attr.string(default = "objdump"),
        "ranlib": attr.string(default = "ranlib"),
        "strip": attr.string(default = "strip"),
        "sysroot": attr.label_list(providers = [HeadsModuleInfo], doc = "Install trees in every module's sysroot, e.g. a heads_linux with headers = True (Heads installs the kernel headers into its one sysroot)."),
        "target_arch": attr.string(mandatory = True, values = ["x86_64", "ppc64le"]),
    },
    provides = [HeadsToolchainInfo],
)

def _is_plain_name(name):
    """Whether name is one path component (no "/", not "", "." or "..")."""
    return "/" not in name and name not in ("", ".", "..")

def _heads_musl_cross_make_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
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
            fail("heads_musl_cross_make %s: renamed_sources key %s must be one file" % (ctx.label, target.label))
        named.append((name, files[0]))
    sources = {}
    for name, f in named:
        if not _is_plain_name(name):
            fail("heads_musl_cross_make %s: %r is not a file name" % (ctx.label, name))
        if name in sources:
            fail("heads_musl_cross_make %s: two sources are named %s (%s, %s); musl-cross-make finds them by name" % (
                ctx.label,
                name,
                sources[name].short_path,
                f.short_path,
            ))
        sources[name] = f
    copy_sources = "\n".join([
        'cp "$EXECROOT/{}" "$WORK/sources/{}"'.format(f.path, name)
        for name, f in sources.items()
    ])

    # Extra patches go where musl-cross-make looks for a component's
    # patches (patches/<component>/, applied in name order after its own).
    patch_files = []
    for target, component in ctx.attr.component_patches.items():
        if not _is_plain_name(component):
            fail("heads_musl_cross_make %s: %r is not a component directory name (e.g. gcc-15.3.0)" % (ctx.label, component))
        for f in target.files.to_list():
            patch_files.append(f)
            copy_sources += '\nmkdir -p "$WORK/src/patches/{c}" && cp "$EXECROOT/{p}" "$WORK/src/patches/{c}/{b}"'.format(
                c = component,
                p = f.path,
                b = f.basename,
            )

    # The build runs in a directory whose absolute path depends only on the
    # target's label: gcc records its configure arguments and build paths
    # in its binaries and libraries, and prefix maps cannot hide a path
    # from the flags that carry them. Under Bazel's linux-sandbox /tmp is
    # private to the action (hermetic /tmp, the default since Bazel 7);
    # elsewhere the label keeps two toolchains apart.
    build_dir = "/tmp/rules_heads-{}-{}".format(ctx.label.package.replace("/", "_"), ctx.label.name)
    flags = "-g0 -O2"
    config = [
        'COMMON_CONFIG += CFLAGS="{f}" CXXFLAGS="{f}" LDFLAGS="-s"'.format(f = flags),
        'GCC_CONFIG += CFLAGS_FOR_TARGET="{f}" CXXFLAGS_FOR_TARGET="{f}"'.format(f = flags),
        'MUSL_CONFIG += CFLAGS="{f}"'.format(f = flags),
    ] + ctx.attr.config
    cmd = """
LOG="$WORK/build.log"
: > "$LOG"
B={build_dir}
rm -rf "$B"
mkdir -p "$B"
trap 'rm -rf "$WORK" "$B"' EXIT
extract_source "{src}" {strip}
mkdir -p "$WORK/sources" "$WORK/sysroot" "$WORK/initrd/lib"
{copy_sources}
mv "$WORK/src" "$WORK/sources" "$B/"
printf '%s\\n' {config} > "$B/src/config.mak"
# SOURCES outside the tree: musl-cross-make treats it as immutable and never
# downloads; every archive is an input pinned by sha256 instead.
run_logged musl-cross-make "$LOG" make -C "$B/src" -j{jobs} \\
  TARGET={triple} SOURCES="$B/sources" OUTPUT="$B/output" install
if [ ! -x "$B/output/bin/{triple}-gcc" ]; then
  echo "rules_heads: musl-cross-make: the build did not produce bin/{triple}-gcc" >&2
  exit 1
fi
# Heads' musl-cross-make module puts the toolchain's libc.so into the
# initrd's lib/ (its _libraries); the loader is a link to it.
libc="$B/output/{triple}/lib/libc.so"
if [ ! -f "$libc" ]; then
  echo "rules_heads: musl-cross-make: the build did not produce {triple}/lib/libc.so" >&2
  exit 1
fi
cp "$libc" "$WORK/initrd/lib/libc.so"
ln -s libc.so "$WORK/initrd/lib/ld-musl-{musl_arch}.so.1"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{archive}" "$B/output"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{sysroot_tar}" "$WORK/sysroot"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{initrd_tar}" "$WORK/initrd"
save_log "$LOG" "{log}"
""".format(
        build_dir = build_dir,
        src = source_info.tar.path,
        strip = source_info.strip_components,
        copy_sources = copy_sources,
        config = " ".join([shell.quote(c) for c in config]),
        jobs = ctx.attr.jobs,
        triple = triple,
        musl_arch = musl_arch,
        archive = archive.path,
        sysroot_tar = sysroot_tar.path,
        initrd_tar = initrd_tar.path,
        log = log.path,
    )
    run_heads_action(
        ctx,
        body = cmd,
        inputs = [source_info.tar] + sources.values() + patch_files,
        outputs = [archive, sysroot_tar, initrd_tar, log],
        mnemonic = "HeadsMuslCrossMake",
        progress_message = "Building the %s cross toolchain %%{label}" % triple,
    )
    return [
        DefaultInfo(files = depset([archive])),
        OutputGroupInfo(initrd = depset([initrd_tar]), logs = depset([log])),
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
checkout. Its key includes every input, tarnorm included, so a change to
the Go tools rebuilds it too.""",
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
