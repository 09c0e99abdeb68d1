"""Analysis-time tests of the rules: every fail() message and the key parts of each action.

They run in seconds (no action executes), so rule logic is not tested only
by the nested-Bazel e2e test.
"""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts", "unittest")
load("//rules/private:archive_repo.bzl", "archive_error")  # buildifier: disable=bzl-visibility
load("//rules/private:buildenv.bzl", "parse_dpkg_status")  # buildifier: disable=bzl-visibility

# --- failures ----------------------------------------------------------------

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.message)
    return analysistest.end(env)

failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"message": attr.string(mandatory = True)},
)

# --- actions -----------------------------------------------------------------

def _actions(env, mnemonic):
    return [a for a in analysistest.target_actions(env) if a.mnemonic == mnemonic]

def _one_action(env, mnemonic):
    found = _actions(env, mnemonic)
    asserts.equals(env, 1, len(found), "%s actions" % mnemonic)
    return found[0] if found else None

def _script_of(env, action):
    """The content of the script an action runs (written by a FileWrite action)."""
    script = action.argv[-1]
    for a in analysistest.target_actions(env):
        if a.mnemonic == "FileWrite" and a.outputs.to_list()[0].path == script:
            return a.content
    asserts.true(env, False, "no script written for %s" % action.mnemonic)
    return ""

def _body_of(env, action):
    """The rule's own commands: the script after its comment header."""
    return _script_of(env, action).split('. "$RULES_HEADS_HELPERS"', 1)[-1]

def _input_names(action):
    return [f.basename for f in action.inputs.to_list()]

def _coreboot_actions_test_impl(ctx):
    env = analysistest.begin(ctx)
    compile = _one_action(env, "HeadsCoreboot")
    payload = _one_action(env, "HeadsCorebootPayload")
    if compile and payload:
        # The edit loop: the compile does not see the kernel or the initrd,
        # so changing them reruns only the payload step.
        for f in compile.inputs.to_list():
            asserts.false(env, f.short_path.endswith("fixture_kernel/bzImage"), "kernel is an input of the coreboot compile")
            asserts.false(env, f.basename == "initrd.cpio.xz", "initrd is an input of the coreboot compile")
        names = _input_names(payload)
        for want in ["bzImage", "initrd.cpio.xz", "cbfstool", "payload.txt", "coreboot-no-payload.rom"]:
            asserts.true(env, want in names, "payload step lacks input %s: %s" % (want, names))
        asserts.equals(env, "/bin/bash", compile.argv[0])
        asserts.true(env, "CONFIG_PAYLOAD_NONE=y" in _script_of(env, compile))
        asserts.true(env, "add-payload" in _script_of(env, payload))
    return analysistest.end(env)

coreboot_actions_test = analysistest.make(_coreboot_actions_test_impl)

def _tree_coreboot_test_impl(ctx):
    env = analysistest.begin(ctx)
    compile = _one_action(env, "HeadsCoreboot")
    if compile:
        # A generated board's coreboot: the release's blobs tree goes into
        # 3rdparty/ (strip from its _tar_opt), the config is a Heads
        # template with the blobs it names laid out as the tree.
        extra = compile.env.get("RH_EXTRA_SOURCES", "")
        asserts.true(env, extra.endswith("crossprobe-1.0.tar\t1\t3rdparty"), "RH_EXTRA_SOURCES: %r" % extra)
        asserts.true(env, "crossprobe-1.0.tar" in _input_names(compile), "the blobs archive is not an input")
        asserts.equals(env, "1", compile.env.get("RH_HEADS_CONFIG"))
        asserts.true(env, "\tblobs/fixture/ifd.bin" in compile.env.get("RH_TREE_FILES", ""), "RH_TREE_FILES: %r" % compile.env.get("RH_TREE_FILES"))
    return analysistest.end(env)

tree_coreboot_test = analysistest.make(_tree_coreboot_test_impl)

def _initrd_action_test_impl(ctx):
    env = analysistest.begin(ctx)
    a = _one_action(env, "HeadsInitrd")
    if a:
        asserts.equals(env, "/usr/bin/xz", a.env.get("RH_XZ"), "initrd xz")
        script = _script_of(env, a)
        asserts.true(env, '--xz "$RH_XZ"' in script, "mkinitrd is not given the pinned xz")
        asserts.true(env, "etc-config" in script, "/etc/config is not written by mkinitrd etc-config")
        asserts.true(env, "banner.txt" in _input_names(a), "a dev list's file is not an input")
        asserts.true(env, "etc/quoting test $HOME" in a.env["RH_BOARD_FILES"], "board file names: %s" % a.env["RH_BOARD_FILES"])

        # Names reach the script through the environment only.
        asserts.false(env, "quoting test" in _body_of(env, a), "a file name was pasted into the script")
    return analysistest.end(env)

