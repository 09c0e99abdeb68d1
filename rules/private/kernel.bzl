"""heads_linux: a Linux kernel from its source, a config and fixed kbuild inputs."""

load("//rules:providers.bzl", "HeadsKernelInfo", "HeadsModuleInfo", "HeadsSourceInfo")
load(":common.bzl", "HEADS_CONFIG_ATTRS", "TOOL_ATTRS", "check_list_entries", "heads_tree_env", "run_heads_action")
load(":missing.bzl", "HeadsSourcesCheckInfo")

_LINUX_BODY = """
LOG="$WORK/build.log"
: > "$LOG"
rh_extract "$RH_SRC" "$RH_STRIP" "$WORK/src"
mkdir -p "$WORK/out"
kmake() {
  local args=()
  [ -z "$RH_CROSS_COMPILE" ] || args+=("CROSS_COMPILE=$RH_CROSS_COMPILE")
  while IFS= read -r a; do args+=("$a"); done < <(rh_each RH_MAKE_ARGS)
  make -C "$WORK/src" O="$WORK/out" ARCH="$RH_ARCH" "${args[@]}" "$@"
}
CONFIG="$EXECROOT/$RH_CONFIG"
if [ "$RH_HEADS_CONFIG" = 1 ]; then
  rh_heads_config "$CONFIG" "$WORK/config.prepared" "$WORK/src"
  CONFIG="$WORK/config.prepared"
fi
if [ "$RH_CONFIG_MODE" = fragment ]; then
  rh_run_logged linux "$LOG" kmake tinyconfig
  rh_run_logged linux "$LOG" "$WORK/src/scripts/kconfig/merge_config.sh" -m -O "$WORK/out" "$WORK/out/.config" "$CONFIG"
else
  cp "$CONFIG" "$WORK/out/.config"
fi
rh_run_logged linux "$LOG" kmake olddefconfig
rh_run_logged linux "$LOG" kmake -j"$RH_JOBS" KCFLAGS="$PREFIX_MAP_FLAGS" "$RH_TARGET"
if [ -n "${RH_OUT_MODULES:-}" ]; then
  # Heads' linux_modules-y: built with `make modules`, stripped of debug
  # information (strip --strip-debug, as Heads' INSTALL-MODULE) into
  # lib/modules/<name> of the initrd.
  rh_run_logged linux "$LOG" kmake -j"$RH_JOBS" KCFLAGS="$PREFIX_MAP_FLAGS" modules
  mkdir -p "$WORK/kmods/lib/modules"
  while IFS= read -r m; do
    [ -f "$WORK/out/$m" ] || rh_fail "linux: module '$m' (linux_modules-y) was not built: is it =m in the kernel config?"
    rh_run_logged linux "$LOG" "${RH_CROSS_COMPILE}strip" --strip-debug -o "$WORK/kmods/lib/modules/${m##*/}" "$WORK/out/$m"
  done < <(rh_each RH_MODULES)
  rh_pack "$WORK/kmods" "$RH_OUT_MODULES"
fi
if [ -n "${RH_OUT_HEADERS:-}" ]; then
  rh_run_logged linux "$LOG" kmake headers_install INSTALL_HDR_PATH="$WORK/hdr"
  rh_pack "$WORK/hdr" "$RH_OUT_HEADERS"
fi
rh_take_output linux "$WORK/out/$RH_IMAGE" "$RH_OUT_IMAGE"
rh_take_output linux "$WORK/out/.config" "$RH_OUT_CONFIG"
if [ -n "${RH_OUT_DATA:-}" ]; then
  # Heads' linux_data `src|dst`: files of the kernel tree for the initrd.
  mkdir -p "$WORK/data"
  while IFS='|' read -r src dst; do
    f="$WORK/out/$src"
    [ -e "$f" ] || f="$WORK/src/$src"
    [ -e "$f" ] || rh_fail "linux: data file '$src' is neither in the build nor in the source tree"
    mkdir -p "$(dirname "$WORK/data/$dst")"
    cp -R "$f" "$WORK/data/$dst"
  done < <(rh_each RH_DATA)
  rh_pack "$WORK/data" "$RH_OUT_DATA"
fi
rh_save_log "$LOG" "$RH_OUT_LOG"
"""

