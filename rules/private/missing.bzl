"""Missing sources: reported all at once, before anything compiles.

A source archive that cannot be fetched does not stop the fetch with the
first error: its repository becomes a `heads_missing_source` target that
says what is missing. heads_sources_check, which every generated board's
targets depend on, fails the board's analysis with the full list, so `bazel
build //boards:<b>_rom` names every missing file in one message and no
action runs.
"""

HeadsMissingSourceInfo = provider(
    doc = "A source archive that could not be fetched.",
    fields = {"entry": "string: module, file name, sha256, URLs and why, one paragraph."},
)

HeadsSourcesCheckInfo = provider(
    doc = "A board's sources are all present.",
    fields = {"substitutions": "list of string: the board's sources that replace Heads' pins (HeadsSubstitutionInfo entries), sorted."},
)

HeadsSubstitutionInfo = provider(
    doc = "A source archive that stands in for the one a Heads tree pins (an entry of the substitution list).",
    fields = {
        "entry": "string: the module, Heads' pin, what replaces it and why, one line.",
        "libraries": "list of string: the module's `_libraries` when built from the substitute (another soname than the pin's); empty: Heads' own.",
    },
)

def _missing_fail_script(ctx, out, text):
    ctx.actions.run_shell(
        outputs = [out],
        command = "printf '%s\\n' \"$1\" >&2; exit 1",
        arguments = [text],
        mnemonic = "HeadsMissingSource",
        progress_message = "Missing source %{label}",
    )

def _heads_missing_source_impl(ctx):
    entry = """{module}: {file}
    sha256: {sha256}
    URLs:   {urls}
    why:    {reason}""".format(
        module = ctx.attr.module,
        file = ctx.attr.file_name,
        sha256 = ctx.attr.sha256 or "(not pinned yet)",
        urls = " ".join(ctx.attr.urls) or "(none)",
        reason = ctx.attr.reason.replace("\n", "\n            "),
    )
    out = ctx.actions.declare_file(ctx.attr.file_name + ".missing")
    _missing_fail_script(ctx, out, "rules_heads: missing source\n  " + entry + "\n" + ctx.attr.help)
    return [DefaultInfo(files = depset([out])), HeadsMissingSourceInfo(entry = entry)]

heads_missing_source = rule(
    implementation = _heads_missing_source_impl,
    doc = "Stands for a source archive that could not be fetched (written by heads_archive). Building it fails with what is missing and where to put it.",
    attrs = {
        "file_name": attr.string(mandatory = True),
        "help": attr.string(doc = "Where to put the file."),
        "module": attr.string(),
        "reason": attr.string(),
        "sha256": attr.string(),
        "urls": attr.string_list(),
    },
    provides = [HeadsMissingSourceInfo],
)

_HELP = """To build offline, put each file (with exactly that sha256) into a mirror
directory: $RULES_HEADS_DISTDIR (~/.cache/rules_heads/distdir with
tools/bazel) or another directory listed in heads.mirror(dirs = [...]).
The mirror files are watched: the next build picks them up. A pin without
sha256 (a git commit) needs its forge archive hashed first; see
docs/heads-tree.md. Files of the Heads tree (blobs) are made by the
board's BOARD_TARGETS scripts in a Heads checkout."""

def _heads_sources_check_impl(ctx):
    if ctx.attr.warning:
        # buildifier: disable=print
        print("rules_heads: WARNING: %s: %s" % (ctx.label, ctx.attr.warning))
    entries = [s[HeadsMissingSourceInfo].entry for s in ctx.attr.sources if HeadsMissingSourceInfo in s]
    entries.extend(["tree file " + m for m in ctx.attr.missing])
    if entries:
        fail("%s: %d source(s) of this board are missing; nothing was built:\n\n  %s\n\n%s" % (
            ctx.label,
            len(entries),
            "\n  ".join(entries),
            _HELP,
        ))
    subs = sorted([s[HeadsSubstitutionInfo].entry for s in ctx.attr.sources if HeadsSubstitutionInfo in s])
    return [HeadsSourcesCheckInfo(substitutions = subs)]

heads_sources_check = rule(
    implementation = _heads_sources_check_impl,
    doc = """Fails analysis with the complete list of a board's missing sources.

`sources` are the board's source archives (`@<repo>//file`); a repository
whose file could not be fetched is a heads_missing_source. `missing` lists
files of the Heads tree the board needs that are not there (e.g. an ME
blob Heads downloads with a board target's script). heads_board makes the
board's targets depend on this check, so nothing of the board is built
until every source is there.""",
    attrs = {
        "missing": attr.string_list(doc = "Missing files of the Heads tree: `path: why`."),
        "sources": attr.label_list(allow_files = True, doc = "The board's source archives."),
        "warning": attr.string(doc = "Printed whenever the check is analyzed: the Heads tree is not verified as the pinned one."),
    },
    provides = [HeadsSourcesCheckInfo],
)

def _heads_substituted_source_impl(ctx):
    entry = "{module}: {pin} replaced by {file} (sha256 {sha256}, {origin}): {why}".format(
        module = ctx.attr.module,
        pin = ctx.attr.pin,
        file = ctx.file.src.basename,
        sha256 = ctx.attr.sha256,
        origin = ctx.attr.origin or "origin not given",
        why = ctx.attr.why,
    )
    if ctx.attr.libraries:
        entry += " (libraries: %s)" % " ".join(ctx.attr.libraries)
    return [DefaultInfo(files = depset([ctx.file.src])), HeadsSubstitutionInfo(entry = entry, libraries = ctx.attr.libraries)]

heads_substituted_source = rule(
    implementation = _heads_substituted_source_impl,
    doc = "A fetched source archive that replaces a Heads pin (written by heads_archive for an entry of the substitution list). Its files are the archive; boards that use it say so in their release.",
    attrs = {
        "libraries": attr.string_list(doc = "The module's `_libraries` when built from this substitute, where its sonames differ from the pinned version's; empty: Heads' own."),
        "module": attr.string(),
        "origin": attr.string(doc = "Where the substitute comes from."),
        "pin": attr.string(doc = "Heads' pin: file name and sha256."),
        "sha256": attr.string(),
        "src": attr.label(allow_single_file = True, mandatory = True),
        "why": attr.string(mandatory = True),
    },
    provides = [HeadsSubstitutionInfo],
)
