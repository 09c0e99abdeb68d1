// Package tarnorm extracts source archives safely and packs directory trees
// into byte-for-byte reproducible tarballs.
//
// # Extracting
//
// Extract reads a tar, tar.gz, tar.bz2, tar.xz or zip archive (the format is
// detected from the magic bytes, never from the file name) and writes it
// into a destination directory that must not exist or be empty:
//
//	f, _ := os.Open("linux-6.1.tar.xz")
//	defer f.Close()
//	err := tarnorm.Extract(f, "out/linux", tarnorm.ExtractOptions{
//		Name:            "linux-6.1.tar.xz", // used in error messages
//		StripComponents: 1,
//		MTime:           epoch, // e.g. from SourceDateEpoch()
//	})
//
// Extraction happens in a temporary directory next to the destination that
// is renamed into place only when the whole archive was accepted, so an
// error never leaves partial output. The first offending member stops
// extraction with a *MemberError naming the archive and the member; it wraps
// one of the sentinel errors (ErrAbsolutePath, ErrPathEscape, ErrLinkEscape,
// ErrSpecialFile, ErrThroughSymlink, ...), so callers can test with
// errors.Is. Refused are: absolute names, names with a ".." component,
// symlinks whose target resolves outside the destination (checked again
// once all members are known, so a later symlink cannot redirect an earlier
// one), hard links to anything but a regular file extracted before, device
// nodes, fifos and sockets, and members that would be written through a
// previously extracted symlink. Names are split on "/", empty and "."
// components are dropped, then StripComponents leading components are
// removed (unlike GNU tar, a leading "./" therefore does not count as a
// component); members left with no name are skipped.
//
// Modes are normalised (0755 for directories and for files with any execute
// bit, 0644 for other files) and every mtime, including the destination
// directory's and symlinks', is set to ExtractOptions.MTime.
//
// # Packing
//
// Pack writes a directory tree as a deterministic tar stream:
//
//	err := atomicfile.Write("out.tar", 0o644, func(w io.Writer) error { // tools/internal/atomicfile
//		return tarnorm.Pack(w, "tree", tarnorm.PackOptions{Prefix: "./", MTime: 0})
//	})
//
// Entries are emitted depth first, each directory's entries sorted by the
// bytes of their names (GNU tar's --sort=name order: "a/" and its contents
// come before "a-b" and "a.b"), with mtime PackOptions.MTime, uid/gid 0,
// empty user/group names, modes normalised as above (symlinks 0777, as GNU
// tar records them on Linux) and no atime, ctime or xattrs. Headers are
// ustar; a name longer than 100 bytes is split into the ustar prefix field
// the way GNU tar splits it, and only names that ustar cannot hold (over
// 255 bytes, no usable "/", or non-ASCII) get a PAX record. The stream ends
// with two zero blocks and is padded to a multiple of 10240 bytes, GNU tar's
// default record size.
//
// Naming of the top-level entry: every name is PackOptions.Prefix followed
// by the path relative to the packed directory, and when the prefix is not
// empty the prefix itself is emitted first as the directory entry for the
// packed directory. With Prefix "./" (the CLI default) the output is
// byte-for-byte what
//
//	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
//	    --format=ustar -cf out.tar -C DIR .
//
// writes with GNU tar 1.35 for a tree whose files already carry normalised
// modes: "./", "./a", "./sub/", ... With Prefix "usr/" the names are "usr/", "usr/a",
// ...; only the prefix itself gets an entry, not its parents. With the zero
// value Prefix "" there is no top-level entry and names are bare ("a",
// "sub/").
//
// The bytes follow GNU tar 1.35 because that is the tar of the project's
// pinned build root, the one whose output has to be reproduced. Since 1.35
// GNU tar leaves the devmajor and devminor header fields (offsets 329 to
// 344) all NUL for entries that are not character or block devices, PAX
// 'x' headers included; GNU tar 1.34 and Go's archive/tar write "0000000"
// and a NUL in each, which also changes the header checksum. Pack formats
// headers with archive/tar and then clears those fields and recomputes the
// checksum (six octal digits, NUL, space, as both write it). Compared with
// GNU tar 1.34 the output therefore differs in exactly those two fields of
// every header.
//
// Hard links are stored as regular files unless PackOptions.Hardlinks is
// set, because whether two inputs share an inode is an accident of the
// build machine (Bazel's sandbox and caches may hard-link identical files).
// With Hardlinks set, later paths of a multiply linked file become hard
// link entries in walk order, exactly as GNU tar writes them; without it
// the output equals GNU tar's with --hard-dereference.
//
// Repack extracts an archive (with all the checks of Extract) into a
// temporary directory and packs it, so repacking an upstream tarball gives
// the same bytes as extracting it and packing the tree.
//
// # Listing
//
// List prints one line per member: mode, size, sha256 of the content ("-"
// for non-files) and name, plus "-> target" for links.
//
// The command tools/cmd/tarnorm exposes these as the extract, pack, repack
// and list subcommands.
package tarnorm
