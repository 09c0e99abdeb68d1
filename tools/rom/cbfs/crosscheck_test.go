package cbfs_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/cbfs"
	"github.com/rules-heads/rules_heads/tools/rom/fmap"
	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

// coreboot opens the COREBOOT region of rom.
func coreboot(t *testing.T, rom []byte) *cbfs.CBFS {
	t.Helper()
	f, err := fmap.Find(rom)
	if err != nil {
		t.Fatal(err)
	}
	region, _, err := f.Region(rom, "COREBOOT")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cbfs.Open(region)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type op struct {
	remove bool
	name   string
	typ    string
	size   int
}

// crossCheck applies ops with cbfstool and with this package and
// requires byte-identical ROMs after every step.
func crossCheck(t *testing.T, romSize, cbfsSize int, ops []op, seed uint64) {
	romtest.Need(t, "cbfstool", "fmaptool")
	dir := t.TempDir()
	romPath := romtest.NewROM(t, dir, romtest.FMD(romSize, cbfsSize))
	ours := romtest.ReadFile(t, romPath)
	c := coreboot(t, ours)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i, o := range ops {
		var err error
		if o.remove {
			romtest.Run(t, dir, "cbfstool", romPath, "remove", "-n", o.name)
			err = c.Remove(o.name)
		} else {
			data := make([]byte, o.size)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			in := filepath.Join(dir, fmt.Sprintf("in%d", i))
			romtest.WriteFile(t, in, data)
			typ := o.typ
			if typ == "" {
				typ = "raw"
			}
			_, toolErr := romtest.Try(dir, "cbfstool", romPath, "add", "-n", o.name, "-f", in, "-t", typ)
			var tt cbfs.FileType
			tt, err = cbfs.SimpleType(typ)
			if err == nil {
				err = c.Add(o.name, tt, data)
			}
			if (toolErr == nil) != (err == nil) {
				t.Fatalf("step %d %+v: cbfstool err=%v, ours err=%v", i, o, toolErr, err)
			}
			if err != nil {
				if !errors.Is(err, cbfs.ErrNoSpace) && !errors.Is(err, cbfs.ErrExists) {
					t.Fatalf("step %d %+v: unexpected error %v", i, o, err)
				}
				continue
			}
		}
		if err != nil {
			t.Fatalf("step %d %+v: %v", i, o, err)
		}
		theirs := romtest.ReadFile(t, romPath)
		if d := romtest.FirstDiff(ours, theirs); d >= 0 {
			out, _ := romtest.Try(dir, "cbfstool", romPath, "print", "-k")
			t.Fatalf("step %d %+v: ROM differs from cbfstool's at %#x\ncbfstool print:\n%s\nours: %+v", i, o, d, out, c.Files())
		}
	}
}

func TestCrossCheckAddRemove(t *testing.T) {
	t.Logf("cbfstool: %s", romtest.CBFSVersion())
	tests := []struct {
		name     string
		romSize  int
		cbfsSize int
		ops      []op
	}{
		{"raw adds", 0x40000, 0x3ee00, []op{
			{name: "a", size: 1000},
			{name: "bb", size: 0},
			{name: "ccc", size: 63},
			{name: "name/with/longer/path.bin", size: 4096},
			{name: "x", size: 1},
		}},
		{"remove middle then refill", 0x40000, 0x3ee00, []op{
			{name: "a", size: 1000},
			{name: "bbbbbbbbbbbbbbbbbbbb", size: 300},
			{name: "c", size: 77},
			{remove: true, name: "bbbbbbbbbbbbbbbbbbbb"},
			{name: "d", size: 100},
			{name: "e", size: 10},
			{name: "f", size: 10},
			{remove: true, name: "c"},
			{remove: true, name: "a"},
			{remove: true, name: "d"},
		}},
		{"remove merges neighbours", 0x40000, 0x3ee00, []op{
			{name: "a", size: 100}, {name: "b", size: 100}, {name: "c", size: 100}, {name: "d", size: 100},
			{remove: true, name: "b"}, {remove: true, name: "c"}, {name: "e", size: 250},
			{remove: true, name: "d"}, {remove: true, name: "a"},
		}},
		{"simple types", 0x40000, 0x3ee00, []op{
			{name: "bootsplash.jpg", typ: "bootsplash", size: 500},
			{name: "cpu_microcode_blob.bin", typ: "microcode", size: 2048},
			{name: "pci8086,0166.rom", typ: "optionrom", size: 700},
			{name: "cmos_layout.bin", typ: "cmos_layout", size: 64},
		}},
		{"fill exactly and overflow", 0x10000, 0xee00, []op{
			{name: "big", size: 0xee00 - 0x1c - 4 - 64},
			{name: "exact", size: 64 - 0x1c - 4},
			{name: "no-room", size: 1},
			{remove: true, name: "exact"},
			{name: "tight", size: 60 - 0x1c},
		}},
		{"duplicate refused", 0x10000, 0xee00, []op{
			{name: "a", size: 10}, {name: "a", size: 20},
		}},
		{"unaligned region", 0x10000, 0xedd0, []op{
			{name: "a", size: 100}, {name: "b", size: 0xedd0 - 0x80 - 0x1c - 30},
			{remove: true, name: "a"}, {remove: true, name: "b"},
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { crossCheck(t, tc.romSize, tc.cbfsSize, tc.ops, uint64(i)) })
	}
}

// TestCrossCheckRandom runs a seeded random sequence of adds and removes.
func TestCrossCheckRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	var ops []op
	var live []string
	for i := 0; i < 40; i++ {
		if len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			ops = append(ops, op{remove: true, name: live[j]})
			live = append(live[:j], live[j+1:]...)
			continue
		}
		name := strings.Repeat("n", 1+rng.IntN(20)) + strconv.Itoa(i)
		ops = append(ops, op{name: name, size: rng.IntN(3000)})
		live = append(live, name)
	}
	crossCheck(t, 0x20000, 0x1ee00, ops, 7)
}

