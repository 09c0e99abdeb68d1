// Command romstitch edits Heads firmware images: FMAP inspection, CBFS
// files and the Linux payload, Intel flash descriptor regions, padding,
// splitting into per-chip images and the hashes.txt/sizes.txt manifests.
// Commands that modify a ROM read --rom and write --out (which may be the
// same path) atomically, leaving nothing behind on error.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rules-heads/rules_heads/tools/internal/atomicfile"
	"github.com/rules-heads/rules_heads/tools/internal/cli"
	"github.com/rules-heads/rules_heads/tools/rom/cbfs"
	"github.com/rules-heads/rules_heads/tools/rom/crossgcc"
	"github.com/rules-heads/rules_heads/tools/rom/fmap"
	"github.com/rules-heads/rules_heads/tools/rom/ifd"
	"github.com/rules-heads/rules_heads/tools/rom/stitch"
)

func main() { program.Main() }

var program = &cli.Program{
	Name: "romstitch",
	Commands: []cli.Command{
		{Name: "fmap print", Args: "--rom R", Summary: "list FMAP regions (name, offset, size, flags)", Run: fmapPrint},
		{Name: "fmap find", Args: "--rom R --region NAME", Summary: "print offset and size of one region", Run: fmapFind},
		{Name: "cbfs print", Args: "--rom R [--region COREBOOT] [-v]", Summary: "list CBFS files (name, type, offset, size, compression; -v: payload segments)", Run: cbfsPrint},
		{Name: "cbfs extract", Args: "--rom R --name N --file OUT [--segment I] [--region COREBOOT]", Summary: "write a file's content (or payload segment I) to OUT", Run: cbfsExtract},
		{Name: "cbfs add", Args: "--rom R --out O --name N --file F [--type raw] [--region COREBOOT]", Summary: "add a file uncompressed, as cbfstool add", Run: cbfsAdd},
		{Name: "cbfs remove", Args: "--rom R --out O --name N [--region COREBOOT]", Summary: "remove a file, as cbfstool remove", Run: cbfsRemove},
		{Name: "cbfs add-payload", Args: "--rom R --out O --kernel bzImage --trampoline T [--initrd I] [--cmdline C] [--name fallback/payload] [--region COREBOOT] [--compat 25.09|4.15]", Summary: "add a Linux payload, as cbfstool add-payload -c none of coreboot-utils --compat", Run: cbfsAddPayload},
		{Name: "ifd print", Args: "--rom R", Summary: "list Intel flash descriptor regions", Run: ifdPrint},
		{Name: "ifd set", Args: "--rom R --out O --region descriptor|me|gbe|pd --file F", Summary: "replace a descriptor region, padding with 0xff", Run: ifdSet},
		{Name: "pad", Args: "--rom R --out O --size N", Summary: "pad an image with 0xff to N bytes", Run: pad},
		{Name: "split", Args: "--rom R --sizes 8M,4M --out-dir D [--names bottom.rom,top.rom]", Summary: "split an image into consecutive parts", Run: split},
		{Name: "zip", Args: "--out Z FILE...", Summary: "write a release zip of FILEs under their base names (stored, dated 1980-01-01, mode 0644)", Run: zipCmd},
		{Name: "crossgcc-sum", Args: "--src TREE --out F", Summary: "write the util/crossgcc/sum listing of a coreboot tree, the key of a shared crossgcc", Run: crossgccSum},
		{Name: "hashes", Args: "--root DIR --hashes hashes.txt --sizes sizes.txt FILE...", Summary: "write sha256sum and size manifests, paths relative to DIR", Run: hashes},
	},
	Footer: "Sizes accept 4096, 0x1000, 64K, 8M, 8MiB.",
}

func run(args []string, stdout, stderr io.Writer) error { return program.Run(args, stdout, stderr) }

// parse parses flags and checks that the required ones are set and that
// no positional arguments follow.
func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := parseFiles(fs, args, required...); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("%s: unexpected arguments %q", fs.Name(), fs.Args())
	}
	return nil
}

