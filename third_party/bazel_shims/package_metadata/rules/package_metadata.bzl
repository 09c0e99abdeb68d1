"""Offline shim of @package_metadata's package_metadata rule."""

load("//providers:package_metadata_info.bzl", "PackageMetadataInfo")

def _impl(ctx):
    out = ctx.actions.declare_file("{}.package-metadata.json".format(ctx.attr.name))
    ctx.actions.write(out, json.encode({"label": str(ctx.label), "purl": ctx.attr.purl}))
    return [
        DefaultInfo(files = depset([out])),
        PackageMetadataInfo(metadata = out, files = depset([out])),
    ]

_package_metadata = rule(
    implementation = _impl,
    attrs = {
        "attributes": attr.label_list(),
        "purl": attr.string(mandatory = True),
    },
)

def package_metadata(name, purl, attributes = [], visibility = None, **kwargs):  # buildifier: disable=unused-variable
    """Declares package metadata (shim: records the purl only).

    Args:
      name: target name.
      purl: package URL.
      attributes: extra metadata targets.
      visibility: visibility.
      **kwargs: ignored.
    """

    # applicable_licenses = [] avoids a self-edge when the repo's
    # REPO.bazel default_package_metadata points at this very target.
    _package_metadata(
        name = name,
        purl = purl,
        attributes = attributes,
        visibility = visibility,
        applicable_licenses = [],
    )
