// Package initrd builds reproducible Linux initramfs images (newc cpio,
// optionally xz/gzip/zstd compressed) for Heads firmware, and reads,
// lists and compares them.
//
// Typical use, merging inputs in order (a later member with the same name
// wins, as in Heads' bin/cpio-clean):
//
//	s := initrd.NewSet(initrd.FormatDefault)
//	if err := s.AddTree("out/initrd", ""); err != nil { ... }
//	if err := s.AddCpio("dev.cpio", devCpioReader); err != nil { ... }
//	if err := s.AddList("files.list", listReader, initrd.ListOptions{Root: "listdir"}); err != nil { ... }
//	if err := s.AddTar("modules.tar", tarReader, "lib/modules"); err != nil { ... }
//	archive, err := s.Bytes()                        // sorted, padded to 512
//	out, err := initrd.Finish(archive, initrd.XZ, 512, initrd.CompressOptions{})
//	err = atomicfile.WriteBytes("initrd.cpio.xz", 0o644, out) // tools/internal/atomicfile
//
// # Formats
//
// FormatDefault is this package's deterministic newc (see its doc).
//
// FormatHeadsCompat reproduces Heads' bin/cpio-clean byte for byte. Read
// from its source, cpio-clean: reads each input file up to its first
// TRAILER!!! (any name starting with it); keys members by name including
// the trailing NUL, later ones winning; emits them sorted bytewise; and in
// each member rewrites only these header fields, copying the rest of the
// member (filesize, rdevmajor/minor, namesize, name, body and padding
// bytes) verbatim:
//
//	ino      XOR of MD5(name+NUL)'s four 32-bit words read big-endian
//	         (they are taken from md5_hex), printed "%08x" (lowercase)
//	mode     mode &^ 0077, printed "%08X" (uppercase)
//	uid, gid, nlink, mtime, devmajor, devminor, check   "00000000"
//
// It then appends the last input's trailer verbatim and pads the whole
// output with NULs to a multiple of 512. It adds no parent directories and
// does not clean names. Members of --cpio inputs keep their raw bytes;
// members of trees, lists and tars are first rendered as GNU
// `cpio -H newc -o` writes them (uppercase hex, symlink target without a
// NUL, trailer with nlink 1), since that is what Heads feeds cpio-clean.
// Names are still validated and "./" prefixes removed (GNU cpio writes none),
// and the "." member that `find . | cpio` emits is kept (trees without a
// DEST emit it too). Tree modes are normalised (0755/0644) before cleaning,
// so only a Heads file with unusual owner bits (say 0400, which Heads would
// keep) comes out differently (0600 here).
//
// Hard links: GNU cpio stores the data of a hard-linked file only on its
// last link. FormatDefault gives every link the data (and nlink 1);
// FormatHeadsCompat copies the members verbatim, empty ones included, as
// cpio-clean does.
//
// # Compression
//
// xz streams always use the CRC32 check: the kernel's decoder refuses the
// xz default CRC64 ("Initramfs unpacking failed"). An external xz binary is
// used (DefaultXZArgs, or HeadsXZArgs for Heads' exact command whose
// trailing -9 silently replaces the 1 MiB dictionary by 64 MiB); without
// one, compression fails with ErrNoXZ unless CompressOptions.NoExternal
// asks for github.com/ulikunitz/xz, which encodes with a 1 MiB dictionary
// (different bytes, about 38% larger). gzip is level 9 with mtime 0 and no name; zstd is one frame at
// the best level with an 8 MiB window. Pad mirrors `dd bs=512 conv=sync`.
//
// Outputs depend only on the inputs' names, contents, symlink targets and
// (for trees) executable bits: not on umask, mtimes, owners or directory
// order.
package initrd