// parseFiles is parse for commands that take FILE... after the flags; it
// fails when there are none.
func parseFiles(fs *flag.FlagSet, args []string, required ...string) error {
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	return cli.Required(fs, required...)
}

func isSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func fmapPrint(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	if err := parse(fs, args, "rom"); err != nil {
		return err
	}
	img, err := os.ReadFile(*rom)
	if err != nil {
		return err
	}
	f, err := fmap.Find(img)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# FMAP %q at %#x, base %#x, size %#x, version %d.%d\n", f.Name, f.Offset, f.Base, f.Size, f.VerMajor, f.VerMinor)
	fmt.Fprintln(stdout, "name\toffset\tsize\tflags")
	for _, a := range f.Areas {
		fmt.Fprintf(stdout, "%s\t%#x\t%#x\t%s\n", a.Name, a.Offset, a.Size, a.FlagString())
	}
	return nil
}

func fmapFind(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	region := fs.String("region", "", "region name")
	if err := parse(fs, args, "rom", "region"); err != nil {
		return err
	}
	img, err := os.ReadFile(*rom)
	if err != nil {
		return err
	}
	f, err := fmap.Find(img)
	if err != nil {
		return err
	}
	a, err := f.Area(*region)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%#x %#x\n", a.Offset, a.Size)
	return nil
}

// openCBFS reads rom and opens the CBFS in the named FMAP region.
func openCBFS(rom, region string) ([]byte, *cbfs.CBFS, error) {
	img, err := os.ReadFile(rom)
	if err != nil {
		return nil, nil, err
	}
	f, err := fmap.Find(img)
	if err != nil {
		return nil, nil, err
	}
	r, _, err := f.Region(img, region)
	if err != nil {
		return nil, nil, err
	}
	c, err := cbfs.Open(r)
	if err != nil {
		return nil, nil, fmt.Errorf("region %s: %w", region, err)
	}
	return img, c, nil
}

func cbfsPrint(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	region := fs.String("region", "COREBOOT", "FMAP region holding the CBFS")
	verbose := fs.Bool("v", false, "also list payload segments")
	if err := parse(fs, args, "rom"); err != nil {
		return err
	}
	_, c, err := openCBFS(*rom, *region)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "name\ttype\toffset\tsize\tcompression")
	for _, f := range c.Files() {
		name := f.Name
		if f.Empty() {
			name = "(empty)"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%#x\t%d\t%s\n", name, f.Type, f.Offset, f.Len, cbfs.CompressionName(f.Compression))
		if *verbose && f.Type == cbfs.TypeSELF {
			segs, err := cbfs.ParsePayload(c.Data(f))
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			for i, s := range segs {
				if s.Type == cbfs.SegEntry {
					fmt.Fprintf(stdout, "  %d entry %#x\n", i, s.LoadAddr)
					continue
				}
				fmt.Fprintf(stdout, "  %d %s %s offset %#x load %#x length %d/%d\n", i, s.TypeName(), cbfs.CompressionName(s.Compression), s.Offset, s.LoadAddr, s.Len, s.MemLen)
			}
		}
	}
	return nil
}

func cbfsExtract(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	region := fs.String("region", "COREBOOT", "FMAP region holding the CBFS")
	name := fs.String("name", "", "CBFS file name")
	file := fs.String("file", "", "output file")
	segment := fs.Int("segment", -1, "extract this payload segment instead (2 is the Linux trampoline)")
	if err := parse(fs, args, "rom", "name", "file"); err != nil {
		return err
	}
	_, c, err := openCBFS(*rom, *region)
	if err != nil {
		return err
	}
	var data []byte
	if *segment >= 0 {
		data, err = c.SegmentData(*name, *segment)
	} else {
		data, err = c.Extract(*name)
	}
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(*file, 0o644, data)
}

// modify runs edit on the CBFS of rom and writes the image to out.
func modify(rom, out, region string, edit func(*cbfs.CBFS) error) error {
	img, c, err := openCBFS(rom, region)
	if err != nil {
		return err
	}
	if err := edit(c); err != nil {
		return err
	}
	return atomicfile.WriteBytes(out, 0o644, img)
}

