#!/bin/bash
# Stardoc's markdown renderer, run from Debian's prebuilt jar with the build
# root's JDK: stardoc's own java_binary renderer would need rules_java's
# remote java_tools, which no offline machine has.
set -euo pipefail
jar=$(find -L "${RUNFILES_DIR:-$0.runfiles}" -name renderer_prebuilt.jar -print -quit)
[ -n "$jar" ] || { echo "renderer_prebuilt.jar not found in runfiles" >&2; exit 1; }
exec java -jar "$jar" "$@"
