"""Providers of rules_heads. Public: rules of other rule sets may consume them."""

HeadsSourceInfo = provider(
    doc = "A module's source tree, extracted and patched, as a deterministic tarball.",
    fields = {
        "libraries": "list of string or None: `_libraries` that replace the module's own (a substitute with other sonames, from the substitution list); None: the module's own.",
        "module": "string: the Heads module name (for messages).",
        "repacked": "bool: `tar` is a deterministic tar written by rules_heads (checked and normalised by tarnorm), not the pinned archive.",
        "strip_components": "int: leading path components consumers drop when extracting `tar`.",
        "tar": "File: the tree as an archive: the pinned upstream archive itself when there are no patches, else a deterministic tar of the patched tree (members under `src/`).",
    },
)

HeadsModuleInfo = provider(
    doc = """One built Heads module.

Install trees are carried as deterministic tarballs rather than tree
artifacts: Bazel's remote cache keeps only the executable bit of files in
tree artifacts and drops empty directories, so a tree would not survive a
cache round trip unchanged.""",
    fields = {
        "initrd_tar": "File or None: the module's share of the initrd: stripped `outputs` under bin/, `libraries` under lib/. None for trees that only serve the sysroot (a kernel's headers).",
        "module": "string: the Heads module name.",
        "sysroot_tar": "File: the module's install tree (`make install DESTDIR=`), for dependents.",
        "transitive_sysroot_tars": "depset of File: sysroot tarballs of this module and its dependencies, dependencies first.",
    },
)

HeadsKernelInfo = provider(
    doc = "A Linux kernel built by heads_linux.",
    fields = {
        "config": "File: the resolved .config.",
        "image": "File: the kernel image (bzImage).",
    },
)

HeadsCorebootToolchainInfo = provider(
    doc = """coreboot's own cross toolchain (util/crossgcc) for one architecture.

One toolchain serves every coreboot version whose util/crossgcc/sum is the
same as that of the source it was built from; heads_coreboot checks this.""",
    fields = {
        "archive": "File: the toolchain (crossgcc's DEST tree) as a deterministic tarball; its bin/ is coreboot's XGCCPATH.",
        "arch": "string: the crossgcc architecture (i386, x64, ppc64, ...).",
        "sum": "File: util/crossgcc/sum of the source it was built from, as one listing (the sharing key).",
    },
)

HeadsInitrdInfo = provider(
    doc = "A compressed initrd built by heads_initrd.",
    fields = {
        "initrd": "File: the compressed, padded initrd.",
        "listing": "File: `mkinitrd list` of the initrd (mode, owner, size, sha256, name).",
    },
)

HeadsRomInfo = provider(
    doc = "A firmware image and its companions, built by heads_rom.",
    fields = {
        "hashes": "File: hashes.txt (sha256sum format, paths relative to the board output).",
        "rom": "File: the full ROM.",
        "sizes": "File: sizes.txt.",
    },
)

HeadsToolchainInfo = provider(
    doc = "The cross tools of one target, as Heads' CROSS_TOOLS sets them.",
    fields = {
        "archive": "File or None: a built toolchain as a deterministic tarball; actions extract it and put its bin/ first on PATH.",
        "env": "dict: CC, AR, LD, STRIP, NM, OBJCOPY, OBJDUMP, RANLIB, CROSS, HEADS_CFLAGS (tool names on the action's PATH), and the toolchain's own `env` (e.g. REALGCC).",
        "files": "depset of File: more files the tools need.",
        "host_triple": "string: the --host triple for autotools, e.g. x86_64-linux-musl.",
        "musl_arch": "string: Heads' MUSL_ARCH (x86_64, powerpc64le).",
        "sysroot_tars": "depset of File: install trees every module sees in its sysroot (e.g. the kernel's UAPI headers), before its own dependencies.",
        "target_arch": "string: x86_64 or ppc64le.",
    },
)
