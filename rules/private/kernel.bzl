"""heads_linux: a Linux kernel from its source, a config and fixed kbuild inputs."""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsKernelInfo", "HeadsModuleInfo", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

def _heads_linux_impl(ctx):
    source_info = ctx.attr.source[HeadsSourceInfo]
    src = source_info.tar
    image = ctx.actions.declare_file(ctx.label.name + "/" + ctx.attr.image.rsplit("/", 1)[-1])
    config = ctx.actions.declare_file(ctx.label.name + "/.config")
    log = ctx.actions.declare_file(ctx.label.name + "/build.log")
    outputs = [image, config, log]
    make = "make -C \"$WORK/src\" O=\"$WORK/out\" ARCH={arch} {cross} {args}".format(
        arch = ctx.attr.arch,
        cross = ("CROSS_COMPILE=" + shell.quote(ctx.attr.cross_compile)) if ctx.attr.cross_compile else "",
        args = " ".join([shell.quote(a) for a in ctx.attr.make_args]),
    )
    headers_step = ""
    providers = []
    if ctx.attr.headers:
        # The kernel's UAPI headers (make headers_install), packed like a
        # module's install tree, so modules can list the kernel in deps.
        headers = ctx.actions.declare_file(ctx.label.name + "/headers.sysroot.tar")
        empty = ctx.actions.declare_file(ctx.label.name + "/headers.initrd.tar")
        outputs.extend([headers, empty])
        headers_step = """
run_logged linux "$LOG" {make} headers_install INSTALL_HDR_PATH="$WORK/hdr"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{headers}" "$WORK/hdr"
mkdir -p "$WORK/empty"
"$EXECROOT/$TARNORM" pack --prefix "" --out "$EXECROOT/{empty}" "$WORK/empty"
""".format(make = make, headers = headers.path, empty = empty.path)
        providers.append(HeadsModuleInfo(
            module = "linux-headers",
            sysroot_tar = headers,
            initrd_tar = empty,
            transitive_sysroot_tars = depset([headers]),
        ))
    if ctx.attr.config_mode == "fragment":
        configure = """
run_logged linux "$LOG" {make} tinyconfig
run_logged linux "$LOG" "$WORK/src/scripts/kconfig/merge_config.sh" -m -O "$WORK/out" "$WORK/out/.config" "$EXECROOT/{cfg}"
""".format(make = make, cfg = ctx.file.config.path)
    else:
        configure = 'cp "$EXECROOT/{cfg}" "$WORK/out/.config"\n'.format(cfg = ctx.file.config.path)
    cmd = """
LOG="$WORK/build.log"
: > "$LOG"
extract_source "{src}" {strip}
mkdir -p "$WORK/out"
{configure}
run_logged linux "$LOG" {make} olddefconfig
run_logged linux "$LOG" {make} -j{jobs} KCFLAGS="$PREFIX_MAP_FLAGS" {target}
{headers_step}
take_output linux "$WORK/out/{image}" "{out_image}"
take_output linux "$WORK/out/.config" "{out_config}"
save_log "$LOG" "{out_log}"
""".format(
        src = src.path,
        strip = source_info.strip_components,
        configure = configure,
        make = make,
        jobs = ctx.attr.jobs,
        target = ctx.attr.target,
        image = ctx.attr.image,
        out_image = image.path,
        out_config = config.path,
        out_log = log.path,
        headers_step = headers_step,
    )
    run_heads_action(
        ctx,
        body = cmd,
        inputs = [src, ctx.file.config],
        outputs = outputs,
        mnemonic = "HeadsLinux",
        progress_message = "Building Linux kernel %{label}",
    )
    return [
        DefaultInfo(files = depset([image])),
        OutputGroupInfo(config = depset([config]), logs = depset([log])),
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
