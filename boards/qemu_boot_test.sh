#!/bin/bash
# qemu_boot_test.sh ROM BOARD -- boots ROM headless in QEMU q35 (TCG) with a
# time limit and checks the serial console: coreboot found the payload,
# Linux started /init, our init printed its banner and the board's runtime
# config (/etc/config), and the machine powered off by itself.
set -euo pipefail
rom=$(readlink -f "$1") board=$2
log=${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/serial.log
fail() {
	echo "FAIL: $*" >&2
	echo "---- last 40 serial lines ($log)" >&2
	tail -n 40 "$log" >&2 || true
	exit 1
}
# The ROM lives in a read-only runfiles tree; QEMU wants a writable -bios.
cp "$rom" "$TEST_TMPDIR/rom"
start=$SECONDS
rc=0
timeout 240 qemu-system-x86_64 -M q35 -accel tcg -m 512 -bios "$TEST_TMPDIR/rom" \
	-nographic -serial mon:stdio -no-reboot </dev/null >"$log" 2>&1 || rc=$?
tr -d '\r' <"$log" >"$log.txt"
echo "qemu exited with $rc after $((SECONDS - start)) s"
[ "$rc" != 124 ] || fail "no power-off within 240 s"
for want in \
	"CBFS: Found 'fallback/payload'" \
	"Run /init as init process" \
	"rules_heads $board: init reached" \
	"config: export CONFIG_BOARD=\"$board\"" \
	"config: export CONFIG_HEADS_DEMO=\"y\"" \
	"config: export CONFIG_BOOT_DEV=\"/dev/sda1\"" \
	"rules_heads $board: done"; do
	grep -qF -- "$want" "$log.txt" || fail "serial output lacks: $want"
	echo "seen: $(grep -F -- "$want" "$log.txt" | head -1)"
done
grep -q "config: .*CONFIG_LINUX_CONFIG" "$log.txt" && fail "a non-exported option reached /etc/config"
[ "$rc" = 0 ] || fail "qemu exited with $rc"
echo "PASS"
