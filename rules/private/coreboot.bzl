"""heads_coreboot: coreboot for one board, with a Linux payload, reproducibly."""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

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
    exports = "\n".join(["export {}={}".format(k, shell.quote(v)) for k, v in sorted(ctx.attr.make_env.items())])

    # coreboot records the payload path in the `config` CBFS file: keep it
    # relative (payload/...) and the same on every machine.
    make = 'make -C "$WORK/src" obj="$WORK/build" DOTCONFIG="$WORK/build/.config" BUILD_TIMELESS=1 {}'.format(
        " ".join([shell.quote(a) for a in ctx.attr.make_args]),
    )
    cmd = """
LOG="$WORK/build.log"
: > "$LOG"
{exports}
extract_source "{src}" {strip}
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
file. BUILD_TIMELESS=1 keeps dates out of the stages. `make_env` carries the
toolchain choice, e.g. CROSS_COMPILE_x86 with CONFIG_ANY_TOOLCHAIN.""",
    attrs = dict(TOOL_ATTRS, **{
        "config": attr.label(allow_single_file = True, mandatory = True, doc = "coreboot (def)config."),
        "initrd": attr.label(allow_single_file = True, doc = "Initrd for the Linux payload."),
        "jobs": attr.int(default = 2),
        "kernel": attr.label(allow_single_file = True, doc = "Kernel image for the Linux payload."),
        "make_args": attr.string_list(doc = "Extra make arguments."),
        "make_env": attr.string_dict(doc = "Environment for make (e.g. CROSS_COMPILE_x86)."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo]),
    }),
)