func cbfsAdd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	out := fs.String("out", "", "output image (may equal --rom)")
	region := fs.String("region", "COREBOOT", "FMAP region holding the CBFS")
	name := fs.String("name", "", "CBFS file name")
	file := fs.String("file", "", "content")
	typ := fs.String("type", "raw", "file type (raw, bootsplash, microcode, optionrom, ...)")
	if err := parse(fs, args, "rom", "out", "name", "file"); err != nil {
		return err
	}
	t, err := cbfs.SimpleType(*typ)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	return modify(*rom, *out, *region, func(c *cbfs.CBFS) error { return c.Add(*name, t, data) })
}

func cbfsRemove(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	out := fs.String("out", "", "output image (may equal --rom)")
	region := fs.String("region", "COREBOOT", "FMAP region holding the CBFS")
	name := fs.String("name", "", "CBFS file name")
	if err := parse(fs, args, "rom", "out", "name"); err != nil {
		return err
	}
	return modify(*rom, *out, *region, func(c *cbfs.CBFS) error { return c.Remove(*name) })
}

func cbfsAddPayload(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	out := fs.String("out", "", "output image (may equal --rom)")
	region := fs.String("region", "COREBOOT", "FMAP region holding the CBFS")
	name := fs.String("name", "fallback/payload", "CBFS file name")
	kernel := fs.String("kernel", "", "Linux bzImage")
	initrd := fs.String("initrd", "", "initramfs")
	cmdline := fs.String("cmdline", "", "kernel command line (stored only when the flag is given)")
	tramp := fs.String("trampoline", "", "cbfstool's Linux trampoline blob (e.g. from `romstitch cbfs extract --segment 2` of a cbfstool-built payload)")
	compat := fs.String("compat", cbfs.Compat2509.String(), "coreboot-utils version whose cbfstool output to reproduce (25.09, the build root's, or 4.15)")
	if err := parse(fs, args, "rom", "out", "kernel", "trampoline"); err != nil {
		return err
	}
	var p cbfs.LinuxPayload
	var err error
	if p.Compat, err = cbfs.ParseCompat(*compat); err != nil {
		return err
	}
	if p.Kernel, err = os.ReadFile(*kernel); err != nil {
		return err
	}
	if p.Trampoline, err = os.ReadFile(*tramp); err != nil {
		return err
	}
	if isSet(fs, "initrd") {
		if p.Initrd, err = os.ReadFile(*initrd); err != nil {
			return err
		}
		p.HasInitrd = true
	}
	p.Cmdline, p.HasCmdline = *cmdline, isSet(fs, "cmdline")
	return modify(*rom, *out, *region, func(c *cbfs.CBFS) error { return c.AddLinuxPayload(*name, p) })
}

func ifdPrint(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	if err := parse(fs, args, "rom"); err != nil {
		return err
	}
	img, err := os.ReadFile(*rom)
	if err != nil {
		return err
	}
	d, err := ifd.Parse(img)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# IFDv%d FLMAP0 %#08x FRBA %#x\n", d.Version, d.FLMAP0, d.FRBA)
	fmt.Fprintln(stdout, "index\tname\tbase\tlimit\tsize")
	for _, r := range d.Regions {
		if !r.Used() {
			fmt.Fprintf(stdout, "%d\t%s\t-\t-\tunused\n", r.Index, r.Short)
			continue
		}
		fmt.Fprintf(stdout, "%d\t%s\t%#08x\t%#08x\t%d\n", r.Index, r.Short, r.Base, r.Limit, r.Size())
	}
	return nil
}

func ifdSet(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	out := fs.String("out", "", "output image (may equal --rom)")
	region := fs.String("region", "", "descriptor, me, gbe or pd (ifdtool names also accepted)")
	file := fs.String("file", "", "region content; shorter files are padded with 0xff")
	if err := parse(fs, args, "rom", "out", "region", "file"); err != nil {
		return err
	}
	img, err := os.ReadFile(*rom)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	d, err := ifd.Parse(img)
	if err != nil {
		return err
	}
	r, err := d.Lookup(*region)
	if err != nil {
		return err
	}
	if err := ifd.Replace(img, r, data); err != nil {
		return err
	}
	return atomicfile.WriteBytes(*out, 0o644, img)
}

