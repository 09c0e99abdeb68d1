"""heads_initrd: the Heads initrd from module outputs, initrd trees and the board's runtime config."""

load("//rules:providers.bzl", "HeadsInitrdInfo", "HeadsModuleInfo")
load(":common.bzl", "TOOL_ATTRS", "XZ", "check_list_entries", "run_heads_action")
load(":missing.bzl", "HeadsSourcesCheckInfo")

def _tree_entries(label, files, strip_prefix):
    """`<exec path>\\t<path in the tree>` lines for files of an initrd tree."""
    lines = []
    for f in files:
        rel = f.short_path
        if f.owner and f.owner.workspace_root:
            # external repository: short_path starts with ../<repo>/
            rel = rel.split("/", 2)[2] if rel.startswith("../") else rel
        if strip_prefix:
            if not rel.startswith(strip_prefix + "/"):
                fail("%s: %s is not under initrd strip prefix %r" % (label, f.short_path, strip_prefix))
            rel = rel[len(strip_prefix) + 1:]
        lines.append(f.path + "\t" + rel)
    check_list_entries(label, "initrd file", lines)
    for line in lines:
        if line.count("\t") != 1:
            fail("%s: initrd file %r contains a tab, which rules_heads cannot pass to its actions" % (label, line))
    return "\n".join(lines)

# Stages the board's and Heads' trees, writes /etc/config, then merges the
# parts with mkinitrd in cpio-clean order (last wins): dev lists, modules,
# config, board, heads.
_INITRD_BODY = """
mkdir -p "$WORK/config/etc" "$WORK/board" "$WORK/heads"
# The mode comes from the content, never from the input's mode bits: Bazel
# keys actions by content only, and remote execution marks every input
# executable. 0755 for scripts ("#!") and ELF files, else 0644.
stage() { # LIST DIR: copies `src<TAB>rel` lines into DIR
  while IFS=$'\\t' read -r src rel; do
    case "$(head -c 4 "$EXECROOT/$src" | od -An -tx1 | tr -d ' \\n')" in
      2321* | 7f454c46) mode=0755 ;;
      *) mode=0644 ;;
    esac
    install -D -m "$mode" "$EXECROOT/$src" "$2/$rel"
  done < <(rh_each "$1")
}
stage RH_BOARD_FILES "$WORK/board"
stage RH_HEADS_FILES "$WORK/heads"
if [ -n "$RH_ETC_CONFIG" ]; then
  # Written by the rule: the board's exports as Heads' Makefile writes them.
  install -m 0644 "$EXECROOT/$RH_ETC_CONFIG" "$WORK/config/etc/config"
else
  config=(--out "$WORK/config/etc/config")
  [ -z "$RH_BOARD_CONFIG" ] || config+=(--board-config "$RH_BOARD_CONFIG")
  while IFS= read -r kv; do config+=(--set "$kv"); done < <(rh_each RH_CONFIG_SET)
  "$EXECROOT/$RH_MKINITRD" etc-config "${config[@]}"
fi
args=(--list-srcs-only)
while IFS= read -r f; do args+=(--cpio "$EXECROOT/$f"); done < <(rh_each RH_CPIOS)
while IFS= read -r f; do args+=(--list-src "$EXECROOT/$f"); done < <(rh_each RH_DEV_LIST_SRCS)
while IFS= read -r f; do args+=(--list "$EXECROOT/$f"); done < <(rh_each RH_DEV_LISTS)
while IFS= read -r f; do args+=(--tar "$EXECROOT/$f"); done < <(rh_each RH_MODULE_TARS)
args+=(--tree "$WORK/config" --tree "$WORK/board" --tree "$WORK/heads")
[ -z "$RH_LINKS" ] || args+=(--list "$EXECROOT/$RH_LINKS")
[ "$RH_HEADS_COMPAT" != 1 ] || args+=(--heads-compat)
"$EXECROOT/$RH_MKINITRD" build --out "$EXECROOT/$RH_OUT" --compress "$RH_COMPRESS" --xz "$RH_XZ" "${args[@]}"
"$EXECROOT/$RH_MKINITRD" list "$EXECROOT/$RH_OUT" > "$EXECROOT/$RH_OUT_LISTING"
"""

