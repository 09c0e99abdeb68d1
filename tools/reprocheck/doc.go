// Package reprocheck compares the outputs of two builds of the same
// targets and says where they first differ.
//
// Compare hashes every output file of both builds (directories are walked)
// and, for the first file that differs, Explain descends into its format:
// compressed streams (xz, gzip, zstd) are decompressed, tar, cpio (newc,
// the initrd's format) and zip archives are compared member by member
// (metadata, then contents), ROM images FMAP area by area and then CBFS
// file by CBFS file, ELF files section by section; the innermost part
// that differs is reported with its first differing byte:
//
//	bazel-out/k8-fastbuild/bin/boards/x.rom: FMAP area COREBOOT: CBFS file fallback/payload: ...
//	bazel-out/k8-fastbuild/bin/mod.initrd.tar: tar member bin/stamp: 11 bytes (first differing byte at offset 3)
//
// The command reprocheck (tools/cmd/reprocheck) runs the two builds under
// varied conditions and uses this package to compare them.
package reprocheck