// fakeKernel builds a bzImage-shaped file: a setup header and random
// "protected-mode" code.
func fakeKernel(rng *rand.Rand, setupSects byte, version uint16, relocatable bool, size int) []byte {
	k := make([]byte, (int(setupSects)+1)*512+size)
	for i := range k {
		k[i] = byte(rng.Uint32())
	}
	k[0x1f1] = setupSects
	k[0x1f2], k[0x1f3] = 1, 0
	k[0x1fc], k[0x1fd] = 0x01, 0x03
	k[0x1fe], k[0x1ff] = 0x55, 0xaa
	copy(k[0x202:], "HdrS")
	k[0x206], k[0x207] = byte(version), byte(version>>8)
	k[0x211] = 1
	k[0x230], k[0x231], k[0x232], k[0x233] = 0, 0, 0x20, 0
	k[0x234] = 0
	if relocatable {
		k[0x234] = 1
	}
	for i := 0x258; i < 0x260; i++ {
		k[i] = 0
	}
	k[0x25b] = 0x01 // pref_address 0x1000000
	k[0x260], k[0x261], k[0x262], k[0x263] = 0x56, 0x34, 0x12, 0
	return k
}

var segLine = regexp.MustCompile(`^\s+(code|data)\s*\((\S+) compression, offset: 0x([0-9a-f]+), load: 0x([0-9a-f]+), length: (\d+)/(\d+)\)`)
var entryLine = regexp.MustCompile(`^\s+entry \(0x([0-9a-f]+)\)`)

// printedSegments parses the segment lines of `cbfstool print -v`.
func printedSegments(t *testing.T, out string) []string {
	var segs []string
	for _, l := range strings.Split(out, "\n") {
		if m := segLine.FindStringSubmatch(l); m != nil {
			off, _ := strconv.ParseUint(m[3], 16, 64)
			load, _ := strconv.ParseUint(m[4], 16, 64)
			segs = append(segs, fmt.Sprintf("%s %s off=%#x load=%#x len=%s/%s", m[1], m[2], off, load, m[5], m[6]))
		} else if m := entryLine.FindStringSubmatch(l); m != nil {
			load, _ := strconv.ParseUint(m[1], 16, 64)
			segs = append(segs, fmt.Sprintf("entry load=%#x", load))
		}
	}
	return segs
}

func describe(segs []cbfs.Segment) []string {
	var s []string
	for _, g := range segs {
		if g.Type == cbfs.SegEntry {
			s = append(s, fmt.Sprintf("entry load=%#x", g.LoadAddr))
			continue
		}
		s = append(s, fmt.Sprintf("%s %s off=%#x load=%#x len=%d/%d", g.TypeName(), strings.ToLower(cbfs.CompressionName(g.Compression)), g.Offset, g.LoadAddr, g.Len, g.MemLen))
	}
	return s
}

// paramsLen is the parameter block length each Compat writes, as
// `cbfstool add-payload` of that version does.
var paramsLen = map[cbfs.Compat]uint32{cbfs.Compat2509: 0x1000, cbfs.Compat415: 0x1080}