def _heads_initrd_impl(ctx):
    out = ctx.actions.declare_file(ctx.attr.out or ctx.label.name + ".cpio.xz")
    listing = ctx.actions.declare_file(ctx.label.name + ".list.txt")
    module_tars = [m[HeadsModuleInfo].initrd_tar for m in ctx.attr.modules if m[HeadsModuleInfo].initrd_tar] + ctx.files.extra_tars
    config_set = ["{}={}".format(k, v) for k, v in sorted(ctx.attr.config_extra.items())]
    check_list_entries(ctx.label, "config_extra entry", config_set)
    check_list_entries(ctx.label, "file", [f.path for f in module_tars + ctx.files.dev_list + ctx.files.dev_list_srcs])

    # The files dev lists name (`file` entries) are inputs: the tool refuses
    # paths outside the list's directory, and the sandbox holds only inputs.
    inputs = module_tars + ctx.files.heads_srcs + ctx.files.board_srcs + ctx.files.dev_list + ctx.files.dev_list_srcs + ctx.files.board_config + ctx.files.dev_cpios
    etc_config = None
    if ctx.attr.etc_config:
        etc_config = ctx.actions.declare_file(ctx.label.name + ".etc-config")
        ctx.actions.write(etc_config, ctx.attr.etc_config)
        inputs.append(etc_config)
    links = None
    if ctx.attr.links:
        lines = []
        for path, target in sorted(ctx.attr.links.items()):
            if path.startswith("/") or ".." in path.split("/") or " " in path + target or "\n" in path + target:
                fail("%s: link %r -> %r: the path must be relative and inside the initrd, without blanks" % (ctx.label, path, target))
            lines.append("slink /%s %s 0777 0 0" % (path, target))
        links = ctx.actions.declare_file(ctx.label.name + ".links.list")
        ctx.actions.write(links, "\n".join(lines) + "\n")
        inputs.append(links)
    script = run_heads_action(
        ctx,
        body = _INITRD_BODY,
        env = {
            "RH_BOARD_CONFIG": ctx.file.board_config.path if ctx.file.board_config else "",
            "RH_BOARD_FILES": _tree_entries(ctx.label, ctx.files.board_srcs, ctx.attr.board_strip_prefix),
            "RH_COMPRESS": ctx.attr.compression,
            "RH_CONFIG_SET": "\n".join(config_set),
            "RH_CPIOS": "\n".join([f.path for f in ctx.files.dev_cpios]),
            "RH_DEV_LISTS": "\n".join([f.path for f in ctx.files.dev_list]),
            "RH_ETC_CONFIG": etc_config.path if etc_config else "",
            "RH_LINKS": links.path if links else "",
            "RH_DEV_LIST_SRCS": "\n".join([f.path for f in ctx.files.dev_list_srcs]),
            "RH_HEADS_COMPAT": "1" if ctx.attr.heads_compat else "0",
            "RH_HEADS_FILES": _tree_entries(ctx.label, ctx.files.heads_srcs, ctx.attr.heads_strip_prefix),
            "RH_MKINITRD": ctx.executable._mkinitrd.path,
            "RH_MODULE_TARS": "\n".join([t.path for t in module_tars]),
            "RH_OUT": out.path,
            "RH_OUT_LISTING": listing.path,
            "RH_XZ": XZ,
        },
        inputs = inputs,
        tools = [ctx.executable._mkinitrd],
        outputs = [out, listing],
        mnemonic = "HeadsInitrd",
        progress_message = "Assembling initrd %{label}",
    )
    return [
        DefaultInfo(files = depset([out])),
        OutputGroupInfo(listing = depset([listing]), scripts = depset([script])),
        HeadsInitrdInfo(initrd = out, listing = listing),
    ]

heads_initrd = rule(
    implementation = _heads_initrd_impl,
    doc = """Builds the Heads initrd (initrd.cpio.xz) with the Go initrd tool.

Parts, merged in this order with later members winning (Heads' cpio-clean
semantics): `dev_cpios` (Heads' blobs/dev.cpio), `dev_list` (a
gen_init_cpio list: dev/console, ...), every module's initrd tarball
(stripped binaries under bin/, libraries under lib/, data files), then
`extra_tars`, /etc/config (`etc_config` as given, or the board config's
`export CONFIG_*` lines plus `config_extra`), the board's initrd tree,
Heads' own initrd/ tree and its symlinks (`links`). Heads' own order puts
data.cpio last; data paths (share/, usr/lib/kbd, etc/terminfo) do not
collide with the other parts, so the result is the same. The
result is sorted, owned by root, mtime 0, deterministic inodes, compressed
with xz (CRC32 check: the kernel refuses CRC64) and padded to 512 bytes,
then verified by decompressing it before it is written. The xz is the
build root's, passed explicitly: a missing xz is an error, never another
encoder with other bytes. /etc/config is written by `mkinitrd etc-config`,
which refuses a malformed `export` line naming file and line.""",
    attrs = dict(TOOL_ATTRS, **{
        "board_config": attr.label(allow_single_file = True, doc = "The board's <b>.config (Make syntax); its `export CONFIG_*` lines become /etc/config."),
        "board_srcs": attr.label_list(allow_files = True, doc = "Files of boards/<b>/initrd/."),
        "board_strip_prefix": attr.string(doc = "Path prefix (repository-relative) removed from board_srcs."),
        "compression": attr.string(default = "xz", values = ["xz", "gzip", "zstd", "none"]),
        "config_extra": attr.string_dict(doc = "More /etc/config lines (e.g. CONFIG_BOARD)."),
        "dev_cpios": attr.label_list(allow_files = True, doc = "newc archives merged first (Heads' blobs/dev.cpio)."),
        "etc_config": attr.string(doc = "The exact contents of /etc/config (generated boards: the evaluated exports as Heads' Makefile writes them). Replaces board_config and config_extra."),
        "extra_tars": attr.label_list(allow_files = [".tar"], doc = "More initrd shares as tarballs (a kernel's data files), after the modules'."),
        "links": attr.string_dict(doc = "Symlinks of the initrd: path (relative) -> target, as in Heads' initrd/ tree."),
        "sources_check": attr.label(providers = [HeadsSourcesCheckInfo], doc = "A heads_sources_check: analysis fails with the board's missing sources first."),
        "dev_list": attr.label_list(allow_files = True, doc = "gen_init_cpio-style lists (dev nodes, links). A `file` entry names its contents relative to the list's directory; absolute paths and paths leaving that directory are refused."),
        "dev_list_srcs": attr.label_list(allow_files = True, doc = "Files that `file` entries of dev_list name: declared here so they are inputs of the action."),
        "heads_compat": attr.bool(doc = "Byte-compatible with Heads' cpio-clean + xz command line."),
        "heads_srcs": attr.label_list(allow_files = True, doc = "Files of Heads' initrd/ tree."),
        "heads_strip_prefix": attr.string(doc = "Path prefix (repository-relative) removed from heads_srcs."),
        "modules": attr.label_list(providers = [HeadsModuleInfo], doc = "Modules whose outputs go to bin/ and lib/."),
        "out": attr.string(doc = "Output file name (default <name>.cpio.xz)."),
    }),
    provides = [HeadsInitrdInfo],
)
