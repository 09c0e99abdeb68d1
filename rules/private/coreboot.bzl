"""heads_coreboot: coreboot for one board, with a Linux payload, reproducibly."""

load("//rules:providers.bzl", "HeadsCorebootToolchainInfo", "HeadsSourceInfo")
load(":common.bzl", "HEADS_CONFIG_ATTRS", "TOOL_ATTRS", "check_list_entries", "heads_tree_env", "run_heads_action")
load(":missing.bzl", "HeadsSourcesCheckInfo")
load(":source.bzl", "repacked_source")

_CROSSGCC_SUM_BODY = """
rh_tar_extract "$RH_SRC" "$RH_STRIP" "$WORK/src"
rh_crossgcc_sum "$WORK/src" "$EXECROOT/$RH_OUT_SUM"
"""

_CROSSGCC_BODY = """
LOG="$WORK/build.log"
: > "$LOG"
rh_tar_extract "$RH_SRC" "$RH_STRIP" "$WORK/src"
mkdir -p "$WORK/src/util/crossgcc/tarballs"
while IFS= read -r f; do
  cp "$EXECROOT/$f" "$WORK/src/util/crossgcc/tarballs/${f##*/}"
done < <(rh_each RH_ARCHIVES)
# The archives are inputs pinned by sha256; buildgcc checks them against
# util/crossgcc/sum too and, as the sandbox has no network, fails on a
# missing one instead of downloading it.
rh_run_logged "crossgcc-$RH_ARCH" "$LOG" make -C "$WORK/src/util/crossgcc" "build-$RH_ARCH" \\
  DEST="$WORK/xgcc" CPUS="$RH_JOBS" BUILD_LANGUAGES="$RH_LANGUAGES"
[ -d "$WORK/xgcc/bin" ] || rh_fail "crossgcc-$RH_ARCH: the build did not produce bin/"
rh_tar_pack "$WORK/xgcc" "$RH_OUT_ARCHIVE"
rh_save_log "$LOG" "$RH_OUT_LOG"
"""

