"""heads_rom: stitch the final ROM, split it, and write hashes.txt/sizes.txt and the release zip."""

load("//rules:providers.bzl", "HeadsRomInfo")
load(":common.bzl", "TOOL_ATTRS", "check_list_entries", "run_heads_action")
load(":missing.bzl", "HeadsSourcesCheckInfo")

_ROM_BODY = """
rs() { "$EXECROOT/$ROMSTITCH" "$@"; }
OUT="$EXECROOT/$RH_OUT_DIR"
ROM="$WORK/rom"
cp "$EXECROOT/$RH_ROM" "$ROM"
chmod u+w "$ROM"
[ -z "$RH_PAD_TO" ] || rs pad --rom "$ROM" --out "$ROM" --size "$RH_PAD_TO"
while IFS=$'\\t' read -r region file; do
  rs ifd set --rom "$ROM" --out "$ROM" --region "$region" --file "$EXECROOT/$file"
done < <(rh_each RH_REGIONS)
while IFS=$'\\t' read -r name file; do
  rs cbfs add --rom "$ROM" --out "$ROM" --name "$name" --file "$EXECROOT/$file"
done < <(rh_each RH_CBFS_FILES)
cp "$ROM" "$OUT/$RH_BOARD.rom"
listed=("$RH_BOARD.rom")
if [ -n "$RH_SPLIT" ]; then
  rs split --rom "$ROM" --sizes "$RH_SPLIT" --out-dir "$OUT" --names "$RH_BOARD-bottom.rom,$RH_BOARD-top.rom"
  listed+=("$RH_BOARD-bottom.rom" "$RH_BOARD-top.rom")
fi
zipped=("$OUT/$RH_BOARD.rom" "$WORK/sha256sum.txt")
if [ -n "$RH_SUBSTITUTIONS" ]; then
  # Sources that replace Heads' pins: listed in hashes.txt and in the zip.
  listed+=(substitutions.txt)
  zipped+=("$EXECROOT/$RH_SUBSTITUTIONS")
fi
(cd "$OUT" && rs hashes --root . --hashes hashes.txt --sizes sizes.txt "${listed[@]}")
(cd "$OUT" && sha256sum "$RH_BOARD.rom" > "$WORK/sha256sum.txt")
rs zip --out "$OUT/$RH_BOARD.zip" "${zipped[@]}"
"""

