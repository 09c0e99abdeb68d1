"""heads_board: one board description to its targets."""

load(":coreboot.bzl", "heads_coreboot")
load(":initrd.bzl", "heads_initrd")
load(":kernel.bzl", "heads_linux")
load(":missing.bzl", "heads_sources_check")
load(":rom.bzl", "heads_rom")

def heads_board(
        name,
        linux_source,
        linux_config,
        coreboot_source,
        coreboot_config,
        coreboot_extra_sources = {},
        board_config = None,
        modules = [],
        linux_config_mode = "full",
        linux_arch = "x86",
        dev_list = [],
        dev_list_srcs = [],
        heads_srcs = [],
        heads_strip_prefix = "",
        board_srcs = [],
        board_strip_prefix = "",
        coreboot_make_env = {},
        coreboot_toolchain = None,
        rom_size = "",
        split = [],
        ifd = None,
        me = None,
        gbe = None,
        heads_compat = False,
        etc_config = "",
        dev_cpios = [],
        initrd_links = {},
        linux_data = [],
        linux_modules = [],
        blobs = [],
        brand = "Heads",
        heads_config = False,
        sources = [],
        missing_blobs = [],
        tree_warning = "",
        visibility = None,
        tags = []):
    """Declares a board's targets, named after the board as Heads names its outputs.

    - `<name>_initrd`: heads_initrd (initrd.cpio.xz; output groups
      `listing`, `scripts`);
    - `<name>_kernel`: heads_linux (bzImage);
    - `<name>_coreboot`: heads_coreboot (coreboot compiled once, plus the
      payload step);
    - `<name>_release`: heads_rom, every release file: `<name>.rom`,
      `<name>-bottom.rom`/`-top.rom` when split, hashes.txt, sizes.txt,
      `<name>.zip`;
    - `<name>_rom`: the full ROM only (what `bazel build //boards:<b>_rom`
      and a `_run` target want);
    - `<name>_hashes`: hashes.txt and sizes.txt;
    - `<name>_sources` (when `sources` or `missing_blobs` are given): a
      heads_sources_check every target above depends on, so a board with
      missing sources fails before anything is built, listing all of them.

    One call corresponds to one Heads boards/<b>/<b>.config (the Gazelle
    extension generates it): CONFIG_LINUX_CONFIG -> linux_config,
    CONFIG_COREBOOT_CONFIG -> coreboot_config, the enabled `modules-y` ->
    modules, `export CONFIG_*` -> the initrd's /etc/config (read from
    board_config), BOARD_TARGETS split_8mb4mb -> split = ["8M", "4M"].

    Args:
      name: board name.
      board_config: the board's .config file (its `export CONFIG_*` lines become /etc/config unless etc_config is given).
      linux_source: heads_source of the kernel.
      linux_config: kernel config (full, or a fragment with linux_config_mode = "fragment").
      coreboot_source: heads_source of coreboot.
      coreboot_config: coreboot config.
      coreboot_extra_sources: more source trees of coreboot (heads_source -> directory in the tree, e.g. a release's blobs into 3rdparty).
      modules: heads_module targets for the initrd.
      linux_config_mode: "full" or "fragment".
      linux_arch: kbuild ARCH (x86, x86_64, powerpc).
      dev_list: gen_init_cpio lists (dev nodes).
      dev_list_srcs: files that `file` entries of dev_list name.
      heads_srcs: Heads' initrd/ files.
      heads_strip_prefix: prefix removed from heads_srcs paths.
      board_srcs: boards/<b>/initrd/ files.
      board_strip_prefix: prefix removed from board_srcs paths.
      coreboot_make_env: environment for coreboot's make (toolchain choice).
      coreboot_toolchain: coreboot's crossgcc (heads_coreboot_toolchain), shared by coreboot versions with the same util/crossgcc/sum.
      rom_size: pad the ROM to this size.
      split: bottom/top sizes.
      ifd: flash descriptor blob.
      me: ME blob.
      gbe: GbE blob.
      heads_compat: cpio-clean compatible initrd bytes.
      etc_config: exact contents of the initrd's /etc/config (generated boards).
      dev_cpios: prebuilt newc archives merged first into the initrd (Heads' blobs/dev.cpio).
      initrd_links: symlinks of the initrd trees, path -> target.
      linux_data: Heads' linux_data entries (`src|dst`) for the initrd.
      linux_modules: Heads' linux_modules-y (.ko paths of the kernel build), stripped into the initrd's lib/modules.
      blobs: files of the Heads tree (blobs/...) that the kernel and coreboot configs name.
      brand: Heads' BRAND_NAME for the config placeholders.
      heads_config: linux_config and coreboot_config are Heads templates: their placeholders are replaced as Heads' prepare_module_config.sh does, with `blobs` at their tree paths.
      sources: every source archive of the board, for the `_sources` check.
      missing_blobs: files of the Heads tree the board needs that are not there (`path: why`), listed by the check.
      tree_warning: printed by the check whenever it is analyzed (the Heads tree is not verified as the pinned one).
      visibility: visibility of the targets.
      tags: tags of the targets.
    """
    check = None
    if sources or missing_blobs or tree_warning:
        check = ":" + name + "_sources"
        heads_sources_check(
            name = name + "_sources",
            sources = sources,
            missing = missing_blobs,
            warning = tree_warning,
            visibility = visibility,
            tags = tags,
        )

    # The kernel's shares of the initrd: Heads' modules.cpio (lib/modules)
    # and linux_data.
    kernel_data = []
    for group, wanted in [("modules", linux_modules), ("data", linux_data)]:
        if wanted:
            native.filegroup(
                name = name + "_kernel_" + group,
                srcs = [":" + name + "_kernel"],
                output_group = group,
                tags = tags,
            )
            kernel_data.append(":" + name + "_kernel_" + group)
    heads_initrd(
        name = name + "_initrd",
        sources_check = check,
        dev_cpios = dev_cpios,
        etc_config = etc_config,
        extra_tars = kernel_data,
        links = initrd_links,
        out = name + "/initrd.cpio.xz",
        board_config = board_config,
        config_extra = {"CONFIG_BOARD": name},
        modules = modules,
        dev_list = dev_list,
        dev_list_srcs = dev_list_srcs,
        heads_srcs = heads_srcs,
        heads_strip_prefix = heads_strip_prefix,
        board_srcs = board_srcs,
        board_strip_prefix = board_strip_prefix,
        heads_compat = heads_compat,
        visibility = visibility,
        tags = tags,
    )
    heads_linux(
        name = name + "_kernel",
        sources_check = check,
        data = linux_data,
        modules = linux_modules,
        heads_config = heads_config,
        tree_files = blobs,
        brand = brand,
        source = linux_source,
        config = linux_config,
        config_mode = linux_config_mode,
        arch = linux_arch,
        visibility = visibility,
        tags = tags,
    )
    heads_coreboot(
        name = name + "_coreboot",
        sources_check = check,
        heads_config = heads_config,
        tree_files = blobs,
        brand = brand,
        source = coreboot_source,
        extra_sources = coreboot_extra_sources,
        config = coreboot_config,
        kernel = ":" + name + "_kernel",
        initrd = ":" + name + "_initrd",
        make_env = coreboot_make_env,
        toolchain = coreboot_toolchain,
        visibility = visibility,
        tags = tags,
    )
    heads_rom(
        name = name + "_release",
        sources_check = check,
        board = name,
        rom = ":" + name + "_coreboot",
        pad_to = rom_size,
        split = split,
        ifd = ifd,
        me = me,
        gbe = gbe,
        visibility = visibility,
        tags = tags,
    )
    native.filegroup(
        name = name + "_rom",
        srcs = [":" + name + "_release"],
        output_group = "rom",
        visibility = visibility,
        tags = tags,
    )
    native.filegroup(
        name = name + "_hashes",
        srcs = [":" + name + "_release"],
        output_group = "hashes",
        visibility = visibility,
        tags = tags,
    )
