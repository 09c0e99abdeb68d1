"""heads_coreboot: coreboot for one board, with a Linux payload, reproducibly."""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsCorebootToolchainInfo", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

# crossgcc_sum SRC OUT: util/crossgcc/sum of the coreboot tree SRC as one
# listing (file names and contents, in C order): the key under which a
# crossgcc is shared between coreboot versions.
_CROSSGCC_SUM = r"""
crossgcc_sum() {
  if [ ! -d "$1/util/crossgcc/sum" ]; then
    echo "rules_heads: coreboot: this source has no util/crossgcc/sum; it cannot use a heads_coreboot_toolchain" >&2
    exit 1
  fi
  (cd "$1/util/crossgcc/sum" && for f in *; do printf '== %s\n' "$f"; cat "$f"; done) > "$2"
}
"""

def _heads_coreboot_toolchain_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    archive = ctx.actions.declare_file(ctx.label.name + ".tar")
    sum_file = ctx.actions.declare_file(ctx.label.name + ".sum")
    log = ctx.actions.declare_file(ctx.label.name + ".log")
    copy = "\n".join([
        'cp "$EXECROOT/{}" "$WORK/src/util/crossgcc/tarballs/{}"'.format(f.path, f.basename)
        for f in ctx.files.archives
    ])
    cmd = _CROSSGCC_SUM + """
LOG="$WORK/build.log"
: > "$LOG"
extract_source "{src}" {strip}
crossgcc_sum "$WORK/src" "$EXECROOT/{sum}"
mkdir -p "$WORK/src/util/crossgcc/tarballs"
{copy}
# The archives are inputs pinned by sha256; buildgcc checks them against
# util/crossgcc/sum too and, as the sandbox has no network, fails on a
# missing one instead of downloading it.
run_logged crossgcc-{arch} "$LOG" make -C "$WORK/src/util/crossgcc" build-{arch} \
  DEST="$WORK/xgcc" CPUS={jobs} BUILD_LANGUAGES={languages}
if [ ! -d "$WORK/xgcc/bin" ]; then
  echo "rules_heads: crossgcc-{arch}: the build did not produce bin/" >&2
  exit 1
fi
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{archive}" "$WORK/xgcc"
save_log "$LOG" "{log}"
""".format(
        src = source_info.tar.path,
        strip = source_info.strip_components,
        sum = sum_file.path,
        copy = copy,
        arch = ctx.attr.arch,
        jobs = ctx.attr.jobs,
        languages = shell.quote(ctx.attr.languages),
        archive = archive.path,
        log = log.path,
    )
    run_heads_action(
        ctx,
        body = cmd,
        inputs = [source_info.tar] + ctx.files.archives,
        outputs = [archive, sum_file, log],
        mnemonic = "HeadsCrossgcc",
        progress_message = "Building coreboot's crossgcc-%s %%{label}" % ctx.attr.arch,
    )
    return [
        DefaultInfo(files = depset([archive])),
        OutputGroupInfo(logs = depset([log]), sum = depset([sum_file])),
        HeadsCorebootToolchainInfo(archive = archive, arch = ctx.attr.arch, sum = sum_file),
    ]

heads_coreboot_toolchain = rule(
    implementation = _heads_coreboot_toolchain_impl,
    doc = """Builds coreboot's own cross toolchain (`make crossgcc-<arch>`) once, for sharing.

One action: the coreboot source, the archives its util/crossgcc/sum lists
(each pinned by sha256 where declared) in util/crossgcc/tarballs, then
`make -C util/crossgcc build-<arch> DEST=...`. The result is a tarball
for heads_coreboot's `toolchain` (its bin/ becomes XGCCPATH).

Heads builds this per coreboot version (30-40 min each). Here one target
serves every coreboot version whose util/crossgcc/sum is identical (e.g.
the Dasharo trees): declare one heads_coreboot_toolchain per distinct sum
and point those heads_coreboot targets at it; heads_coreboot refuses a
toolchain built from a different sum, naming both.""",
    attrs = dict(TOOL_ATTRS, **{
        "archives": attr.label_list(allow_files = True, doc = "The archives util/crossgcc/sum lists (gcc, binutils, gmp, mpfr, mpc, nasm, ...), found by file name."),
        "arch": attr.string(default = "i386", doc = "crossgcc architecture: the `build-<arch>` target (i386, x64, ppc64, arm, aarch64, riscv)."),
        "jobs": attr.int(default = 2, doc = "CPUS for buildgcc."),
        "languages": attr.string(default = "c", doc = "BUILD_LANGUAGES (coreboot needs only C)."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo], doc = "A coreboot source (heads_source) whose util/crossgcc builds the toolchain."),
    }),
    provides = [HeadsCorebootToolchainInfo],
)

