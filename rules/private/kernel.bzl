"""heads_linux: a Linux kernel from its source, a config and fixed kbuild inputs."""

load("//rules:providers.bzl", "HeadsKernelInfo", "HeadsModuleInfo", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "check_list_entries", "run_heads_action")

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
if [ "$RH_CONFIG_MODE" = fragment ]; then
  rh_run_logged linux "$LOG" kmake tinyconfig
  rh_run_logged linux "$LOG" "$WORK/src/scripts/kconfig/merge_config.sh" -m -O "$WORK/out" "$WORK/out/.config" "$EXECROOT/$RH_CONFIG"
else
  cp "$EXECROOT/$RH_CONFIG" "$WORK/out/.config"
fi
rh_run_logged linux "$LOG" kmake olddefconfig
rh_run_logged linux "$LOG" kmake -j"$RH_JOBS" KCFLAGS="$PREFIX_MAP_FLAGS" "$RH_TARGET"
if [ -n "${RH_OUT_HEADERS:-}" ]; then
  rh_run_logged linux "$LOG" kmake headers_install INSTALL_HDR_PATH="$WORK/hdr"
  rh_pack "$WORK/hdr" "$RH_OUT_HEADERS"
fi
rh_take_output linux "$WORK/out/$RH_IMAGE" "$RH_OUT_IMAGE"
rh_take_output linux "$WORK/out/.config" "$RH_OUT_CONFIG"
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
    env = {
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
    providers = []
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
        inputs = [src, ctx.file.config],
        outputs = outputs,
        jobs = ctx.attr.jobs,
        mnemonic = "HeadsLinux",
        progress_message = "Building Linux kernel %{label}",
    )
    return [
        DefaultInfo(files = depset([image])),
        OutputGroupInfo(config = depset([config]), logs = depset([log]), scripts = depset([script])),
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
fragment merged onto tinyconfig (`"fragment"`).""",
    attrs = dict(TOOL_ATTRS, **{
        "arch": attr.string(default = "x86", doc = "kbuild ARCH."),
        "config": attr.label(allow_single_file = True, mandatory = True, doc = "Kernel config."),
        "config_mode": attr.string(default = "full", values = ["full", "fragment"]),
        "headers": attr.bool(doc = "Also install the UAPI headers (make headers_install) and provide them as a HeadsModuleInfo, so heads_module targets can list this kernel in deps (Heads installs them into its sysroot)."),
        "cross_compile": attr.string(doc = "kbuild CROSS_COMPILE prefix."),
        "image": attr.string(default = "arch/x86/boot/bzImage", doc = "Path of the image under O=."),
        "jobs": attr.int(default = 2, doc = "make -j. Does not change outputs."),
        "make_args": attr.string_list(doc = "Extra make arguments."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo]),
        "target": attr.string(default = "bzImage", doc = "make target."),
    }),
    provides = [HeadsKernelInfo],
)
