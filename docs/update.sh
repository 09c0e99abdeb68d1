#!/bin/bash
# Copies the generated rule reference into the source tree (bazel run //docs:update).
set -euo pipefail
cp "$1" "$BUILD_WORKSPACE_DIRECTORY/docs/rules.md"
cp "$2" "$BUILD_WORKSPACE_DIRECTORY/docs/extensions.md"
chmod 0644 "$BUILD_WORKSPACE_DIRECTORY/docs/rules.md" "$BUILD_WORKSPACE_DIRECTORY/docs/extensions.md"
echo "updated docs/rules.md and docs/extensions.md"
