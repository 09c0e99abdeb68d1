"""The Go environment of repository rules that build servers from go.sum pins.

@bazel_remote (tools/remote_cache) and @buildbarn (tools/remote_exec) build
Go programs in a repository rule with the Go SDK on PATH (in the build
root: Debian's golang-go, pinned by the root's lock), from modules a go.sum
pins. This is their shared environment.
"""

def pinned_go_env(rctx, work, goflags = "-mod=readonly -trimpath"):
    """Environment for `go` builds from pinned modules only.

    Args:
      rctx: the repository context.
      work: a scratch directory of the repository (caches, HOME).
      goflags: GOFLAGS; -mod=readonly makes a module go.sum lacks an error.

    Returns:
      A dict for rctx.execute's environment: static binaries (CGO off), the
      checksum database never consulted (go.sum pins every module), no
      toolchain download, GOPROXY from the environment when set.
    """
    env = {
        "CGO_ENABLED": "0",
        "GOCACHE": "%s/cache" % work,
        "GOFLAGS": goflags,
        "GOMODCACHE": "%s/mod" % work,
        "GOPATH": "%s/gopath" % work,
        # go.sum pins every module; a module missing from it is an error
        # under -mod=readonly, so the checksum database is never consulted.
        "GONOSUMDB": "*",
        "GOSUMDB": "off",
        "GOTOOLCHAIN": "local",
        "HOME": "%s/home" % work,
    }
    proxy = rctx.getenv("GOPROXY")
    if proxy:
        env["GOPROXY"] = proxy
    return env
