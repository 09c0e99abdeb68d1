"""heads_linux_uapi_headers: the kernel's user-space headers for a toolchain's sysroot."""

load("//rules:providers.bzl", "HeadsModuleInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

# What Debian's linux-libc-dev installs under /usr/include (the kernel's
# `make headers_install`), plus the arch's asm/ from the multiarch directory.
_DIRS = ["asm-generic", "drm", "linux", "misc", "mtd", "rdma", "sound", "video", "xen"]

_MULTIARCH = {"x86_64": "x86_64-linux-gnu"}

_BODY = """
D="$WORK/tree/include"
mkdir -p "$D"
for d in $RH_DIRS; do
  [ -d "/usr/include/$d" ] || rh_fail "$RH_LABEL: /usr/include/$d is missing: the build root's linux-libc-dev provides it"
  cp -RL "/usr/include/$d" "$D/$d"
done
[ -d "/usr/include/$RH_MULTIARCH/asm" ] || rh_fail "$RH_LABEL: /usr/include/$RH_MULTIARCH/asm is missing: the build root's linux-libc-dev provides it"
cp -RL "/usr/include/$RH_MULTIARCH/asm" "$D/asm"
rh_pack "$WORK/tree" "$RH_OUT"
"""

def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar")
    run_heads_action(
        ctx,
        body = _BODY,
        inputs = [],
        outputs = [out],
        mnemonic = "HeadsUapiHeaders",
        progress_message = "Packing the build root's Linux UAPI headers %{label}",
        env = {
            "RH_DIRS": " ".join(_DIRS),
            "RH_LABEL": str(ctx.label),
            "RH_MULTIARCH": _MULTIARCH[ctx.attr.target_arch],
            "RH_OUT": out.path,
        },
    )
    return [
        DefaultInfo(files = depset([out])),
        HeadsModuleInfo(
            initrd_tar = None,
            module = "linux-uapi-headers",
            sysroot_tar = out,
            transitive_sysroot_tars = depset([out]),
        ),
    ]

heads_linux_uapi_headers = rule(
    implementation = _impl,
    doc = """The Linux UAPI headers of the build root (Debian's pinned linux-libc-dev) as a sysroot tree.

musl-cross-make installs the kernel's headers into its toolchain's sysroot
(`include/linux`, `include/asm`, ...), and Heads' modules include them
(pciutils' `asm/byteorder.h`, util-linux, cryptsetup, kexec). The build
root's musl-gcc searches only musl's own headers, so the buildroot
toolchain adds this tree as its `sysroot`. The headers are the kernel's
sanitised user-space API, which is backward compatible: newer headers than
musl-cross-make's serve the same programs.""",
    attrs = dict(TOOL_ATTRS, **{
        "target_arch": attr.string(default = "x86_64", values = _MULTIARCH.keys()),
    }),
    provides = [HeadsModuleInfo],
)