// toolCompat picks the Compat matching the cbfstool on PATH from its
// package version. Without one (cbfstool has no --version) it falls back
// to the parameter block length of a payload cbfstool built, and says so.
func toolCompat(t *testing.T, theirParams uint32) cbfs.Compat {
	t.Helper()
	v := romtest.CBFSToolVersion()
	if v == "" {
		for c, n := range paramsLen {
			if n == theirParams {
				t.Logf("coreboot-utils version unknown; parameter block of %#x bytes: %v layout", n, c)
				return c
			}
		}
		t.Fatalf("coreboot-utils version unknown and cbfstool's parameter block of %#x bytes matches no known layout", theirParams)
	}
	c, err := cbfs.ParseCompat(v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseCompat(t *testing.T) {
	for v, want := range map[string]cbfs.Compat{
		"25.09+dfsg-1": cbfs.Compat2509, "25.09": cbfs.Compat2509, "25.12-1": cbfs.Compat2509,
		"26.03": cbfs.Compat2509, "4.15~dfsg-3": cbfs.Compat415, "4.15": cbfs.Compat415,
		"1:4.15-1": cbfs.Compat415, "24.12": cbfs.Compat415,
	} {
		if got, err := cbfs.ParseCompat(v); err != nil || got != want {
			t.Errorf("ParseCompat(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"", "x", "25", "a.b"} {
		if _, err := cbfs.ParseCompat(v); err == nil {
			t.Errorf("ParseCompat(%q) accepted", v)
		}
	}
}

// TestLinuxPayloadCompat pins what differs between the layouts.
func TestLinuxPayloadCompat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := cbfs.LinuxPayload{Kernel: fakeKernel(rng, 3, 0x20f, true, 100), Trampoline: []byte{0x90}}
	for c, n := range paramsLen {
		p.Compat = c
		b, err := cbfs.BuildLinuxPayload(p)
		if err != nil {
			t.Fatal(err)
		}
		segs, err := cbfs.ParsePayload(b)
		if err != nil {
			t.Fatal(err)
		}
		if segs[0].Len != n {
			t.Errorf("%v: parameter block %#x bytes, want %#x", c, segs[0].Len, n)
		}
		ver := binary.LittleEndian.Uint16(b[segs[0].Offset+0x206:])
		if want := map[cbfs.Compat]uint16{cbfs.Compat2509: 0x20f}[c]; ver != want {
			t.Errorf("%v: param_block_version %#x, want %#x", c, ver, want)
		}
	}
	// An empty kernel: 4.15 drops its segment, 25.09 refuses.
	p.Kernel = p.Kernel[:4*512]
	p.Compat = cbfs.Compat415
	if _, err := cbfs.BuildLinuxPayload(p); err != nil {
		t.Errorf("4.15, empty kernel: %v", err)
	}
	p.Compat = cbfs.Compat2509
	if _, err := cbfs.BuildLinuxPayload(p); !errors.Is(err, cbfs.ErrBadKernel) {
		t.Errorf("25.09, empty kernel: err = %v, want ErrBadKernel", err)
	}
}

func TestCrossCheckLinuxPayload(t *testing.T) {
	romtest.Need(t, "cbfstool", "fmaptool")
	t.Logf("cbfstool: %s", romtest.CBFSVersion())
	tests := []struct {
		name        string
		setupSects  byte
		version     uint16
		relocatable bool
		kernelSize  int
		initrdSize  int // -1: no -I
		cmdline     *string
	}{
		{"relocatable with initrd and cmdline", 3, 0x20f, true, 5000, 3000, ptr("console=ttyS0 quiet")},
		{"no initrd", 30, 0x20f, true, 70000, -1, ptr("root=/dev/sda1")},
		{"no cmdline", 3, 0x20f, true, 5000, 100, nil},
		{"empty cmdline", 3, 0x20f, true, 5000, 100, ptr("")},
		{"empty initrd", 3, 0x20f, true, 5000, 0, ptr("x")},
		{"non-relocatable 2.09", 4, 0x209, false, 9000, 50, ptr("a b c")},
		{"old protocol 2.01", 4, 0x201, false, 900, 50, ptr("old")},
		{"setup_sects 0", 0, 0x20c, false, 5000, 50, ptr("zero")},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			romPath := romtest.NewROM(t, dir, romtest.FMD(0x40000, 0x3ee00))
			base := romtest.ReadFile(t, romPath)
			rng := rand.New(rand.NewPCG(uint64(i), 9))
			kernel := fakeKernel(rng, tc.setupSects, tc.version, tc.relocatable, tc.kernelSize)
			romtest.WriteFile(t, filepath.Join(dir, "bzImage"), kernel)
			args := []string{romPath, "add-payload", "-n", "fallback/payload", "-f", "bzImage", "-c", "none"}
			p := cbfs.LinuxPayload{Kernel: kernel}
			if tc.initrdSize >= 0 {
				initrd := make([]byte, tc.initrdSize)
				for j := range initrd {
					initrd[j] = byte(rng.Uint32())
				}
				romtest.WriteFile(t, filepath.Join(dir, "initrd"), initrd)
				args = append(args, "-I", "initrd")
				p.Initrd, p.HasInitrd = initrd, true
			}
			if tc.cmdline != nil {
				args = append(args, "-C", *tc.cmdline)
				p.Cmdline, p.HasCmdline = *tc.cmdline, true
			}
			romtest.Run(t, dir, "cbfstool", args...)
			theirs := romtest.ReadFile(t, romPath)

			// The trampoline is coreboot's code: take it from cbfstool's
			// payload (segment 2: parameters, kernel, trampoline).
			tramp, err := coreboot(t, theirs).SegmentData("fallback/payload", 2)
			if err != nil {
				t.Fatal(err)
			}
			p.Trampoline = tramp
			theirSegs, err := coreboot(t, theirs).Segments("fallback/payload")
			if err != nil {
				t.Fatal(err)
			}
			p.Compat = toolCompat(t, theirSegs[0].Len)
			if i == 0 {
				t.Logf("layout: %v", p.Compat)
			}
			if theirSegs[0].Len != paramsLen[p.Compat] {
				t.Errorf("cbfstool wrote a %#x-byte parameter block, the %v layout has %#x: version mapping wrong?", theirSegs[0].Len, p.Compat, paramsLen[p.Compat])
			}

			ours := append([]byte(nil), base...)
			c := coreboot(t, ours)
			if err := c.AddLinuxPayload("fallback/payload", p); err != nil {
				t.Fatal(err)
			}
			if d := romtest.FirstDiff(ours, theirs); d >= 0 {
				t.Errorf("payload ROM differs from cbfstool's at %#x", d)
			}

			// Read ours back with cbfstool print -v and compare segments.
			oursPath := filepath.Join(dir, "ours.rom")
			romtest.WriteFile(t, oursPath, ours)
			out := romtest.Run(t, dir, "cbfstool", oursPath, "print", "-v")
			got := printedSegments(t, out)
			segs, err := c.Segments("fallback/payload")
			if err != nil {
				t.Fatal(err)
			}
			want := describe(segs)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("cbfstool print -v segments:\n%s\nours:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func ptr(s string) *string { return &s }

// TestCrossCheckOversize: cbfstool refuses too, and we say by how much.
func TestCrossCheckOversize(t *testing.T) {
	romtest.Need(t, "cbfstool", "fmaptool")
	dir := t.TempDir()
	romPath := romtest.NewROM(t, dir, romtest.FMD(0x10000, 0xee00))
	rom := romtest.ReadFile(t, romPath)
	c := coreboot(t, rom)
	free := c.FreeSpace()
	size := int(free) - cbfs.HeaderSize("big") + 123
	data := make([]byte, size)
	romtest.WriteFile(t, filepath.Join(dir, "big"), data)
	if _, err := romtest.Try(dir, "cbfstool", romPath, "add", "-n", "big", "-f", "big", "-t", "raw"); err == nil {
		t.Fatal("cbfstool accepted an oversize file")
	}
	err := c.Add("big", cbfs.TypeRaw, data)
	if !errors.Is(err, cbfs.ErrNoSpace) {
		t.Fatalf("err = %v, want ErrNoSpace", err)
	}
	if !strings.Contains(err.Error(), "over by 123 bytes") {
		t.Errorf("message %q does not say over by 123 bytes", err)
	}
	if d := romtest.FirstDiff(rom, romtest.ReadFile(t, romPath)); d >= 0 {
		t.Errorf("failed add modified the region at %#x", d)
	}
	// One byte less than the limit fits.
	if err := c.Add("big", cbfs.TypeRaw, data[:size-123]); err != nil {
		t.Errorf("add of exactly the free space: %v", err)
	}
}

func TestFileTypeNames(t *testing.T) {
	for _, c := range []struct {
		t    cbfs.FileType
		want string
	}{
		{cbfs.TypeRaw, "raw"},
		{cbfs.TypeSELF, "simple elf"},
		{cbfs.TypeNull, "null"},
		{cbfs.FileType(0x1234), "(unknown 0x1234)"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("%#x: %q, want %q", uint32(c.t), got, c.want)
		}
		if got := fmt.Sprintf("%v", c.t); got != c.want {
			t.Errorf("%#x formatted: %q", uint32(c.t), got)
		}
	}
	if typ, err := cbfs.SimpleType("raw"); err != nil || typ != cbfs.TypeRaw {
		t.Errorf("SimpleType(raw) = %v, %v", typ, err)
	}
	if _, err := cbfs.SimpleType("stage"); !errors.Is(err, cbfs.ErrUnknownType) || !strings.Contains(err.Error(), "supported: ") {
		t.Errorf("SimpleType(stage): %v", err)
	}
}
