"""Module extension `heads`: source archives of Heads modules.

    heads = use_extension("@rules_heads//rules:extensions.bzl", "heads")
    heads.mirror(dirs = ["third_party/distdir"])
    heads.archive(
        name = "busybox_src",
        module = "busybox",
        urls = ["https://busybox.net/downloads/busybox-1.36.1.tar.bz2"],
        sha256 = "...",
    )
    use_repo(heads, "busybox_src")
"""

load("//rules/private:archive_repo.bzl", "archive_error", "heads_archive")

_archive = tag_class(
    doc = "One source archive, pinned by sha256.",
    attrs = {
        "file_name": attr.string(doc = "File name (default: from the first URL)."),
        "mirrors": attr.string_list(doc = "Mirror directories for this archive only, instead of those of `heads.mirror`."),
        "module": attr.string(doc = "Heads module name, for messages."),
        "name": attr.string(mandatory = True, doc = "Repository name."),
        "sha256": attr.string(mandatory = True, doc = "Expected sha256."),
        "urls": attr.string_list(doc = "URLs tried after the mirrors."),
    },
)

_mirror = tag_class(
    doc = "Local mirror directories tried before any URL: absolute, relative to the main workspace, or `$VAR` (an environment variable naming one, e.g. `$RULES_HEADS_DISTDIR`).",
    attrs = {"dirs": attr.string_list(mandatory = True)},
)

def _heads_impl(mctx):
    mirrors = []
    for mod in mctx.modules:
        for m in mod.tags.mirror:
            mirrors.extend(m.dirs)
    seen = {}
    for mod in mctx.modules:
        for a in mod.tags.archive:
            if a.name in seen:
                continue
            seen[a.name] = True
            err = archive_error(a.name, a.urls, a.file_name, a.mirrors or mirrors)
            if err:
                fail(err)
            heads_archive(
                name = a.name,
                urls = a.urls,
                sha256 = a.sha256,
                file_name = a.file_name,
                module = a.module or a.name,
                mirrors = a.mirrors or mirrors,
            )

heads = module_extension(
    implementation = _heads_impl,
    doc = "Declares the source archives of Heads modules. See the module docstring.",
    tag_classes = {"archive": _archive, "mirror": _mirror},
)
