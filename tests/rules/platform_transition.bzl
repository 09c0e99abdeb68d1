"""with_platform: builds its srcs for another target platform (for tests)."""

def _platform_transition_impl(_settings, attr):
    return {"//command_line_option:platforms": str(attr.platform)}

_platform_transition = transition(
    implementation = _platform_transition_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)

def _with_platform_impl(ctx):
    # Links under <name>/: runfiles paths leave out the configuration, so the
    # same target built for two platforms would otherwise collide there.
    links = []
    for s in ctx.attr.srcs:
        for f in s[DefaultInfo].files.to_list():
            link = ctx.actions.declare_file(ctx.label.name + "/" + f.basename)
            ctx.actions.symlink(output = link, target_file = f)
            links.append(link)
    return [DefaultInfo(files = depset(links))]

with_platform = rule(
    implementation = _with_platform_impl,
    doc = "The files of `srcs`, built with `--platforms=<platform>`, linked under `<name>/`.",
    attrs = {
        "platform": attr.label(mandatory = True, doc = "Target platform for srcs."),
        "srcs": attr.label_list(cfg = _platform_transition, doc = "Targets to build for `platform`."),
    },
)