initrd_action_test = analysistest.make(_initrd_action_test_impl)

def _rom_action_test_impl(ctx):
    env = analysistest.begin(ctx)
    a = _one_action(env, "HeadsRom")
    if a:
        script = _script_of(env, a)
        asserts.false(env, "python3" in script, "the release zip is written by python3")
        asserts.true(env, "rs zip --out" in script, "the release zip is not written by romstitch zip")
        asserts.equals(env, "768K,256K", a.env.get("RH_SPLIT"))
    return analysistest.end(env)

rom_action_test = analysistest.make(_rom_action_test_impl)

def _module_action_test_impl(ctx):
    env = analysistest.begin(ctx)
    a = _one_action(env, "HeadsModule")
    if a:
        asserts.equals(env, ctx.attr.configure, a.env.get("RH_CONFIGURE"))
        asserts.false(env, ctx.attr.configure in _body_of(env, a), "the configure command was pasted into the script")
        asserts.equals(env, "-j3", "-j" + a.env.get("RH_JOBS", ""))
        for k, v in {"LC_ALL": "C", "TZ": "UTC", "SOURCE_DATE_EPOCH": "0", "HOME": "/nonexistent"}.items():
            asserts.equals(env, v, a.env.get(k), k)
        asserts.true(env, "buildenv.txt" in _input_names(a), "the build environment (@rules_heads_buildenv) is not an input")
        asserts.false(env, "romstitch" in _input_names(a), "romstitch is an input of a module build")
    return analysistest.end(env)

module_action_test = analysistest.make(
    _module_action_test_impl,
    attrs = {"configure": attr.string()},
)

def _module_libraries_test_impl(ctx):
    env = analysistest.begin(ctx)
    a = _one_action(env, "HeadsMakeModule")
    if a:
        asserts.equals(env, "\n".join(ctx.attr.libraries), a.env.get("RH_LIBRARIES"))
    return analysistest.end(env)

# The `_libraries` a module action installs (a substitute's override).
module_libraries_test = analysistest.make(
    _module_libraries_test_impl,
    attrs = {"libraries": attr.string_list()},
)

# --- archive tags (the module extension's check) -----------------------------

def _archive_error_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, None, archive_error("a", ["https://x/a.tar"], "", []))
    asserts.equals(env, None, archive_error("a", [], "a.tar", ["third_party/distdir"]))

    # Mirrors but neither urls nor file_name: before, the repository rule
    # failed with an index error.
    err = archive_error("a", [], "", ["third_party/distdir"])
    asserts.true(env, err and "give urls, or a file_name" in err, str(err))
    err = archive_error("a", [], "a.tar", [])
    asserts.true(env, err and "no URL and no mirror directory" in err, str(err))
    return unittest.end(env)

archive_error_test = unittest.make(_archive_error_test_impl)

# --- build environment (@rules_heads_buildenv) ---------------------------------

_DPKG_STATUS = """Package: gcc-12
Status: install ok installed
Architecture: amd64
Version: 12.5.0-11
Description: GNU C compiler
 A continuation line: Version: 99

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.3-1
"""

def _buildenv_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, ["bash:amd64=5.3-1", "gcc-12:amd64=12.5.0-11"], parse_dpkg_status(_DPKG_STATUS))

    # Another gcc is another environment; the order of stanzas is not.
    other = parse_dpkg_status(_DPKG_STATUS.replace("12.5.0-11", "12.5.0-12"))
    asserts.false(env, other == parse_dpkg_status(_DPKG_STATUS), "a different gcc gave the same environment")
    stanzas = _DPKG_STATUS.split("\n\n")
    asserts.equals(env, parse_dpkg_status(_DPKG_STATUS), parse_dpkg_status("\n\n".join(reversed(stanzas))))
    asserts.equals(env, [], parse_dpkg_status(""))
    return unittest.end(env)

buildenv_test = unittest.make(_buildenv_test_impl)

# --- toolchain actions: no Go tool in their key ---------------------------------

def _toolchain_action_test_impl(ctx):
    env = analysistest.begin(ctx)
    a = _one_action(env, ctx.attr.mnemonic)
    if a:
        names = _input_names(a)
        for f in a.inputs.to_list():
            asserts.false(env, f.short_path.startswith("tools/"), "%s has the Go tool %s among its inputs" % (ctx.attr.mnemonic, f.short_path))
        asserts.true(env, "buildenv.txt" in names, "the build environment is not an input")
        asserts.false(env, "TARNORM" in a.env or "ROMSTITCH" in a.env, "a Go tool is in the environment")
        body = _body_of(env, a)
        asserts.false(env, "$TARNORM" in body or "rh_pack " in body or "rh_extract " in body, "the body calls tarnorm")
    return analysistest.end(env)

toolchain_action_test = analysistest.make(
    _toolchain_action_test_impl,
    attrs = {"mnemonic": attr.string()},
)
