"""heads_initrd: the Heads initrd from module outputs, initrd trees and the board's runtime config."""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsInitrdInfo", "HeadsModuleInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

def _stage_tree(files, strip_prefix, dest_var):
    """Shell lines copying files (keeping the executable bit) into a staging dir."""
    lines = []
    for f in files:
        rel = f.short_path
        if f.owner and f.owner.workspace_root:
            # external repository: short_path starts with ../<repo>/
            rel = rel.split("/", 2)[2] if rel.startswith("../") else rel
        if strip_prefix:
            if not rel.startswith(strip_prefix + "/"):
                fail("%s is not under initrd strip prefix %r" % (f.short_path, strip_prefix))
            rel = rel[len(strip_prefix) + 1:]
        lines.append('install -D "$EXECROOT/{src}" "{d}/{rel}"'.format(src = f.path, d = dest_var, rel = rel))
        lines.append('[ -x "$EXECROOT/{src}" ] && chmod 0755 "{d}/{rel}" || chmod 0644 "{d}/{rel}"'.format(src = f.path, d = dest_var, rel = rel))
    return "\n".join(lines)

def _heads_initrd_impl(ctx):
    out = ctx.actions.declare_file(ctx.attr.out or ctx.label.name + ".cpio.xz")
    listing = ctx.actions.declare_file(ctx.label.name + ".list.txt")
    module_tars = [m[HeadsModuleInfo].initrd_tar for m in ctx.attr.modules]

    # /etc/config: only the board's `export CONFIG_*` lines, as Heads' tools.cpio.
    inputs = list(module_tars) + ctx.files.heads_srcs + ctx.files.board_srcs + ctx.files.dev_list
    config_lines = ""
    if ctx.file.board_config:
        inputs.append(ctx.file.board_config)
        config_lines = """
# Every `export` line must be `export CONFIG_NAME [:?]= value`: anything else
# would silently miss /etc/config, so it is an error naming the line.
bad=$(grep -n -E '^[[:space:]]*export([[:space:]]|$)' "$EXECROOT/{cfg}" |
  grep -v -E '^[0-9]+:[[:space:]]*export[[:space:]]+CONFIG_[A-Za-z0-9_]+[[:space:]]*[:?]?=' | head -3 || true)
if [ -n "$bad" ]; then
  echo "rules_heads: {cfg_short}: malformed export line(s); expected 'export CONFIG_NAME=value':" >&2
  echo "$bad" | sed 's/^/    line /' >&2
  exit 1
fi
# `export CONFIG_X = v`, `export CONFIG_X := "v"` -> export CONFIG_X="v", as
# Heads writes it (from the shell's `export` listing, values quoted).
sed -n -e 's/^[[:space:]]*export[[:space:]]\\{{1,\\}}\\(CONFIG_[A-Za-z0-9_]*\\)[[:space:]]*[:?]\\{{0,1\\}}=[[:space:]]*\\(.*\\)$/\\1 \\2/p' "$EXECROOT/{cfg}" |
while read -r k v; do
  v=${{v%\\"}}; v=${{v#\\"}}
  printf 'export %s="%s"\\n' "$k" "$v"
done >> "$WORK/config/etc/config"
""".format(cfg = ctx.file.board_config.path, cfg_short = ctx.file.board_config.short_path)

    args = []

    # Merge order, last wins (as cpio-clean): dev, modules, config, board, heads.
    for f in ctx.files.dev_list:
        args.append('--list "$EXECROOT/{}"'.format(f.path))
    for t in module_tars:
        args.append('--tar "$EXECROOT/{}"'.format(t.path))
    args.append('--tree "$WORK/config"')
    args.append('--tree "$WORK/board"')
    args.append('--tree "$WORK/heads"')
    extra_config = "\n".join([
        "printf 'export %s=\"%s\"\\n' {} {} >> \"$WORK/config/etc/config\"".format(shell.quote(k), shell.quote(v))
        for k, v in sorted(ctx.attr.config_extra.items())
    ])

    cmd = """
mkdir -p "$WORK/config/etc" "$WORK/board" "$WORK/heads"
: > "$WORK/config/etc/config"
{config_lines}
{extra_config}
{stage_board}
{stage_heads}
"$EXECROOT/{mkinitrd}" build -o "$EXECROOT/{out}" --compress {compress} {compat} {args}
"$EXECROOT/{mkinitrd}" list "$EXECROOT/{out}" > "$EXECROOT/{listing}"
""".format(
        config_lines = config_lines,
        extra_config = extra_config,
        stage_board = _stage_tree(ctx.files.board_srcs, ctx.attr.board_strip_prefix, "$WORK/board"),
        stage_heads = _stage_tree(ctx.files.heads_srcs, ctx.attr.heads_strip_prefix, "$WORK/heads"),
        mkinitrd = ctx.executable._mkinitrd.path,
        out = out.path,
        compress = ctx.attr.compression,
        compat = "--heads-compat" if ctx.attr.heads_compat else "",
        args = " ".join(args),
        listing = listing.path,
    )
    run_heads_action(
        ctx,
        body = cmd,
        inputs = inputs,
        tools = [ctx.executable._mkinitrd],
        outputs = [out, listing],
        mnemonic = "HeadsInitrd",
        progress_message = "Assembling initrd %{label}",
    )
    return [
        DefaultInfo(files = depset([out])),
        OutputGroupInfo(listing = depset([listing])),
        HeadsInitrdInfo(initrd = out, listing = listing),
    ]

heads_initrd = rule(
    implementation = _heads_initrd_impl,
    doc = """Builds the Heads initrd (initrd.cpio.xz) with the Go initrd tool.

Parts, merged in this order with later members winning (Heads' cpio-clean
semantics): `dev_list` (a gen_init_cpio list: dev/console, ...), every
module's initrd tarball (stripped binaries under bin/, libraries under
lib/), /etc/config (the board config's `export CONFIG_*` lines only, plus
`config_extra`), the board's initrd tree, Heads' own initrd/ tree. The
result is sorted, owned by root, mtime 0, deterministic inodes, compressed
with xz (CRC32 check: the kernel refuses CRC64) and padded to 512 bytes,
then verified by decompressing it before it is written.""",
    attrs = dict(TOOL_ATTRS, **{
        "board_config": attr.label(allow_single_file = True, doc = "The board's <b>.config (Make syntax); its `export CONFIG_*` lines become /etc/config."),
        "board_srcs": attr.label_list(allow_files = True, doc = "Files of boards/<b>/initrd/."),
        "board_strip_prefix": attr.string(doc = "Path prefix (repository-relative) removed from board_srcs."),
        "compression": attr.string(default = "xz", values = ["xz", "gzip", "zstd", "none"]),
        "config_extra": attr.string_dict(doc = "More /etc/config lines (e.g. CONFIG_BOARD)."),
        "dev_list": attr.label_list(allow_files = True, doc = "gen_init_cpio-style lists (dev nodes, links)."),
        "heads_compat": attr.bool(doc = "Byte-compatible with Heads' cpio-clean + xz command line."),
        "heads_srcs": attr.label_list(allow_files = True, doc = "Files of Heads' initrd/ tree."),
        "heads_strip_prefix": attr.string(doc = "Path prefix (repository-relative) removed from heads_srcs."),
        "modules": attr.label_list(providers = [HeadsModuleInfo], doc = "Modules whose outputs go to bin/ and lib/."),
        "out": attr.string(doc = "Output file name (default <name>.cpio.xz)."),
    }),
    provides = [HeadsInitrdInfo],
)
