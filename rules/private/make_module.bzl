"""heads_make_module: one module of a Heads tree, built by Heads' own make text."""

load("//rules:providers.bzl", "HeadsModuleInfo", "HeadsSourceInfo")
load(":cc_toolchain.bzl", "toolchain_env", "toolchain_inputs")
load(":common.bzl", "TOOL_ATTRS", "check_list_entries", "run_heads_action")
load(":module.bzl", "module_providers")

TOOLCHAIN_TYPE = Label("//rules:toolchain_type")

# The tools $(CROSS) names, as Heads' Makefile uses them.
_CROSS_TOOLS = {
    "AR": "ar",
    "CC": "gcc",
    "LD": "ld",
    "NM": "nm",
    "OBJCOPY": "objcopy",
    "OBJDUMP": "objdump",
    "RANLIB": "ranlib",
    "STRIP": "strip",
}

# A Heads checkout's layout under $HEADS_PWD, then Heads' define_module
# steps: sources into build/<arch>/<base_dir>, config copied, _configure in
# build/<arch>/<dir>, make -C build/<arch>/<dir> <_target>. The module's
# install tree is what that added to or changed in install/<arch>.
_BODY = """
rh_toolchain_setup
LOG="$WORK/build.log"
: > "$LOG"
HEADS_PWD="$WORK/heads"
HEADS_JOBS="$RH_JOBS"
export HEADS_PWD HEADS_JOBS
B="$HEADS_PWD/build/$RH_ARCH"
I="$HEADS_PWD/install/$RH_ARCH"
X="$HEADS_PWD/crossgcc/$RH_ARCH/bin"
mkdir -p "$I" "$X" "$WORK/install" "$WORK/initrd/bin" "$WORK/initrd/lib"
while IFS= read -r t; do
  rh_untar "$t" "$I"
done < <(rh_each RH_DEP_TARS)
# $(CROSS)gcc and friends: the toolchain's tools under Heads' names. gcc
# maps the work directory away in everything it writes (__FILE__ in
# assert() too, not only the debug info Heads' -fdebug-prefix-map covers),
# so no install tree names the sandbox.
while IFS=$'\\t' read -r name tool; do
  p=$(command -v "$tool") || rh_fail "module $RH_MODULE: toolchain tool '$tool' ($name) is not on PATH"
  if [ "$name" = gcc ]; then
    printf '#!/bin/bash\nexec %q -ffile-prefix-map=%q=heads -ffile-prefix-map=%q=. "$@"\n' "$p" "$HEADS_PWD" "$EXECROOT" > "$X/$RH_MUSL_ARCH-linux-musl-$name"
    chmod 0755 "$X/$RH_MUSL_ARCH-linux-musl-$name"
  else
    ln -s "$p" "$X/$RH_MUSL_ARCH-linux-musl-$name"
  fi
done < <(rh_each RH_CROSS_TOOLS)
mkdir -p "$(dirname "$B/$RH_BASE_DIR")"
rh_extract "$RH_SRC" "$RH_STRIP" "$B/$RH_BASE_DIR"
mkdir -p "$B/$RH_DIR"
while IFS=$'\\t' read -r src rel; do
  install -D -m 0644 "$EXECROOT/$src" "$HEADS_PWD/$rel"
done < <(rh_each RH_TREE_FILES)
if [ -n "$RH_CONFIG" ]; then
  cp "$EXECROOT/$RH_CONFIG" "$B/$RH_DIR/$RH_CONFIG_FILE"
fi
snapshot() { # FILE: "<digest><TAB><path>" of every file and symlink of install/<arch>
  (cd "$I" && find . \\( -type f -o -type l \\) -print0 | while IFS= read -r -d '' f; do
    if [ -L "$f" ]; then d="link:$(readlink "$f")"; else d=$(sha256sum < "$f"); d=${d%% *}; fi
    printf '%s\\t%s\\n' "$d" "$f"
  done | sort) > "$1"
}
snapshot "$WORK/before"
cd "$B/$RH_DIR"
rh_run_logged "$RH_MODULE: configure" "$LOG" bash -euo pipefail -c "$RH_CONFIGURE"
rh_run_logged "$RH_MODULE: make" "$LOG" bash -euo pipefail -c "make -C \\"$B/$RH_DIR\\" $RH_TARGET"
snapshot "$WORK/after"
# New or changed files of install/<arch>: the module's own install tree.
comm -13 "$WORK/before" "$WORK/after" | cut -f2- | while IFS= read -r f; do
  mkdir -p "$WORK/install/$(dirname "$f")"
  cp -a "$I/$f" "$WORK/install/$f"
done
DESTDIR="$WORK/install" SYSROOT="$I"
rh_scrub_install "module $RH_MODULE" "$WORK/install"
copy_out() { # FILE DIR: an output, stripped, into the initrd's DIR/
  local f=${1//'${HEADS_PWD}'/$HEADS_PWD}
  case "$f" in /*) ;; *) f="$B/$RH_DIR/$f" ;; esac
  local dest="$WORK/initrd/$2/${f##*/}"
  [ -f "$f" ] || rh_fail "module $RH_MODULE: declared output '$1' was not built (Heads' _output/_libraries are relative to build/$RH_ARCH/$RH_DIR)"
  cp -L "$f" "$dest"
  chmod u+w "$dest"
  rh_run_logged "$RH_MODULE: strip" "$LOG" "$X/$RH_MUSL_ARCH-linux-musl-strip" --strip-unneeded "$dest"
}
while IFS= read -r o; do copy_out "$o" bin; done < <(rh_each RH_OUTPUTS)
while IFS= read -r o; do copy_out "$o" lib; done < <(rh_each RH_LIBRARIES)
# Heads' _data entries `src|dst`: src (a file or directory, relative to the
# build directory unless absolute) copied to dst in the initrd (data.cpio).
while IFS='|' read -r src dst; do
  f=${src//'${HEADS_PWD}'/$HEADS_PWD}
  case "$f" in /*) ;; *) f="$B/$RH_DIR/$f" ;; esac
  [ -e "$f" ] || rh_fail "module $RH_MODULE: _data source '$src' was not built"
  case "$dst" in /*|*..*|'') rh_fail "module $RH_MODULE: _data destination '$dst' must be a relative path inside the initrd" ;; esac
  mkdir -p "$(dirname "$WORK/initrd/$dst")"
  cp -R "$f" "$WORK/initrd/$dst"
done < <(rh_each RH_DATA)
if [ -n "$RH_INITRD_INSTALL" ]; then
  # The module's own initrd install step (busybox: its applet links).
  INITRD="$WORK/initrd"
  export INITRD
  (cd "$B/$RH_DIR" && rh_run_logged "$RH_MODULE: initrd install" "$LOG" bash -euo pipefail -c "$RH_INITRD_INSTALL")
fi
cd "$EXECROOT"
rh_pack "$WORK/install" "$RH_OUT_SYSROOT"
rh_pack "$WORK/initrd" "$RH_OUT_INITRD"
rh_save_log "$LOG" "$RH_OUT_LOG"
"""

