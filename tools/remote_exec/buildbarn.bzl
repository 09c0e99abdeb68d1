"""@buildbarn: Buildbarn's servers (bb_storage, bb_scheduler, bb_worker, bb_runner), built from pinned sources.

bb-remote-execution, the bb-storage it requires and every module they need
are pinned by the go.mod and go.sum in //third_party/buildbarn; `go build
-mod=readonly` refuses any module whose hash is not the one go.sum records.
As for @bazel_remote (//tools/remote_cache:bazel_remote.bzl), they are built
here, in a repository rule, with the Go SDK on PATH (in the build root:
Debian's golang-go, pinned by the root's lock) rather than by rules_go.

Buildbarn's own (Bazel) build patches two dependencies, and a plain `go
build` fails without those patches. go.mod pins the two modules, with
`replace` directives, at the versions the patches apply to; this rule
downloads them (checking their go.sum hashes), copies them into the
repository, applies the patch files that ship inside the pinned
bb-remote-execution and bb-storage modules, and points the replace
directives at the copies. A patched copy is thus determined by two pinned
modules (the patched one and the one carrying the patch).

The binaries are static (CGO_ENABLED=0), built with -trimpath, without a
build id and without VCS stamping, so they do not depend on where or when
they were built.

Fetching needs the Go module proxy (GOPROXY from the environment, else Go's
default), as for @bazel_remote.
"""

load("//tools:pinned_go.bzl", "pinned_go_env")

_COMMANDS = {
    "bb_runner": "github.com/buildbarn/bb-remote-execution/cmd/bb_runner",
    "bb_scheduler": "github.com/buildbarn/bb-remote-execution/cmd/bb_scheduler",
    "bb_storage": "github.com/buildbarn/bb-storage/cmd/bb_storage",
    "bb_worker": "github.com/buildbarn/bb-remote-execution/cmd/bb_worker",
}

# Module => patches, each "module carrying the patch:path inside it", applied
# with `patch -p0` in this order (Buildbarn's MODULE.bazel order).
_PATCHES = {
    "github.com/hanwen/go-fuse/v2": [
        "github.com/buildbarn/bb-remote-execution:patches/com_github_hanwen_go_fuse_v2/direntrylist-offsets-and-testability.diff",
        "github.com/buildbarn/bb-remote-execution:patches/com_github_hanwen_go_fuse_v2/writeback-cache.diff",
        "github.com/buildbarn/bb-remote-execution:patches/com_github_hanwen_go_fuse_v2/notify-testability.diff",
    ],
    "google.golang.org/genproto/googleapis/bytestream": [
        "github.com/buildbarn/bb-storage:patches/org_golang_google_genproto_googleapis_bytestream/service-registrar.diff",
    ],
}

def _module_version(go_mod, path, what):
    """The version go.mod selects for path: its `replace path => path v`, else its require line."""
    required = None
    for line in go_mod.splitlines():
        fields = line.strip().split(" ")
        if fields and fields[0] == "replace":
            fields = fields[1:]
        if len(fields) == 4 and fields[0] == path and fields[1] == "=>" and fields[2] == path:
            return fields[3]
        if len(fields) >= 2 and fields[0] == path and fields[1].startswith("v"):
            required = fields[1]
        elif len(fields) >= 3 and fields[0] == "require" and fields[1] == path:
            required = fields[2]
    if not required:
        fail("rules_heads: %s neither requires nor replaces (with a version) %s, which %s" % (what[0], path, what[1]))
    return required

def _go_sum_hash(go_sum, path, version, go_sum_label):
    for line in go_sum.splitlines():
        fields = line.split(" ")
        if len(fields) == 3 and fields[0] == path and fields[1] == version:
            return fields[2]
    fail("rules_heads: %s has no hash for %s %s; run `go mod tidy` in %s" % (go_sum_label, path, version, go_sum_label.package))

def _json_field(text, key):
    marker = '"%s": "' % key
    i = text.find(marker)
    if i < 0:
        return None
    rest = text[i + len(marker):]
    return rest[:rest.find('"')]

