"""heads_cc_toolchain: the target C tools of Heads modules (x86_64 / ppc64le musl).

Two implementations of `@rules_heads//rules:toolchain_type` use it:
  - the build root's pinned musl-tools (tools named on the fixed PATH;
    x86_64 only), for development and CI;
  - a toolchain built from musl-cross-make's pinned sources
    (heads_musl_cross_toolchain in musl_cross_make.bzl), what Heads ships,
    for x86_64 and ppc64le.
The target platform's `//rules/platforms:heads_toolchain` constraint picks one.
"""

load("//rules:providers.bzl", "HeadsModuleInfo", "HeadsToolchainInfo")

# Heads' MUSL_ARCH and musl-cross-make's TARGET for each target arch.
MUSL_ARCH = {
    "ppc64le": "powerpc64le",
    "x86_64": "x86_64",
}

TRIPLE = {arch: musl + "-linux-musl" for arch, musl in MUSL_ARCH.items()}

# What makes a toolchain usable in an action: its built archive (if any)
# as an input, named by RH_TOOLCHAIN_ARCHIVE, which heads_action.sh's
# rh_toolchain_setup unpacks and puts first on PATH.
def toolchain_env(tc):
    """The environment that lets rh_toolchain_setup find `tc`'s archive.

    Args:
      tc: HeadsToolchainInfo.
    """
    return {"RH_TOOLCHAIN_ARCHIVE": tc.archive.path} if tc.archive else {}

def toolchain_inputs(tc):
    """The input Files `tc`'s tools need in an action.

    Args:
      tc: HeadsToolchainInfo.
    """
    return [tc.archive] if tc.archive else []

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
    for k, v in ctx.attr.env.items():
        if k in env:
            fail("%s: env may not set %s (it has its own attribute)" % (ctx.label, k))
        env[k] = v
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
        "env": attr.string_dict(doc = "More environment of every module action, e.g. `REALGCC` (the gcc that the build root's musl-gcc wraps)."),
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