def _heads_make_module_impl(ctx):
    module = ctx.attr.module or ctx.label.name
    tc = ctx.toolchains[TOOLCHAIN_TYPE].heads
    source_info = ctx.attr.source[HeadsSourceInfo]
    dep_infos = [d[HeadsModuleInfo] for d in ctx.attr.deps]
    dep_tars = depset(transitive = [tc.sysroot_tars] + [d.transitive_sysroot_tars for d in dep_infos], order = "postorder")
    for what, v in [("dir", ctx.attr.dir), ("base_dir", ctx.attr.base_dir or ctx.attr.dir)]:
        if not v or v.startswith("/") or ".." in v.split("/"):
            fail("%s: %s %r must be a relative path inside build/<arch>" % (ctx.label, what, v))
    tree_files = []
    for target, rel in ctx.attr.tree_files.items():
        files = target.files.to_list()
        if len(files) != 1:
            fail("%s: tree_files key %s must be one file" % (ctx.label, target.label))
        if rel.startswith("/") or ".." in rel.split("/"):
            fail("%s: tree_files path %r must be relative to the Heads tree" % (ctx.label, rel))
        tree_files.append((files[0], rel))
    libraries = ctx.attr.libraries
    if getattr(source_info, "libraries", None) != None:
        # The substitution list's entry for this module's source, written
        # as in Heads' module file ($(INSTALL) is install/<arch>).
        libraries = [x.replace("$(INSTALL)", "${HEADS_PWD}/install/" + ctx.attr.arch) for x in source_info.libraries]
    check_list_entries(ctx.label, "output", ctx.attr.outputs + libraries + ctx.attr.data)
    for d in ctx.attr.data:
        if d.count("|") != 1:
            fail("%s: data entry %r must be `src|dst` (Heads' _data)" % (ctx.label, d))

    sysroot_tar = ctx.actions.declare_file(ctx.label.name + ".sysroot.tar")
    initrd_tar = ctx.actions.declare_file(ctx.label.name + ".initrd.tar")
    log = ctx.actions.declare_file(ctx.label.name + ".log")
    env = dict(tc.env)
    env.update({
        # The build root's cmake is 4.x, which refuses projects that ask for
        # cmake < 3.5 (json-c 0.14 asks for 2.8) unless told this; 3.5's
        # policies are what those projects were written against.
        "CMAKE_POLICY_VERSION_MINIMUM": "3.5",
        "RH_ARCH": ctx.attr.arch,
        "RH_BASE_DIR": ctx.attr.base_dir or ctx.attr.dir,
        "RH_CONFIG": ctx.file.config.path if ctx.file.config else "",
        "RH_CONFIG_FILE": ctx.attr.config_file or ".config",
        "RH_CONFIGURE": ctx.attr.configure or "true",
        "RH_CROSS_TOOLS": "\n".join(["%s\t%s" % (name, tc.env[var]) for var, name in sorted(_CROSS_TOOLS.items()) if tc.env.get(var)]),
        "RH_DATA": "\n".join(ctx.attr.data),
        "RH_DEP_TARS": "\n".join([t.path for t in dep_tars.to_list()]),
        "RH_DIR": ctx.attr.dir,
        "RH_INITRD_INSTALL": ctx.attr.initrd_install,
        "RH_JOBS": str(ctx.attr.jobs),
        "RH_LIBRARIES": "\n".join(libraries),
        "RH_MODULE": module,
        "RH_MUSL_ARCH": tc.musl_arch,
        "RH_OUTPUTS": "\n".join(ctx.attr.outputs),
        "RH_OUT_INITRD": initrd_tar.path,
        "RH_OUT_LOG": log.path,
        "RH_OUT_SYSROOT": sysroot_tar.path,
        "RH_SRC": source_info.tar.path,
        "RH_STRIP": str(source_info.strip_components),
        "RH_TARGET": ctx.attr.target,
        "RH_TREE_FILES": "\n".join(["%s\t%s" % (f.path, rel) for f, rel in tree_files]),
    })
    env.update(toolchain_env(tc))
    script = run_heads_action(
        ctx,
        body = _BODY,
        inputs = depset(
            [source_info.tar] + ctx.files.config + [f for f, _ in tree_files] + toolchain_inputs(tc),
            transitive = [dep_tars, tc.files],
        ),
        outputs = [sysroot_tar, initrd_tar, log],
        env = env,
        jobs = ctx.attr.jobs,
        mnemonic = "HeadsMakeModule",
        progress_message = "Building Heads module %s (Heads' make text)" % module,
    )
    return module_providers(module, sysroot_tar, initrd_tar, log, script, dep_tars)