def _buildbarn_repo_impl(rctx):
    go = rctx.which("go")
    if not go:
        fail("rules_heads: @buildbarn needs a Go SDK on PATH (the build root has one; run through tools/bazel)")
    patch = rctx.which("patch")
    if not patch:
        fail("rules_heads: @buildbarn needs `patch` on PATH to apply Buildbarn's patches (the build root has it; run through tools/bazel)")
    go_mod = rctx.read(rctx.attr.go_mod)
    go_sum = rctx.read(rctx.attr.go_sum)
    rctx.file("src/go.mod", go_mod)
    rctx.file("src/go.sum", go_sum)
    rctx.file("src/tools.go", rctx.read(rctx.attr.tools_go))
    work = rctx.path(".work")
    env = pinned_go_env(rctx, work, goflags = "-mod=readonly -trimpath -buildvcs=false")
    proxy = env.get("GOPROXY")
    go_mod_label = str(rctx.attr.go_mod)

    # The modules to patch and the modules carrying the patches, each at the
    # version go.mod selects, downloaded and checked against go.sum.
    wanted = {}
    for mod, patches in _PATCHES.items():
        wanted[mod] = _module_version(go_mod, mod, (go_mod_label, "Buildbarn patches"))
        for p in patches:
            src = p.split(":")[0]
            wanted[src] = _module_version(go_mod, src, (go_mod_label, "carries Buildbarn's patches"))
    dirs = {}
    rctx.report_progress("Downloading the Buildbarn modules to patch")
    for mod, version in wanted.items():
        res = rctx.execute([go, "mod", "download", "-json", "%s@%s" % (mod, version)], environment = env, working_directory = "src", timeout = 1200)
        if res.return_code != 0 and "checksum mismatch" in res.stdout + res.stderr:
            fail("rules_heads: %s@%s as downloaded does not match its hash in %s (the proxy serves other bits, or go.sum was edited):\n%s%s" % (
                mod,
                version,
                rctx.attr.go_sum,
                res.stdout,
                res.stderr,
            ))
        if res.return_code != 0:
            fail("rules_heads: `go mod download %s@%s` failed (is the Go module proxy reachable? GOPROXY=%s):\n%s%s" % (
                mod,
                version,
                proxy or "Go's default",
                res.stdout,
                res.stderr,
            ))
        got = _json_field(res.stdout, "Sum")
        want = _go_sum_hash(go_sum, mod, version, rctx.attr.go_sum)
        if got != want:
            fail("rules_heads: %s@%s has hash %s, but %s pins %s" % (mod, version, got, rctx.attr.go_sum, want))
        dirs[mod] = _json_field(res.stdout, "Dir")
        if not dirs[mod]:
            fail("rules_heads: `go mod download -json %s@%s` named no directory:\n%s" % (mod, version, res.stdout))

    # Writable copies, patched; go.mod's replace directives then name them.
    for mod, patches in _PATCHES.items():
        copy = "patched/" + mod.replace("/", "_")
        rctx.execute(["mkdir", "-p", "patched"])
        res = rctx.execute(["cp", "-R", dirs[mod], str(rctx.path(copy))])
        if res.return_code != 0:
            fail("rules_heads: copying %s failed: %s" % (dirs[mod], res.stderr))
        rctx.execute(["chmod", "-R", "u+w", copy])
        for p in patches:
            src, path = p.split(":")
            diff = "%s/%s" % (dirs[src], path)
            res = rctx.execute(
                [patch, "-p0", "--batch", "--forward", "--fuzz=0", "--no-backup-if-mismatch", "-i", diff],
                working_directory = str(rctx.path(copy)),
            )
            if res.return_code != 0:
                fail("rules_heads: Buildbarn's patch %s (from %s@%s) does not apply to %s@%s:\n%s%s" % (
                    path,
                    src,
                    wanted[src],
                    mod,
                    wanted[mod],
                    res.stdout,
                    res.stderr,
                ))
        res = rctx.execute([go, "mod", "edit", "-replace", "%s=../%s" % (mod, copy)], environment = env, working_directory = "src")
        if res.return_code != 0:
            fail("rules_heads: go mod edit -replace %s failed:\n%s" % (mod, res.stderr))

    rctx.report_progress("Building bb_storage, bb_scheduler, bb_worker, bb_runner with %s (~10 minutes cold)" % go)
    res = rctx.execute(
        [go, "build", "-ldflags=-buildid=", "-o", "../bin/"] + [_COMMANDS[c] for c in sorted(_COMMANDS)],
        environment = env,
        working_directory = "src",
        timeout = 3600,
    )
    if res.return_code != 0:
        fail("rules_heads: building Buildbarn failed (is the Go module proxy reachable? GOPROXY=%s):\n%s%s" % (
            proxy or "Go's default",
            res.stdout,
            res.stderr,
        ))
    for c in _COMMANDS:
        if not rctx.path("bin/" + c).exists:
            fail("rules_heads: go build succeeded but bin/%s is missing" % c)

    # The module cache is read-only; `go clean -modcache` can remove it.
    rctx.execute([go, "clean", "-modcache"], environment = env, working_directory = "src")
    rctx.delete(work)
    rctx.file("BUILD.bazel", """# Generated by //tools/remote_exec:buildbarn.bzl.
exports_files({bins}, visibility = ["//visibility:public"])

filegroup(
    name = "bin",
    srcs = {bins},
    visibility = ["//visibility:public"],
)
""".format(bins = repr(["bin/" + c for c in sorted(_COMMANDS)])) + "".join([
        """
alias(
    name = "{c}",
    actual = "bin/{c}",
    visibility = ["//visibility:public"],
)
""".format(c = c)
        for c in sorted(_COMMANDS)
    ]))

buildbarn_repository = repository_rule(
    implementation = _buildbarn_repo_impl,
    doc = "Builds Buildbarn's bb_storage, bb_scheduler, bb_worker and bb_runner from the modules pinned by `go_mod` and `go_sum`.",
    attrs = {
        "go_mod": attr.label(mandatory = True, allow_single_file = True),
        "go_sum": attr.label(mandatory = True, allow_single_file = True),
        "tools_go": attr.label(mandatory = True, allow_single_file = True),
    },
    environ = ["GOPROXY"],
)

def _buildbarn_ext_impl(_mctx):
    buildbarn_repository(
        name = "buildbarn",
        go_mod = "//third_party/buildbarn:go.mod",
        go_sum = "//third_party/buildbarn:go.sum",
        tools_go = "//third_party/buildbarn:tools.go",
    )

buildbarn = module_extension(
    implementation = _buildbarn_ext_impl,
    doc = "The @buildbarn repository (the remote execution servers of //tools/remote_exec).",
)
