"""heads_source: extract a module's archive and apply its patches, deterministically."""

load("//rules:providers.bzl", "HeadsSourceInfo")
load(":common.bzl", "TOOL_ATTRS", "check_list_entries", "run_heads_action")
load(":missing.bzl", "HeadsSubstitutionInfo")

def _heads_source_impl(ctx):
    module = ctx.attr.module or ctx.label.name

    # A substitute whose libraries have other names (a newer soname) says
    # which; the module build installs those instead of Heads' _libraries.
    libraries = None
    if HeadsSubstitutionInfo in ctx.attr.archive and ctx.attr.archive[HeadsSubstitutionInfo].libraries:
        libraries = ctx.attr.archive[HeadsSubstitutionInfo].libraries
    if not ctx.files.patches:
        # Nothing to apply: hand the pinned archive itself to the builds
        # (they extract it with the same checks); re-packing a 1.8 GB kernel
        # tree would only cost time and disk.
        return [
            DefaultInfo(files = depset([ctx.file.archive])),
            HeadsSourceInfo(module = module, tar = ctx.file.archive, strip_components = ctx.attr.strip_components, libraries = libraries, repacked = False),
        ]
    out = ctx.actions.declare_file(ctx.label.name + ".src.tar")

    # Heads applies patches/<module>-<version>/*.patch in glob (sorted) order.
    patches = sorted(ctx.files.patches, key = lambda f: f.basename)
    check_list_entries(ctx.label, "patch", [p.path for p in patches])
    script = run_heads_action(
        ctx,
        body = """
rh_extract "$RH_ARCHIVE" "$RH_STRIP" "$WORK/src"
rh_each RH_PATCHES | while IFS= read -r p; do
  rh_run_logged "$RH_MODULE: patch ${p##*/}" "$WORK/patch.log" \
    patch -d "$WORK/src" -p"$RH_PATCH_STRIP" --forward --batch --no-backup-if-mismatch -i "$EXECROOT/$p"
done
"$EXECROOT/$TARNORM" pack --prefix src/ --out "$EXECROOT/$RH_OUT" "$WORK/src"
""",
        env = {
            "RH_ARCHIVE": ctx.file.archive.path,
            "RH_MODULE": module,
            "RH_OUT": out.path,
            "RH_PATCHES": "\n".join([p.path for p in patches]),
            "RH_PATCH_STRIP": str(ctx.attr.patch_strip),
            "RH_STRIP": str(ctx.attr.strip_components),
        },
        inputs = [ctx.file.archive] + patches,
        outputs = [out],
        mnemonic = "HeadsSource",
        progress_message = "Extracting and patching %s (%d patches)" % (module, len(patches)),
    )
    return [
        DefaultInfo(files = depset([out])),
        OutputGroupInfo(scripts = depset([script])),
        HeadsSourceInfo(module = module, tar = out, strip_components = 1, libraries = libraries, repacked = True),
    ]

def repacked_source(ctx, source_info):
    """A source's tree as a deterministic tar, for actions that run without tarnorm.

    A patched source is one already (the HeadsSource action's output). A
    pinned archive passed through unchanged is re-packed by `tarnorm
    repack` (extract's checks, then pack) in an action of its own: its
    output changes only with the archive, so the action that unpacks it
    with rh_tar_extract keeps its key when tarnorm's code changes.

    Args:
      ctx: rule context (with TOOL_ATTRS).
      source_info: HeadsSourceInfo.

    Returns:
      (File, strip_components) for rh_tar_extract.
    """
    if source_info.repacked:
        return source_info.tar, source_info.strip_components
    out = ctx.actions.declare_file(ctx.label.name + ".src.tar")
    run_heads_action(
        ctx,
        body = """
"$EXECROOT/$TARNORM" repack --strip-components "$RH_STRIP" --prefix src/ --out "$EXECROOT/$RH_OUT" "$EXECROOT/$RH_ARCHIVE"
""",
        env = {
            "RH_ARCHIVE": source_info.tar.path,
            "RH_OUT": out.path,
            "RH_STRIP": str(source_info.strip_components),
        },
        inputs = [source_info.tar],
        outputs = [out],
        mnemonic = "HeadsSourceRepack",
        progress_message = "Checking and re-packing the %s source for %%{label}" % source_info.module,
    )
    return out, 1

heads_source = rule(
    implementation = _heads_source_impl,
    doc = """Extracts a source archive, applies its patches in sorted order and
re-packs the tree as a deterministic tarball.

The archive and every patch are inputs of this one action, so changing a
patch re-extracts this module and rebuilds only what depends on it (Heads'
stamp files do not notice a changed patch). Without patches no action runs:
the pinned archive itself is handed on and extracted by the builds. Archive
members are checked by
`tarnorm extract`: absolute names, `..`, links escaping the tree and device
nodes are refused with the member's name.""",
    attrs = dict(TOOL_ATTRS, **{
        "archive": attr.label(
            doc = "The source archive (tar, tar.gz, tar.bz2, tar.xz or zip), usually `@<repo>//file` from the `heads.archive` module extension.",
            allow_single_file = True,
            mandatory = True,
        ),
        "module": attr.string(doc = "Module name used in messages (default: the target name)."),
        "patch_strip": attr.int(doc = "`-p` of patch(1).", default = 1),
        "patches": attr.label_list(
            doc = "Patches, applied in the sorted order of their file names (as Heads' patches/<module>-<version>/*.patch).",
            allow_files = [".patch", ".diff"],
        ),
        "strip_components": attr.int(doc = "Leading path components to drop, like tar's --strip-components (Heads' `_tar_opt`).", default = 1),
    }),
    provides = [HeadsSourceInfo],
)