def _heads_coreboot_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    src = source_info.tar
    rom = ctx.actions.declare_file(ctx.label.name + "/coreboot.rom")
    config = ctx.actions.declare_file(ctx.label.name + "/.config")
    log = ctx.actions.declare_file(ctx.label.name + "/build.log")
    inputs = [src, ctx.file.config]
    payload = []
    for f, dest in [(ctx.file.kernel, "payload/bzImage"), (ctx.file.initrd, "payload/initrd.cpio.xz")]:
        if f:
            inputs.append(f)
            payload.append('install -D -m 0644 "$EXECROOT/{}" "$WORK/src/{}"'.format(f.path, dest))
    toolchain_step = ""
    if ctx.attr.toolchain:
        tc = ctx.attr.toolchain[HeadsCorebootToolchainInfo]
        inputs.extend([tc.archive, tc.sum])
        toolchain_step = _CROSSGCC_SUM + """
crossgcc_sum "$WORK/src" "$WORK/crossgcc.sum"
if ! cmp -s "$WORK/crossgcc.sum" "$EXECROOT/{sum}"; then
  echo "rules_heads: {label}: util/crossgcc/sum of coreboot source {source} differs from the one toolchain {tc} was built from." >&2
  echo "A crossgcc is shared only between coreboot versions with identical util/crossgcc/sum: declare a heads_coreboot_toolchain built from {source} and use it here." >&2
  diff -u "$EXECROOT/{sum}" "$WORK/crossgcc.sum" | sed 's/^/    /' >&2 || true
  exit 1
fi
mkdir -p "$WORK/xgcc"
tar -xf "$EXECROOT/{archive}" -C "$WORK/xgcc"
""".format(
            sum = tc.sum.path,
            archive = tc.archive.path,
            label = ctx.label,
            source = ctx.attr.source.label,
            tc = ctx.attr.toolchain.label,
        )
    exports = "\n".join(["export {}={}".format(k, shell.quote(v)) for k, v in sorted(ctx.attr.make_env.items())])

    # coreboot records the payload path in the `config` CBFS file: keep it
    # relative (payload/...) and the same on every machine.
    make = 'make -C "$WORK/src" obj="$WORK/build" DOTCONFIG="$WORK/build/.config" BUILD_TIMELESS=1 {}{}'.format(
        'XGCCPATH="$WORK/xgcc/bin/" ' if ctx.attr.toolchain else "",
        " ".join([shell.quote(a) for a in ctx.attr.make_args]),
    )
    cmd = """
LOG="$WORK/build.log"
: > "$LOG"
{exports}
extract_source "{src}" {strip}
{toolchain_step}
{payload}
mkdir -p "$WORK/build"
cp "$EXECROOT/{cfg}" "$WORK/build/.config"
chmod u+w "$WORK/build/.config"
run_logged coreboot "$LOG" {make} olddefconfig
run_logged coreboot "$LOG" {make} -j{jobs}
take_output coreboot "$WORK/build/coreboot.rom" "{out_rom}"
take_output coreboot "$WORK/build/.config" "{out_config}"
save_log "$LOG" "{out_log}"
""".format(
        exports = exports,
        src = src.path,
        strip = source_info.strip_components,
        payload = "\n".join(payload),
        toolchain_step = toolchain_step,
        cfg = ctx.file.config.path,
        make = make,
        jobs = ctx.attr.jobs,
        out_rom = rom.path,
        out_config = config.path,
        out_log = log.path,
    )
    run_heads_action(
        ctx,
        body = cmd,
        inputs = inputs,
        outputs = [rom, config, log],
        mnemonic = "HeadsCoreboot",
        progress_message = "Building coreboot %{label}",
    )
    return [
        DefaultInfo(files = depset([rom])),
        OutputGroupInfo(config = depset([config]), logs = depset([log])),
    ]

heads_coreboot = rule(
    implementation = _heads_coreboot_impl,
    doc = """Builds coreboot out of tree (`obj=`, `DOTCONFIG=`) for one board.

The kernel and initrd are placed at payload/bzImage and
payload/initrd.cpio.xz inside the source tree: the board's config names
them relatively (Heads' @BOARD_BUILD_DIR@ placeholders serve the same
purpose), because coreboot records the payload path in the ROM's `config`
file. BUILD_TIMELESS=1 keeps dates out of the stages.

The compiler is coreboot's own crossgcc, `toolchain` (a
heads_coreboot_toolchain, as XGCCPATH; its util/crossgcc/sum must equal
this source's), or, without it, what `make_env` selects, e.g.
CROSS_COMPILE_x86 with CONFIG_ANY_TOOLCHAIN.""",
    attrs = dict(TOOL_ATTRS, **{
        "config": attr.label(allow_single_file = True, mandatory = True, doc = "coreboot (def)config."),
        "initrd": attr.label(allow_single_file = True, doc = "Initrd for the Linux payload."),
        "jobs": attr.int(default = 2),
        "kernel": attr.label(allow_single_file = True, doc = "Kernel image for the Linux payload."),
        "make_args": attr.string_list(doc = "Extra make arguments."),
        "make_env": attr.string_dict(doc = "Environment for make (e.g. CROSS_COMPILE_x86)."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo]),
        "toolchain": attr.label(providers = [HeadsCorebootToolchainInfo], doc = "coreboot's crossgcc (heads_coreboot_toolchain), passed as XGCCPATH."),
    }),
)
