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

Or every pin of a Heads tree at once, from the file `headsgen sources`
writes (like go_deps.from_file; `bazel mod tidy` writes the use_repo):

    heads.from_file(sources = "//:heads_sources.json")
"""

load("//rules/private:archive_repo.bzl", "archive_error", "heads_archive")
load("//rules/private:tree_repo.bzl", "heads_tree")

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

_from_file = tag_class(
    doc = "Every source pin listed in a sources file written by `headsgen sources` (JSON: `sources`: name, module, file_name, urls, sha256, and repo/commit for git pins). A pin without sha256 is declared but fails when fetched, saying what to do.",
    attrs = {
        "sources": attr.label(mandatory = True, allow_single_file = [".json"], doc = "The sources file."),
        "substitutions": attr.label(allow_single_file = [".json"], doc = "The substitution list: JSON `substitutions`, each entry `name` (the pin it replaces), `file_name`, `sha256`, optional `urls`, `origin` (where it comes from) and `why`. A board using one says so in its release (file names `<board>-substituted*`, substitutions.txt)."),
        "tree_only": attr.bool(doc = "The pins serve only a heads.tree's generated targets: they are not direct dependencies of the root module (no use_repo for them)."),
    },
)

_tree = tag_class(
    doc = "A Heads tree whose BUILD files rules_heads generates (modules, patches, configs): a local directory, or an archive pinned by sha256. Its sources come from heads.from_file.",
    attrs = {
        "commit": attr.string(doc = "The commit the tree is (its GIT_HASH in the initrd's /etc/config)."),
        "coreboot_toolchain": attr.string(doc = "Label of the heads_coreboot_toolchain the generated boards build coreboot with (default: none)."),
        "file_name": attr.string(doc = "File name of the archive in the mirror directories (default: from the first URL)."),
        "manifest": attr.label(doc = "`git ls-tree -r <commit>` of the pinned commit: a local copy that differs is listed file by file, and boards needing a file it lacks fail listing it."),
        "name": attr.string(mandatory = True, doc = "Repository name."),
        "path": attr.string(doc = "A local Heads tree: absolute, or relative to the main workspace. RULES_HEADS_TREE_<NAME> in the environment names one instead of the archive (checked against tree_id; a copy that differs is used with a warning)."),
        "sha256": attr.string(doc = "sha256 of the archive (may be left out while unknown when tree_id is given: the extracted files are then checked against the tree id)."),
        "strip_prefix": attr.string(doc = "Directory prefix to strip from the archive."),
        "tree_id": attr.string(doc = "git's tree id of the pinned commit (`git rev-parse <commit>^{tree}`); the files are checked against it."),
        "urls": attr.string_list(doc = "Archive of the tree."),
    },
)

_mirror = tag_class(
    doc = "Local mirror directories tried before any URL: absolute, relative to the main workspace, or `$VAR` (an environment variable naming one, e.g. `$RULES_HEADS_DISTDIR`).",
    attrs = {"dirs": attr.string_list(mandatory = True)},
)

_SUBSTITUTION_KEYS = ["name", "file_name", "sha256", "origin", "why"]

def _substitutions(mctx, label, pins):
    """The entries of a substitution list, by the name of the pin each replaces."""
    if not label:
        return {}
    data = json.decode(mctx.read(mctx.path(label)))
    out = {}
    for i, e in enumerate(data.get("substitutions", [])):
        for k in _SUBSTITUTION_KEYS:
            if not e.get(k):
                fail("%s: substitutions[%d] has no %r; each entry needs %s" % (label, i, k, ", ".join(_SUBSTITUTION_KEYS)))
        if e["name"] not in pins:
            fail("%s: substitutions[%d] names %r, which is no pin of the sources file" % (label, i, e["name"]))
        if e["name"] in out:
            fail("%s: %r is substituted twice" % (label, e["name"]))
        libs = e.get("libraries", [])
        if type(libs) != "list" or [x for x in libs if type(x) != "string" or not x]:
            fail("%s: substitutions[%d] (%s): libraries must be a list of file names (the substitute's `_libraries`)" % (label, i, e["name"]))
        out[e["name"]] = e
    return out

def _sources_from_file(mctx, label, substitutions_label = None):
    """The archive tags of a sources file, as structs like heads.archive's.

    A pin named in the substitution list is replaced by its entry: file
    name, sha256 and URLs of the substitute, and what it stands in for.
    """
    data = json.decode(mctx.read(mctx.path(label)))
    subs = _substitutions(mctx, substitutions_label, {s.get("name"): True for s in data.get("sources", [])})
    out = []
    for i, s in enumerate(data.get("sources", [])):
        for k in ["name", "module", "file_name", "urls", "sha256"]:
            if k not in s:
                fail("%s: sources[%d] has no %r; regenerate the file with `headsgen sources`" % (label, i, k))
        git = ""
        if s.get("repo"):
            git = "%s @ %s" % (s["repo"], s.get("commit", "?"))
        sub = subs.get(s["name"])
        if sub:
            out.append(struct(
                name = s["name"],
                module = s["module"],
                file_name = sub["file_name"],
                urls = sub.get("urls", []),
                sha256 = sub["sha256"],
                mirrors = [],
                git = "",
                substitutes = "%s sha256 %s" % (s["file_name"], s["sha256"] or "(git %s)" % git),
                origin = sub["origin"],
                why = sub["why"],
                libraries = sub.get("libraries", []),
            ))
            continue
        out.append(struct(
            name = s["name"],
            module = s["module"],
            file_name = s["file_name"],
            urls = s["urls"],
            sha256 = s["sha256"],
            mirrors = [],
            git = git,
            substitutes = "",
            origin = "",
            why = "",
            libraries = [],
        ))
    return out

def _heads_impl(mctx):
    mirrors = []
    for mod in mctx.modules:
        for m in mod.tags.mirror:
            mirrors.extend(m.dirs)
    seen = {}
    root_repos, root_dev_repos = [], []
    for mod in mctx.modules:
        tags = []
        for f in mod.tags.from_file:
            tags.extend([(t, mctx.is_dev_dependency(f), f.tree_only) for t in _sources_from_file(mctx, f.sources, f.substitutions)])
        tags.extend([(t, mctx.is_dev_dependency(t), False) for t in mod.tags.archive])
        for a, dev, tree_only in tags:
            if mod.is_root and not tree_only:
                (root_dev_repos if dev else root_repos).append(a.name)
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
                git = getattr(a, "git", ""),
                substitutes = getattr(a, "substitutes", ""),
                origin = getattr(a, "origin", ""),
                why = getattr(a, "why", ""),
                libraries = getattr(a, "libraries", []),
            )
    for mod in mctx.modules:
        for t in mod.tags.tree:
            if (not t.path) == (not t.urls):
                fail("heads.tree(name = %r): give either path (a local tree) or urls and sha256 (an archive)" % t.name)
            if t.urls and not t.sha256 and not t.tree_id:
                fail("heads.tree(name = %r): an archive needs its sha256 or its tree_id (git's tree id of the commit)" % t.name)
            if mod.is_root:
                (root_dev_repos if mctx.is_dev_dependency(t) else root_repos).append(t.name)
            if t.name in seen:
                continue
            seen[t.name] = True
            heads_tree(
                name = t.name,
                path = t.path,
                urls = t.urls,
                sha256 = t.sha256,
                strip_prefix = t.strip_prefix,
                tree_id = t.tree_id,
                commit = t.commit,
                coreboot_toolchain = t.coreboot_toolchain,
                file_name = t.file_name,
                manifest = t.manifest,
                mirrors = mirrors,
                tree_name = t.name,
            )
    return mctx.extension_metadata(
        root_module_direct_deps = root_repos,
        root_module_direct_dev_deps = root_dev_repos,
    )

heads = module_extension(
    implementation = _heads_impl,
    doc = "Declares the source archives of Heads modules. See the module docstring.",
    tag_classes = {"archive": _archive, "from_file": _from_file, "mirror": _mirror, "tree": _tree},
)
