"""heads_rom: stitch the final ROM, split it, and write hashes.txt/sizes.txt and the release zip."""

load("@bazel_skylib//lib:shell.bzl", "shell")
load("//rules:providers.bzl", "HeadsRomInfo")
load(":common.bzl", "TOOL_ATTRS", "run_heads_action")

_ZIP_PY = r"""
import sys, zipfile
out, files = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for f in files:
        i = zipfile.ZipInfo(f.rsplit("/", 1)[-1], date_time=(1980, 1, 1, 0, 0, 0))
        i.external_attr = 0o644 << 16
        i.create_system = 3
        i.compress_type = zipfile.ZIP_DEFLATED
        with open(f, "rb") as r:
            z.writestr(i, r.read(), compresslevel=9)
"""

def _heads_rom_impl(ctx):
    board = ctx.attr.board or ctx.label.name
    d = ctx.label.name + "/"
    rom = ctx.actions.declare_file(d + board + ".rom")
    hashes = ctx.actions.declare_file(d + "hashes.txt")
    sizes = ctx.actions.declare_file(d + "sizes.txt")
    zipf = ctx.actions.declare_file(d + board + ".zip")
    outputs = [rom, hashes, sizes, zipf]
    inputs = [ctx.file.rom]
    rs = '"$EXECROOT/{}"'.format(ctx.executable._romstitch.path)
    steps = ['cp "$EXECROOT/{}" "$WORK/rom"'.format(ctx.file.rom.path), 'chmod u+w "$WORK/rom"']
    if ctx.attr.pad_to:
        steps.append('{rs} pad --rom "$WORK/rom" --out "$WORK/rom" --size {s}'.format(rs = rs, s = shell.quote(ctx.attr.pad_to)))
    for region, f in [("descriptor", ctx.file.ifd), ("me", ctx.file.me), ("gbe", ctx.file.gbe)]:
        if f:
            inputs.append(f)
            steps.append('{rs} ifd set --rom "$WORK/rom" --out "$WORK/rom" --region {r} --file "$EXECROOT/{f}"'.format(rs = rs, r = region, f = f.path))
    for target, name in ctx.attr.cbfs_files.items():
        files = target.files.to_list()
        if len(files) != 1:
            fail("%s: cbfs_files entry %s must be one file" % (ctx.label, target.label))
        inputs.append(files[0])
        steps.append('{rs} cbfs add --rom "$WORK/rom" --out "$WORK/rom" --name {n} --file "$EXECROOT/{f}"'.format(rs = rs, n = shell.quote(name), f = files[0].path))
    steps.append('cp "$WORK/rom" "$OUT/{}.rom"'.format(board))
    listed = ["{}.rom".format(board)]
    if ctx.attr.split:
        if len(ctx.attr.split) != 2:
            fail("%s: split takes two sizes (bottom, top), e.g. [\"8M\", \"4M\"]" % ctx.label)
        bottom = ctx.actions.declare_file(d + board + "-bottom.rom")
        top = ctx.actions.declare_file(d + board + "-top.rom")
        outputs.extend([bottom, top])
        steps.append('{rs} split --rom "$WORK/rom" --sizes {s} --out-dir "$OUT" --names {b},{t}'.format(
            rs = rs,
            s = shell.quote(",".join(ctx.attr.split)),
            b = bottom.basename,
            t = top.basename,
        ))
        listed.extend([bottom.basename, top.basename])
    steps.append('(cd "$OUT" && {rs} hashes --root . --hashes hashes.txt --sizes sizes.txt {files})'.format(rs = rs, files = " ".join(listed)))
    steps.append('(cd "$OUT" && sha256sum {rom}.rom > "$WORK/sha256sum.txt")'.format(rom = board))
    steps.append('python3 -c {py} "$OUT/{b}.zip" "$OUT/{b}.rom" "$WORK/sha256sum.txt"'.format(py = shell.quote(_ZIP_PY), b = board))
    cmd = 'OUT="$EXECROOT/{}"\n'.format(rom.dirname) + "\n".join(steps) + "\n"
    run_heads_action(
        ctx,
        body = cmd,
        inputs = inputs,
        tools = [ctx.executable._romstitch],
        outputs = outputs,
        mnemonic = "HeadsRom",
        progress_message = "Stitching ROM %{label}",
    )
    return [
        DefaultInfo(files = depset(outputs)),
        OutputGroupInfo(hashes = depset([hashes, sizes]), rom = depset([rom]), zip = depset([zipf])),
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
sha256sum.txt (fixed zip dates).""",
    attrs = dict(TOOL_ATTRS, **{
        "board": attr.string(doc = "Board name for file names (default: target name)."),
        "cbfs_files": attr.label_keyed_string_dict(allow_files = True, doc = "Files to add to CBFS, mapped to their CBFS names."),
        "gbe": attr.label(allow_single_file = True, doc = "GbE region contents."),
        "ifd": attr.label(allow_single_file = True, doc = "Flash descriptor region contents."),
        "me": attr.label(allow_single_file = True, doc = "ME region contents (e.g. a cleaned me.bin)."),
        "rom": attr.label(allow_single_file = True, mandatory = True, doc = "The coreboot image."),
        "pad_to": attr.string(doc = "Pad the image to this size first (e.g. 12M)."),
        "split": attr.string_list(doc = "Split into bottom and top images of these sizes (e.g. [\"8M\", \"4M\"])."),
    }),
    provides = [HeadsRomInfo],
)