type sizeFlag struct{ v int64 }

func (s *sizeFlag) String() string { return fmt.Sprint(s.v) }
func (s *sizeFlag) Set(v string) (err error) {
	s.v, err = stitch.ParseSize(v)
	return err
}

func pad(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	out := fs.String("out", "", "output image (may equal --rom)")
	var size sizeFlag
	fs.Var(&size, "size", "target size")
	if err := parse(fs, args, "rom", "out", "size"); err != nil {
		return err
	}
	img, err := os.ReadFile(*rom)
	if err != nil {
		return err
	}
	p, err := stitch.Pad(img, size.v)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(*out, 0o644, p)
}

func split(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	rom := fs.String("rom", "", "input image")
	sizes := fs.String("sizes", "", "comma-separated part sizes, first part first (8M,4M)")
	outDir := fs.String("out-dir", "", "output directory")
	names := fs.String("names", "", "comma-separated output names (default bottom.rom,top.rom for two parts)")
	if err := parse(fs, args, "rom", "sizes", "out-dir"); err != nil {
		return err
	}
	sz, err := stitch.ParseSizes(*sizes)
	if err != nil {
		return err
	}
	var ns []string
	switch {
	case *names != "":
		ns = strings.Split(*names, ",")
	case len(sz) == 2:
		ns = []string{"bottom.rom", "top.rom"}
	default:
		return cli.Usagef("split: --names is required for %d parts", len(sz))
	}
	if len(ns) != len(sz) {
		return cli.Usagef("split: %d names for %d sizes", len(ns), len(sz))
	}
	seen := map[string]bool{}
	for _, n := range ns {
		if n == "" || n != filepath.Base(n) || seen[n] {
			return fmt.Errorf("split: bad or repeated output name %q", n)
		}
		seen[n] = true
	}
	img, err := os.ReadFile(*rom)
	if err != nil {
		return err
	}
	parts, err := stitch.Split(img, sz)
	if err != nil {
		return err
	}
	var written []string
	for i, p := range parts {
		path := filepath.Join(*outDir, ns[i])
		if err := atomicfile.WriteBytes(path, 0o644, p); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return err
		}
		written = append(written, path)
	}
	return nil
}

func hashes(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	root := fs.String("root", "", "directory the listed paths are relative to")
	hashesOut := fs.String("hashes", "", "sha256sum-format output")
	sizesOut := fs.String("sizes", "", "\"size path\" output")
	if err := parseFiles(fs, args, "root", "hashes", "sizes"); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.Usagef("hashes: no files given")
	}
	arts, err := stitch.Describe(*root, fs.Args())
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(*hashesOut, 0o644, stitch.HashesText(arts)); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(*sizesOut, 0o644, stitch.SizesText(arts)); err != nil {
		os.Remove(*hashesOut)
		return err
	}
	return nil
}

func zipCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	out := fs.String("out", "", "zip to write (atomically)")
	if err := parseFiles(fs, args, "out"); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.Usagef("zip: no files given")
	}
	var files []stitch.ZipFile
	for _, p := range fs.Args() {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, stitch.ZipFile{Name: filepath.Base(p), Data: data})
	}
	var b bytes.Buffer
	if err := stitch.WriteZip(&b, files); err != nil {
		return err
	}
	return atomicfile.WriteBytes(*out, 0o644, b.Bytes())
}

func crossgccSum(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	src := fs.String("src", "", "coreboot source tree")
	out := fs.String("out", "", "listing to write (atomically)")
	if err := parse(fs, args, "src", "out"); err != nil {
		return err
	}
	data, err := crossgcc.Sum(*src)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(*out, 0o644, data)
}

// commandNames is used by tests to check the usage text.
func commandNames() []string {
	var n []string
	for _, c := range program.Commands {
		n = append(n, c.Name)
	}
	sort.Strings(n)
	return n
}