def _heads_coreboot_toolchain_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    src_tar, strip = repacked_source(ctx, source_info)
    archive = ctx.actions.declare_file(ctx.label.name + ".tar")
    sum_file = ctx.actions.declare_file(ctx.label.name + ".sum")
    log = ctx.actions.declare_file(ctx.label.name + ".log")
    check_list_entries(ctx.label, "archive", [f.path for f in ctx.files.archives])

    # The util/crossgcc/sum listing (the key coreboot builds compare) comes
    # from romstitch in an action of its own, so the toolchain build below
    # runs none of rules_heads' Go tools: a change of them never rebuilds it.
    sum_script = run_heads_action(
        ctx,
        body = _CROSSGCC_SUM_BODY,
        env = {
            "RH_OUT_SUM": sum_file.path,
            "RH_SRC": src_tar.path,
            "RH_STRIP": str(strip),
        },
        inputs = [src_tar],
        outputs = [sum_file],
        romstitch = True,
        tarnorm = False,
        mnemonic = "HeadsCrossgccSum",
        progress_message = "Listing util/crossgcc/sum of %{label}",
        script_name = ctx.label.name + ".HeadsCrossgccSum.sh",
    )
    script = run_heads_action(
        ctx,
        body = _CROSSGCC_BODY,
        env = {
            "RH_ARCH": ctx.attr.arch,
            "RH_ARCHIVES": "\n".join([f.path for f in ctx.files.archives]),
            "RH_JOBS": str(ctx.attr.jobs),
            "RH_LANGUAGES": ctx.attr.languages,
            "RH_OUT_ARCHIVE": archive.path,
            "RH_OUT_LOG": log.path,
            "RH_SRC": src_tar.path,
            "RH_STRIP": str(strip),
        },
        inputs = [src_tar] + ctx.files.archives,
        outputs = [archive, log],
        jobs = ctx.attr.jobs,
        tarnorm = False,
        mnemonic = "HeadsCrossgcc",
        progress_message = "Building coreboot's crossgcc-%s %%{label}" % ctx.attr.arch,
    )
    return [
        DefaultInfo(files = depset([archive])),
        OutputGroupInfo(logs = depset([log]), scripts = depset([sum_script, script]), sum = depset([sum_file])),
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

# Compiles coreboot once per (source, config, toolchain), without its
# payload: the board's config is resolved (olddefconfig), the Linux payload
# settings are read from it, then the payload is switched off
# (CONFIG_PAYLOAD_NONE) for the compile. The payload step below adds
# kernel, initrd and command line with the cbfstool this build made, so an
# initrd edit never recompiles coreboot.
_COREBOOT_BODY = """
LOG="$WORK/build.log"
: > "$LOG"
rh_extract "$RH_SRC" "$RH_STRIP" "$WORK/src"
# More trees of the coreboot source (a release's coreboot-blobs into
# 3rdparty/), as Heads unpacks them into coreboot's directory.
while IFS=$'\t' read -r tar strip sub; do
  mkdir -p "$WORK/src/$sub"
  rh_extract "$tar" "$strip" "$WORK/src/$sub"
done < <(rh_each RH_EXTRA_SOURCES)
if [ -n "${RH_TOOLCHAIN_ARCHIVE:-}" ]; then
  rh_crossgcc_sum "$WORK/src" "$WORK/crossgcc.sum"
  if ! cmp -s "$WORK/crossgcc.sum" "$EXECROOT/$RH_TOOLCHAIN_SUM"; then
    echo "rules_heads: $RH_LABEL: util/crossgcc/sum of coreboot source $RH_SOURCE_LABEL differs from the one toolchain $RH_TOOLCHAIN_LABEL was built from." >&2
    echo "A crossgcc is shared only between coreboot versions with identical util/crossgcc/sum: declare a heads_coreboot_toolchain built from $RH_SOURCE_LABEL and use it here." >&2
    diff -u "$EXECROOT/$RH_TOOLCHAIN_SUM" "$WORK/crossgcc.sum" | sed 's/^/    /' >&2 || true
    exit 1
  fi
  rh_untar "$RH_TOOLCHAIN_ARCHIVE" "$WORK/xgcc"
fi
while IFS= read -r kv; do export "$kv"; done < <(rh_each RH_MAKE_ENV)
cbmake() {
  local args=(-C "$WORK/src" obj="$WORK/build" DOTCONFIG="$WORK/build/.config" BUILD_TIMELESS=1)
  [ -z "${RH_TOOLCHAIN_ARCHIVE:-}" ] || args+=(XGCCPATH="$WORK/xgcc/bin/")
  while IFS= read -r a; do args+=("$a"); done < <(rh_each RH_MAKE_ARGS)
  make "${args[@]}" "$@"
}
kconfig() { # NAME: the value of CONFIG_NAME in the resolved config, unquoted
  sed -n -e "s/^CONFIG_$1=\\(.*\\)$/\\1/p" "$WORK/build/.config" | sed -e 's/^"//' -e 's/"$//' -e 's/\\\\"/"/g'
}
mkdir -p "$WORK/build"
if [ "$RH_HEADS_CONFIG" = 1 ]; then
  rh_heads_config "$EXECROOT/$RH_CONFIG" "$WORK/build/.config" "$WORK/src"
else
  cp "$EXECROOT/$RH_CONFIG" "$WORK/build/.config"
fi
chmod u+w "$WORK/build/.config"
rh_run_logged coreboot "$LOG" cbmake olddefconfig
cp "$WORK/build/.config" "$EXECROOT/$RH_OUT_CONFIG"
# The payload coreboot's own Makefile would add (payloads/external/Makefile.mk):
# cbfstool add-payload -n $(CONFIG_CBFS_PREFIX)/payload -c <compression>
# [-g] -r COREBOOT [-C cmdline] [-I initrd].
{
  if [ "$(kconfig PAYLOAD_LINUX)" = y ]; then
    [ "$(kconfig VBOOT)" != y ] || rh_fail "$RH_LABEL: a Linux payload with CONFIG_VBOOT (several CBFS regions) is not supported by the separate payload step"
    printf 'name=%s/payload\\n' "$(kconfig CBFS_PREFIX)"
    c=none
    [ "$(kconfig COMPRESSED_PAYLOAD_LZMA)" != y ] || c=LZMA
    [ "$(kconfig COMPRESSED_PAYLOAD_LZ4)" != y ] || c=LZ4
    printf 'compression=%s\\n' "$c"
    printf 'autogen=%s\\n' "$(kconfig CBFS_AUTOGEN_ATTRIBUTES)"
    printf 'cmdline=%s\\n' "$(kconfig LINUX_COMMAND_LINE)"
    printf 'initrd=%s\\n' "$(kconfig LINUX_INITRD)"
  fi
} > "$EXECROOT/$RH_OUT_PAYLOAD"
if [ -s "$EXECROOT/$RH_OUT_PAYLOAD" ]; then
  sed -i -e '/^CONFIG_PAYLOAD_LINUX=/d' -e '/^# CONFIG_PAYLOAD_NONE is not set/d' "$WORK/build/.config"
  echo 'CONFIG_PAYLOAD_NONE=y' >> "$WORK/build/.config"
  rh_run_logged coreboot "$LOG" cbmake olddefconfig
fi
rh_run_logged coreboot "$LOG" cbmake -j"$RH_JOBS"
rh_take_output coreboot "$WORK/build/coreboot.rom" "$RH_OUT_ROM"
rh_take_output coreboot "$WORK/build/util/cbfstool/cbfstool" "$RH_OUT_CBFSTOOL"
rh_save_log "$LOG" "$RH_OUT_LOG"
"""

# Adds the Linux payload to the compiled image, as coreboot's Makefile
# would (the settings the compile step read from the resolved config).
_PAYLOAD_BODY = """
setting() { sed -n "s/^$1=//p" "$EXECROOT/$RH_PAYLOAD"; }
[ -s "$EXECROOT/$RH_PAYLOAD" ] || rh_fail "$RH_LABEL: the coreboot config has no Linux payload (CONFIG_PAYLOAD_LINUX), but a kernel was given"
cp "$EXECROOT/$RH_ROM" "$WORK/coreboot.rom"
chmod u+w "$WORK/coreboot.rom"
args=(-n "$(setting name)" -c "$(setting compression)" -r COREBOOT)
[ "$(setting autogen)" != y ] || args+=(-g)
[ -z "$(setting cmdline)" ] || args+=(-C "$(setting cmdline)")
if [ -n "$(setting initrd)" ]; then
  [ -n "$RH_INITRD" ] || rh_fail "$RH_LABEL: the coreboot config names an initrd (CONFIG_LINUX_INITRD) but no initrd was given"
  args+=(-I "$EXECROOT/$RH_INITRD")
fi
rh_run_logged "coreboot payload" "$WORK/payload.log" \\
  "$EXECROOT/$RH_CBFSTOOL" "$WORK/coreboot.rom" add-payload -f "$EXECROOT/$RH_KERNEL" "${args[@]}"
cp "$WORK/coreboot.rom" "$EXECROOT/$RH_OUT_ROM"
"""

def _heads_coreboot_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    src = source_info.tar
    base = ctx.actions.declare_file(ctx.label.name + "/coreboot-no-payload.rom")
    cbfstool = ctx.actions.declare_file(ctx.label.name + "/cbfstool")
    payload = ctx.actions.declare_file(ctx.label.name + "/payload.txt")
    config = ctx.actions.declare_file(ctx.label.name + "/.config")
    log = ctx.actions.declare_file(ctx.label.name + "/build.log")
    tree_env, tree_inputs = heads_tree_env(ctx)
    inputs = [src, ctx.file.config] + tree_inputs
    extra = []
    for target, sub in ctx.attr.extra_sources.items():
        info = target[HeadsSourceInfo]
        if not sub or sub.startswith("/") or ".." in sub.split("/") or "\t" in sub or "\n" in sub:
            fail("%s: extra_sources directory %r of %s must be a relative path inside the coreboot tree" % (ctx.label, sub, target.label))
        extra.append("%s\t%d\t%s" % (info.tar.path, info.strip_components, sub))
        inputs.append(info.tar)
    make_env = ["{}={}".format(k, v) for k, v in sorted(ctx.attr.make_env.items())]
    check_list_entries(ctx.label, "make_env entry", make_env)
    check_list_entries(ctx.label, "make_args entry", ctx.attr.make_args)
    env = dict(tree_env)
    env.update({
        "RH_CONFIG": ctx.file.config.path,
        "RH_EXTRA_SOURCES": "\n".join(extra),
        "RH_HEADS_CONFIG": "1" if ctx.attr.heads_config else "0",
        "RH_JOBS": str(ctx.attr.jobs),
        "RH_LABEL": str(ctx.label),
        "RH_MAKE_ARGS": "\n".join(ctx.attr.make_args),
        "RH_MAKE_ENV": "\n".join(make_env),
        "RH_OUT_CBFSTOOL": cbfstool.path,
        "RH_OUT_CONFIG": config.path,
        "RH_OUT_LOG": log.path,
        "RH_OUT_PAYLOAD": payload.path,
        "RH_OUT_ROM": base.path,
        "RH_SRC": src.path,
        "RH_STRIP": str(source_info.strip_components),
    })
    if ctx.attr.toolchain:
        tc = ctx.attr.toolchain[HeadsCorebootToolchainInfo]
        inputs.extend([tc.archive, tc.sum])
        env.update({
            "RH_SOURCE_LABEL": str(ctx.attr.source.label),
            "RH_TOOLCHAIN_ARCHIVE": tc.archive.path,
            "RH_TOOLCHAIN_LABEL": str(ctx.attr.toolchain.label),
            "RH_TOOLCHAIN_SUM": tc.sum.path,
        })
    compile_script = run_heads_action(
        ctx,
        body = _COREBOOT_BODY,
        env = env,
        inputs = inputs,
        outputs = [base, cbfstool, payload, config, log],
        jobs = ctx.attr.jobs,
        romstitch = bool(ctx.attr.toolchain),
        mnemonic = "HeadsCoreboot",
        progress_message = "Building coreboot %{label}",
    )
    scripts = [compile_script]
    rom = base
    if ctx.file.kernel:
        rom = ctx.actions.declare_file(ctx.label.name + "/coreboot.rom")
        scripts.append(run_heads_action(
            ctx,
            body = _PAYLOAD_BODY,
            env = {
                "RH_CBFSTOOL": cbfstool.path,
                "RH_INITRD": ctx.file.initrd.path if ctx.file.initrd else "",
                "RH_KERNEL": ctx.file.kernel.path,
                "RH_LABEL": str(ctx.label),
                "RH_OUT_ROM": rom.path,
                "RH_PAYLOAD": payload.path,
                "RH_ROM": base.path,
            },
            inputs = [base, cbfstool, payload, ctx.file.kernel] + ctx.files.initrd,
            outputs = [rom],
            mnemonic = "HeadsCorebootPayload",
            progress_message = "Adding the Linux payload to coreboot %{label}",
        ))
    elif ctx.file.initrd:
        fail("%s: an initrd needs a kernel: set `kernel` too" % ctx.label)
    return [
        DefaultInfo(files = depset([rom])),
        OutputGroupInfo(config = depset([config]), logs = depset([log]), scripts = depset(scripts)),
    ]

heads_coreboot = rule(
    implementation = _heads_coreboot_impl,
    doc = """Builds coreboot out of tree (`obj=`, `DOTCONFIG=`) for one board, then adds its Linux payload.

Two actions, so that an initrd or kernel change never recompiles coreboot
(Heads keeps coreboot's build tree for the same reason):

1. `HeadsCoreboot` compiles coreboot once per (source, config, toolchain):
   the config is resolved (`olddefconfig`, saved as the `config` output
   group), the Linux payload settings are read from it (CBFS prefix,
   compression, CBFS_AUTOGEN_ATTRIBUTES, LINUX_COMMAND_LINE, LINUX_INITRD),
   and coreboot is built with CONFIG_PAYLOAD_NONE. BUILD_TIMELESS=1 keeps
   dates out of the stages.
2. `HeadsCorebootPayload` adds `kernel` (and `initrd`, and the command
   line) with the cbfstool of that same coreboot build, with the arguments
   coreboot's own Makefile would pass (`add-payload -n fallback/payload -c
   LZMA -r COREBOOT ...`).

Because the payload is added after the compile, the ROM's `config` file
says CONFIG_PAYLOAD_NONE and the payload may sit elsewhere in CBFS than in
a one-step coreboot build; the ROM boots the same. Not supported by the
separate step: CONFIG_VBOOT (payloads in several CBFS regions), an error.

The compiler is coreboot's own crossgcc, `toolchain` (a
heads_coreboot_toolchain, as XGCCPATH; its util/crossgcc/sum must equal
this source's), or, without it, what `make_env` selects, e.g.
CROSS_COMPILE_x86 with CONFIG_ANY_TOOLCHAIN.

With `heads_config`, the config is a Heads template (config/coreboot-*.config)
whose placeholders are replaced as Heads' prepare_module_config.sh does; the
blobs it names (IFD, GbE, ME) come from `tree_files`.""",
    attrs = dict(TOOL_ATTRS, **dict(HEADS_CONFIG_ATTRS, **{
        "config": attr.label(allow_single_file = True, mandatory = True, doc = "coreboot (def)config."),
        "extra_sources": attr.label_keyed_string_dict(providers = [HeadsSourceInfo], doc = "More source trees unpacked into the coreboot tree, each at its directory (Heads' coreboot-blobs-<version> of a release into 3rdparty)."),
        "initrd": attr.label(allow_single_file = True, doc = "Initrd for the Linux payload."),
        "jobs": attr.int(default = 2),
        "kernel": attr.label(allow_single_file = True, doc = "Kernel image for the Linux payload."),
        "make_args": attr.string_list(doc = "Extra make arguments."),
        "make_env": attr.string_dict(doc = "Environment for make (e.g. CROSS_COMPILE_x86)."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo]),
        "sources_check": attr.label(providers = [HeadsSourcesCheckInfo], doc = "A heads_sources_check: analysis fails with the board's missing sources first."),
        "toolchain": attr.label(providers = [HeadsCorebootToolchainInfo], doc = "coreboot's crossgcc (heads_coreboot_toolchain), passed as XGCCPATH."),
    })),
)