def _heads_linux_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    src = source_info.tar
    image = ctx.actions.declare_file(ctx.label.name + "/" + ctx.attr.image.rsplit("/", 1)[-1])
    config = ctx.actions.declare_file(ctx.label.name + "/.config")
    log = ctx.actions.declare_file(ctx.label.name + "/build.log")
    outputs = [image, config, log]
    check_list_entries(ctx.label, "make_args entry", ctx.attr.make_args)
    check_list_entries(ctx.label, "data entry", ctx.attr.data)
    for d in ctx.attr.data:
        if d.count("|") != 1 or d.split("|")[1].startswith("/") or ".." in d.replace("|", "/").split("/"):
            fail("%s: data entry %r must be `src|dst`, both relative (Heads' linux_data)" % (ctx.label, d))
    tree_env, tree_inputs = heads_tree_env(ctx)
    env = {
        "RH_DATA": "\n".join(ctx.attr.data),
        "RH_HEADS_CONFIG": "1" if ctx.attr.heads_config else "0",
        "RH_ARCH": ctx.attr.arch,
        "RH_CONFIG": ctx.file.config.path,
        "RH_CONFIG_MODE": ctx.attr.config_mode,
        "RH_CROSS_COMPILE": ctx.attr.cross_compile,
        "RH_IMAGE": ctx.attr.image,
        "RH_JOBS": str(ctx.attr.jobs),
        "RH_MAKE_ARGS": "\n".join(ctx.attr.make_args),
        "RH_OUT_CONFIG": config.path,
        "RH_OUT_IMAGE": image.path,
        "RH_OUT_LOG": log.path,
        "RH_SRC": src.path,
        "RH_STRIP": str(source_info.strip_components),
        "RH_TARGET": ctx.attr.target,
    }
    env.update(tree_env)
    providers = []
    output_groups = {}
    if ctx.attr.modules:
        check_list_entries(ctx.label, "module", ctx.attr.modules)
        for m in ctx.attr.modules:
            if m.startswith("/") or ".." in m.split("/") or not m.endswith(".ko"):
                fail("%s: module %r must be a relative path of a .ko in the kernel's build tree" % (ctx.label, m))
        kmods = ctx.actions.declare_file(ctx.label.name + "/modules.tar")
        outputs.append(kmods)
        env["RH_OUT_MODULES"] = kmods.path
        env["RH_MODULES"] = "\n".join(ctx.attr.modules)
        output_groups["modules"] = depset([kmods])
    if ctx.attr.data:
        data = ctx.actions.declare_file(ctx.label.name + "/data.tar")
        outputs.append(data)
        env["RH_OUT_DATA"] = data.path
        output_groups["data"] = depset([data])
    if ctx.attr.headers:
        # The kernel's UAPI headers (make headers_install), packed like a
        # module's install tree, so modules can list the kernel in deps.
        headers = ctx.actions.declare_file(ctx.label.name + "/headers.sysroot.tar")
        outputs.append(headers)
        env["RH_OUT_HEADERS"] = headers.path
        providers.append(HeadsModuleInfo(
            module = "linux-headers",
            sysroot_tar = headers,
            initrd_tar = None,
            transitive_sysroot_tars = depset([headers]),
        ))
    script = run_heads_action(
        ctx,
        body = _LINUX_BODY,
        env = env,
        inputs = [src, ctx.file.config] + tree_inputs,
        outputs = outputs,
        jobs = ctx.attr.jobs,
        mnemonic = "HeadsLinux",
        progress_message = "Building Linux kernel %{label}",
    )
    return [
        DefaultInfo(files = depset([image])),
        OutputGroupInfo(config = depset([config]), logs = depset([log]), scripts = depset([script]), **output_groups),
        HeadsKernelInfo(image = image, config = config),
    ] + providers

heads_linux = rule(
    implementation = _heads_linux_impl,
    doc = """Builds a Linux kernel image out of tree (`make O=`), as Heads' linux module.

kbuild is given constants instead of the date, user and host
(KBUILD_BUILD_TIMESTAMP/USER/HOST/VERSION, see common.bzl) and KCFLAGS maps
the work directory away (-ffile-prefix-map, as Android's Kleaf does), so the
image is the same from every checkout path and output base. `config` is a
full .config (`config_mode = "full"`, Heads' config/linux-*.config) or a
fragment merged onto tinyconfig (`"fragment"`). With `heads_config`, the
config is a Heads template whose placeholders are replaced as Heads'
prepare_module_config.sh does (blobs from `tree_files`). `data` (Heads'
linux_data) packs kernel tree files for the initrd: output group `data`;
`modules` (linux_modules-y) the stripped kernel modules: output group
`modules`.""",
    attrs = dict(TOOL_ATTRS, **dict(HEADS_CONFIG_ATTRS, **{
        "data": attr.string_list(doc = "Heads' linux_data: `src|dst` entries, src relative to the build (O=) or source tree, packed at dst into the `data` output group's tarball."),
        "sources_check": attr.label(providers = [HeadsSourcesCheckInfo], doc = "A heads_sources_check: analysis fails with the board's missing sources first."),
        "arch": attr.string(default = "x86", doc = "kbuild ARCH."),
        "config": attr.label(allow_single_file = True, mandatory = True, doc = "Kernel config."),
        "config_mode": attr.string(default = "full", values = ["full", "fragment"]),
        "headers": attr.bool(doc = "Also install the UAPI headers (make headers_install) and provide them as a HeadsModuleInfo, so heads_module targets can list this kernel in deps (Heads installs them into its sysroot)."),
        "cross_compile": attr.string(doc = "kbuild CROSS_COMPILE prefix."),
        "image": attr.string(default = "arch/x86/boot/bzImage", doc = "Path of the image under O=."),
        "jobs": attr.int(default = 2, doc = "make -j. Does not change outputs."),
        "make_args": attr.string_list(doc = "Extra make arguments."),
        "modules": attr.string_list(doc = "Heads' linux_modules-y: .ko paths in the build (O=) tree, built with `make modules` and packed stripped (--strip-debug) under lib/modules/ into the `modules` output group's tarball."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo]),
        "target": attr.string(default = "bzImage", doc = "make target."),
    })),
    provides = [HeadsKernelInfo],
)
