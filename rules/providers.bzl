"""Providers of rules_heads. Public: rules of other rule sets may consume them."""

HeadsSourceInfo = provider(
    doc = "A module's source tree, extracted and patched, as a deterministic tarball.",
    fields = {
        "module": "string: the Heads module name (for messages).",
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
        "initrd_tar": "File: the module's share of the initrd: stripped `outputs` under bin/, `libraries` under lib/.",
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
