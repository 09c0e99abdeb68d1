#!/bin/bash
# qemu_run.sh ROM [QEMU ARGS...] -- boot a ROM in QEMU q35 (TCG), serial on
# stdio, like Heads' `make BOARD=... run`. Quit with Ctrl-A X.
set -euo pipefail
rom=$(readlink -f "$1")
shift
exec qemu-system-x86_64 -M q35 -accel tcg -m 512 -bios "$rom" \
	-nographic -serial mon:stdio -no-reboot "$@"
