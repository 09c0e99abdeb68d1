"""The target C toolchain of Heads modules (x86_64 / ppc64le musl)."""

HeadsToolchainInfo = provider(
    doc = "The cross tools of one target, as Heads' CROSS_TOOLS sets them.",
    fields = {
        "env": "dict: CC, AR, LD, STRIP, NM, OBJCOPY, OBJDUMP, RANLIB, CROSS, CFLAGS (with the build-root paths or the built toolchain's).",
        "files": "depset of File: the toolchain's files when it is built (empty for the build root's).",
        "host_triple": "string: the --host triple for autotools, e.g. x86_64-linux-musl.",
        "target_arch": "string: x86_64 or ppc64le.",
    },
)

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
        env = env,
        files = depset(ctx.files.files),
        host_triple = ctx.attr.host_triple,
        target_arch = ctx.attr.target_arch,
    )
    return [platform_common.ToolchainInfo(heads = info), info]

heads_cc_toolchain = rule(
    implementation = _heads_cc_toolchain_impl,
    doc = """Declares the C tools used to build Heads modules for one target.

Two kinds exist: the build root's pinned musl-tools (`musl-gcc` over the
root's binutils; x86_64 only; for development and CI), and a toolchain
built from musl-cross-make's pinned sources (what Heads ships). Register
either with `toolchain(toolchain_type = "@rules_heads//rules:toolchain_type")`.""",
    attrs = {
        "ar": attr.string(default = "ar"),
        "cc": attr.string(mandatory = True, doc = "C compiler (name on the fixed PATH, or a path inside `files`)."),
        "cflags": attr.string_list(doc = "Flags every module gets (Heads' heads_cc flags)."),
        "cross_prefix": attr.string(doc = "Heads' CROSS (e.g. x86_64-linux-musl-); empty for musl-gcc."),
        "files": attr.label_list(allow_files = True, doc = "Files of a built toolchain."),
        "host_triple": attr.string(mandatory = True),
        "ld": attr.string(default = "ld"),
        "nm": attr.string(default = "nm"),
        "objcopy": attr.string(default = "objcopy"),
        "objdump": attr.string(default = "objdump"),
        "ranlib": attr.string(default = "ranlib"),
        "strip": attr.string(default = "strip"),
        "target_arch": attr.string(mandatory = True, values = ["x86_64", "ppc64le"]),
    },
    provides = [HeadsToolchainInfo],
)