def _heads_rom_impl(ctx):
    board = ctx.attr.board or ctx.label.name
    if "/" in board or "," in board or board in ("", ".", ".."):
        fail("%s: board %r must be a plain file name (no '/' or ',')" % (ctx.label, board))
    subs = ctx.attr.sources_check[HeadsSourcesCheckInfo].substitutions if ctx.attr.sources_check else []
    if subs:
        # Built from substitutes, not from Heads' exact pins: the file
        # names say so, so such a ROM is never taken for an exact build.
        board += "-substituted"
    d = ctx.label.name + "/"
    rom = ctx.actions.declare_file(d + board + ".rom")
    hashes = ctx.actions.declare_file(d + "hashes.txt")
    sizes = ctx.actions.declare_file(d + "sizes.txt")
    zipf = ctx.actions.declare_file(d + board + ".zip")
    outputs = [rom, hashes, sizes, zipf]
    inputs = [ctx.file.rom]
    subs_file = None
    if subs:
        subs_file = ctx.actions.declare_file(d + "substitutions.txt")
        ctx.actions.write(subs_file, "# Sources of this build that replace Heads' pins (the substitution list):\n" + "\n".join(subs) + "\n")
        inputs.append(subs_file)
    regions = []
    for region, f in [("descriptor", ctx.file.ifd), ("me", ctx.file.me), ("gbe", ctx.file.gbe)]:
        if f:
            inputs.append(f)
            regions.append(region + "\t" + f.path)
    cbfs_files = []
    for target, name in ctx.attr.cbfs_files.items():
        files = target.files.to_list()
        if len(files) != 1:
            fail("%s: cbfs_files entry %s must be one file" % (ctx.label, target.label))
        if "\t" in name:
            fail("%s: CBFS name %r contains a tab" % (ctx.label, name))
        inputs.append(files[0])
        cbfs_files.append(name + "\t" + files[0].path)
    check_list_entries(ctx.label, "file", regions + cbfs_files)
    if ctx.attr.split:
        if len(ctx.attr.split) != 2:
            fail("%s: split takes two sizes (bottom, top), e.g. [\"8M\", \"4M\"]" % ctx.label)
        outputs.append(ctx.actions.declare_file(d + board + "-bottom.rom"))
        outputs.append(ctx.actions.declare_file(d + board + "-top.rom"))
    script = run_heads_action(
        ctx,
        body = _ROM_BODY,
        env = {
            "RH_BOARD": board,
            "RH_CBFS_FILES": "\n".join(cbfs_files),
            "RH_OUT_DIR": rom.dirname,
            "RH_PAD_TO": ctx.attr.pad_to,
            "RH_REGIONS": "\n".join(regions),
            "RH_ROM": ctx.file.rom.path,
            "RH_SPLIT": ",".join(ctx.attr.split),
            "RH_SUBSTITUTIONS": subs_file.path if subs_file else "",
        },
        inputs = inputs,
        outputs = outputs,
        romstitch = True,
        mnemonic = "HeadsRom",
        progress_message = "Stitching ROM %{label}",
    )
    release = outputs + ([subs_file] if subs_file else [])
    return [
        DefaultInfo(files = depset(release)),
        OutputGroupInfo(hashes = depset([hashes, sizes] + ([subs_file] if subs_file else [])), rom = depset([rom]), scripts = depset([script]), zip = depset([zipf])),
        HeadsRomInfo(rom = rom, hashes = hashes, sizes = sizes),
    ]

heads_rom = rule(
    implementation = _heads_rom_impl,
    doc = """Turns a coreboot image into the board's release files with the Go ROM stitcher.

Steps, each refusing bad input with a clear message (a blob larger than its
region says by how many bytes): pad to `pad_to`, replace IFD regions
(descriptor, ME, GbE) from files, add CBFS files, split into bottom/top
images (e.g. the X230's 8 MiB + 4 MiB chips), then hashes.txt and sizes.txt
(paths relative to the board output, each artifact once: Heads #1829 listed
bottom.rom twice and not the full ROM) and <board>.zip with the ROM and its
sha256sum.txt, written by `romstitch zip` (members stored, fixed dates and modes: the
same bytes on every machine and with every Go release).

When the board's `sources_check` reports sources that replace Heads' pins
(the substitution list), every file name is `<board>-substituted...` and
substitutions.txt (listed in hashes.txt and put into the zip) names each
one: such a release can never be taken for a build from Heads' exact
sources.""",
    attrs = dict(TOOL_ATTRS, **{
        "board": attr.string(doc = "Board name for file names (default: target name)."),
        "cbfs_files": attr.label_keyed_string_dict(allow_files = True, doc = "Files to add to CBFS, mapped to their CBFS names."),
        "gbe": attr.label(allow_single_file = True, doc = "GbE region contents."),
        "ifd": attr.label(allow_single_file = True, doc = "Flash descriptor region contents."),
        "me": attr.label(allow_single_file = True, doc = "ME region contents (e.g. a cleaned me.bin)."),
        "rom": attr.label(allow_single_file = True, mandatory = True, doc = "The coreboot image."),
        "pad_to": attr.string(doc = "Pad the image to this size first (e.g. 12M)."),
        "sources_check": attr.label(providers = [HeadsSourcesCheckInfo], doc = "A heads_sources_check: analysis fails with the board's missing sources first."),
        "split": attr.string_list(doc = "Split into bottom and top images of these sizes (e.g. [\"8M\", \"4M\"])."),
    }),
    provides = [HeadsRomInfo],
)
