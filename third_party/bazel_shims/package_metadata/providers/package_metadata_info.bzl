"""Offline shim of @package_metadata's PackageMetadataInfo."""

PackageMetadataInfo = provider(
    doc = "Offline shim of @package_metadata PackageMetadataInfo.",
    fields = {
        "files": "depset of Files.",
        "metadata": "File: JSON metadata file.",
    },
)