heads_make_module = rule(
    implementation = _heads_make_module_impl,
    doc = """Builds one module of a Heads tree from the make text of its modules/ file.

The Gazelle extension (`headsgen`) writes these targets from Heads'
Makefile: `configure` and `target` are the module's `_configure` and
`_target` as make expanded them with $(pwd) = ${HEADS_PWD} and $(CPUS) =
${HEADS_JOBS}, so they run unchanged. The action lays out a Heads
checkout under $HEADS_PWD: install/<arch>/ holds the dependencies'
install trees (a private copy, never shared), crossgcc/<arch>/bin/ the
toolchain's tools under $(CROSS)'s names, build/<arch>/<base_dir>/ the
patched source, `tree_files` (e.g. a config that _configure copies) at
their tree paths. Then, as Heads' define_module does: the `config` file is
copied to build/<arch>/<dir>/<config_file>, `configure` runs in
build/<arch>/<dir>, and `make -C build/<arch>/<dir> <target>`. Heads'
own -fdebug-prefix-map=$(pwd)=heads keeps the work directory out of the
binaries.

The module's install tree is what the build added to or changed in
install/<arch> (Heads installs into that shared sysroot); it is scrubbed
like heads_module's. `outputs` and `libraries` (Heads' `_output`,
`_libraries`) are relative to build/<arch>/<dir> unless absolute, and go
stripped into the initrd share; `_data` entries go there at their
destination. Heads puts a module's `_output` into the initrd only when the
board lists it in bin_modules-y; the generator sets `outputs` only then.""",
    attrs = dict(TOOL_ATTRS, **{
        "arch": attr.string(default = "x86", doc = "Heads' $(CONFIG_TARGET_ARCH): the directory under build/, install/ and crossgcc/."),
        "base_dir": attr.string(doc = "Where the source is unpacked, under build/<arch> (Heads `_base_dir`; default: dir)."),
        "config": attr.label(allow_single_file = True, doc = "Heads `_config`: copied to build/<arch>/<dir>/<config_file> before configure."),
        "config_file": attr.string(doc = "Heads `_config_file` (default .config)."),
        "configure": attr.string(doc = "Heads `_configure`: shell text run in build/<arch>/<dir>."),
        "data": attr.string_list(doc = "Heads `_data`: `src|dst` entries; src (relative to build/<arch>/<dir> unless absolute) is copied to dst in the initrd share."),
        "deps": attr.label_list(providers = [HeadsModuleInfo], doc = "Heads `_depends`: their install trees are install/<arch>."),
        "initrd_install": attr.string(doc = "Shell text run in build/<arch>/<dir> after the build with $INITRD set to the initrd share: a module's own install rule into the initrd (modules/busybox: `make install CONFIG_PREFIX=...`)."),
        "dir": attr.string(mandatory = True, doc = "Heads `_dir`: the build directory under build/<arch>."),
        "jobs": attr.int(default = 2, doc = "${HEADS_JOBS}, Heads' make -j. Does not change outputs."),
        "libraries": attr.string_list(doc = "Heads `_libraries`."),
        "module": attr.string(doc = "Heads module name (default: target name)."),
        "outputs": attr.string_list(doc = "Heads `_output`."),
        "source": attr.label(mandatory = True, providers = [HeadsSourceInfo], doc = "The module's patched source (heads_source)."),
        "target": attr.string(doc = "Heads `_target`: arguments of make -C build/<arch>/<dir>."),
        "tree_files": attr.label_keyed_string_dict(allow_files = True, doc = "Files of the Heads tree the make text names, mapped to their path in the tree."),
    }),
    toolchains = [TOOLCHAIN_TYPE],
    provides = [HeadsModuleInfo],
)
