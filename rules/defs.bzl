"""Public API of rules_heads. Anything not re-exported here is private and may change.

Layers: sources (heads_source, and the `heads` module extension in
extensions.bzl) -> toolchain (heads_cc_toolchain, heads_linux_uapi_headers; heads_musl_cross_toolchain) -> modules (heads_module;
heads_make_module for a Heads tree's generated targets) ->
initrd (heads_initrd) -> kernel (heads_linux) -> coreboot (heads_coreboot,
with heads_coreboot_toolchain) ->
ROM (heads_rom) -> board (heads_board). Reference: docs/rules.md.
"""

load("//rules/private:board.bzl", _heads_board = "heads_board")
load("//rules/private:cc_toolchain.bzl", _heads_cc_toolchain = "heads_cc_toolchain")
load("//rules/private:coreboot.bzl", _heads_coreboot = "heads_coreboot", _heads_coreboot_toolchain = "heads_coreboot_toolchain")
load("//rules/private:initrd.bzl", _heads_initrd = "heads_initrd")
load("//rules/private:kernel.bzl", _heads_linux = "heads_linux")
load("//rules/private:make_module.bzl", _heads_make_module = "heads_make_module")
load("//rules/private:module.bzl", _heads_module = "heads_module")
load(
    "//rules/private:musl_cross_make.bzl",
    _heads_musl_cross_make = "heads_musl_cross_make",
    _heads_musl_cross_toolchain = "heads_musl_cross_toolchain",
)
load("//rules/private:rom.bzl", _heads_rom = "heads_rom")
load("//rules/private:source.bzl", _heads_source = "heads_source")
load("//rules/private:uapi_headers.bzl", _heads_linux_uapi_headers = "heads_linux_uapi_headers")
load(
    ":providers.bzl",
    _HeadsCorebootToolchainInfo = "HeadsCorebootToolchainInfo",
    _HeadsInitrdInfo = "HeadsInitrdInfo",
    _HeadsKernelInfo = "HeadsKernelInfo",
    _HeadsModuleInfo = "HeadsModuleInfo",
    _HeadsRomInfo = "HeadsRomInfo",
    _HeadsSourceInfo = "HeadsSourceInfo",
    _HeadsToolchainInfo = "HeadsToolchainInfo",
)

heads_source = _heads_source
heads_cc_toolchain = _heads_cc_toolchain
heads_linux_uapi_headers = _heads_linux_uapi_headers
heads_musl_cross_make = _heads_musl_cross_make
heads_musl_cross_toolchain = _heads_musl_cross_toolchain
heads_module = _heads_module
heads_make_module = _heads_make_module
heads_initrd = _heads_initrd
heads_linux = _heads_linux
heads_coreboot = _heads_coreboot
heads_coreboot_toolchain = _heads_coreboot_toolchain
heads_rom = _heads_rom
heads_board = _heads_board

HeadsSourceInfo = _HeadsSourceInfo
HeadsModuleInfo = _HeadsModuleInfo
HeadsKernelInfo = _HeadsKernelInfo
HeadsCorebootToolchainInfo = _HeadsCorebootToolchainInfo
HeadsInitrdInfo = _HeadsInitrdInfo
HeadsRomInfo = _HeadsRomInfo
HeadsToolchainInfo = _HeadsToolchainInfo
