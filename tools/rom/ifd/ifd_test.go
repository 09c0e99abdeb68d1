package ifd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

// x230Image builds a 12 MiB image with an x230-style IFDv1 descriptor:
// descriptor 4 KiB, GbE 8 KiB, cleaned ME 96 KiB, BIOS the rest.
func x230Image() []byte {
	img := bytes.Repeat([]byte{0xff}, 12<<20)
	le := binary.LittleEndian
	le.PutUint32(img[0x10:], Signature)
	le.PutUint32(img[0x14:], 0x04040003) // FCBA 0x30, FRBA 0x40, NR 4
	le.PutUint32(img[0x18:], 0x12100206)
	le.PutUint32(img[0x1c:], 0x00210120)
	le.PutUint32(img[0x30:], 0x00000024) // FLCOMP: 20 MHz read => IFDv1
	for i, r := range []uint32{0x00000000, 0x0bff001b, 0x001a0003, 0x00020001, 0x00001fff} {
		le.PutUint32(img[0x40+4*i:], r)
	}
	for i := 0x1000; i < 0x1b000; i++ {
		img[i] = byte(i * 7)
	}
	return img
}

func TestParseX230(t *testing.T) {
	d, err := Parse(x230Image())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name        string
		base, limit uint32
		used        bool
	}{
		{"fd", 0, 0xfff, true},
		{"bios", 0x1b000, 0xbfffff, true},
		{"me", 0x3000, 0x1afff, true},
		{"gbe", 0x1000, 0x2fff, true},
		{"pd", 0xfff000, 0xfff, false},
	}
	if len(d.Regions) != len(want) {
		t.Fatalf("%d regions, want %d", len(d.Regions), len(want))
	}
	for i, w := range want {
		r := d.Regions[i]
		if r.Short != w.name || r.Base != w.base || r.Limit != w.limit || r.Used() != w.used {
			t.Errorf("region %d = %+v, want %+v", i, r, w)
		}
	}
	if me, _ := d.Lookup("ME"); me.Size() != 98304 {
		t.Errorf("ME size %d", me.Size())
	}
	if gbe, _ := d.Lookup("gbe"); gbe.Size() != 8192 {
		t.Errorf("GbE size %d", gbe.Size())
	}
}

func TestParseErrors(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
		msg    string
	}{
		{"short", func(b []byte) []byte { return b[:100] }, ErrNoDescriptor, "needs 4096"},
		{"no signature", func(b []byte) []byte { b[0x10] = 0; return b }, ErrNoDescriptor, "at offset 0x10"},
		{"region past end", func(b []byte) []byte { return b[:8<<20] }, ErrCorrupt, "BIOS"},
		{"overlap", func(b []byte) []byte { le.PutUint32(b[0x48:], 0x001a0002); return b }, ErrCorrupt, "overlaps"},
		{"FRBA outside", func(b []byte) []byte {
			le.PutUint32(b[0x14:], 0xff040003)
			le.PutUint32(b[0x14:], 0x00ff0003)
			return b
		}, ErrCorrupt, "FRBA"},
		{"descriptor not at 0", func(b []byte) []byte {
			le.PutUint32(b[0x40:], 0x00010001)
			le.PutUint32(b[0x4c:], 0x00020002)
			return b
		}, ErrCorrupt, "does not start at 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.mutate(x230Image()))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestReplace(t *testing.T) {
	tests := []struct {
		region string
		size   int
		want   error
		msg    string
	}{
		{"me", 5000, nil, ""},
		{"ME", 98304, nil, ""},
		{"me", 98304 + 5, ErrTooBig, "over by 5 bytes"},
		{"gbe", 8192, nil, ""},
		{"gbe", 8193, ErrTooBig, "over by 1 bytes"},
		{"pd", 1, ErrUnused, "Platform Data"},
		{"bios", 1, ErrUnknownRegion, "BIOS"},
		{"nope", 1, ErrUnknownRegion, "used regions: fd, bios, me, gbe"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%d", tc.region, tc.size), func(t *testing.T) {
			img := x230Image()
			orig := append([]byte(nil), img...)
			d, err := Parse(img)
			if err != nil {
				t.Fatal(err)
			}
			data := bytes.Repeat([]byte{0x5a}, tc.size)
			r, err := d.Lookup(tc.region)
			if err == nil {
				err = Replace(img, r, data)
			}
			if tc.want != nil {
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err = %v, want %v containing %q", err, tc.want, tc.msg)
				}
				if !bytes.Equal(img, orig) {
					t.Error("failed Replace modified the image")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := img[r.Base : r.Limit+1]
			if !bytes.Equal(got[:tc.size], data) || len(bytes.Trim(got[tc.size:], "\xff")) != 0 {
				t.Error("region not data followed by 0xff")
			}
			if !bytes.Equal(img[:r.Base], orig[:r.Base]) || !bytes.Equal(img[r.Limit+1:], orig[r.Limit+1:]) {
				t.Error("bytes outside the region changed")
			}
		})
	}
}

func TestReplaceDescriptorMustParse(t *testing.T) {
	img := x230Image()
	d, _ := Parse(img)
	r, _ := d.Lookup("descriptor")
	if err := Replace(img, r, make([]byte, 16)); !errors.Is(err, ErrNoDescriptor) {
		t.Errorf("err = %v, want ErrNoDescriptor", err)
	}
	newDesc := append([]byte(nil), img[:0x1000]...)
	binary.LittleEndian.PutUint32(newDesc[0x4c:], 0x00010001) // GbE shrinks to 4 KiB
	if err := Replace(img, r, newDesc); err != nil {
		t.Fatal(err)
	}
	d2, err := Parse(img)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Regions[RegionGbE].Size() != 0x1000 {
		t.Errorf("GbE size after new descriptor: %#x", d2.Regions[RegionGbE].Size())
	}
}

var ifdtoolRegion = regexp.MustCompile(`Flash Region (\d+) \(([^)]*)\): ([0-9a-f]{8}) - ([0-9a-f]{8})( \(unused\))?`)

// TestCrossCheckIfdtool compares region parsing with ifdtool -d and -x and
// region replacement with ifdtool -i.
func TestCrossCheckIfdtool(t *testing.T) {
	romtest.Need(t, "ifdtool")
	dir := t.TempDir()
	img := x230Image()
	romPath := filepath.Join(dir, "x230.rom")
	romtest.WriteFile(t, romPath, img)
	d, err := Parse(img)
	if err != nil {
		t.Fatal(err)
	}

	out := romtest.Run(t, dir, "ifdtool", "-d", romPath)
	ms := ifdtoolRegion.FindAllStringSubmatch(out, -1)
	if len(ms) != len(d.Regions) {
		t.Fatalf("ifdtool -d lists %d regions, we parse %d:\n%s", len(ms), len(d.Regions), out)
	}
	for _, m := range ms {
		i, _ := strconv.Atoi(m[1])
		base, _ := strconv.ParseUint(m[3], 16, 32)
		limit, _ := strconv.ParseUint(m[4], 16, 32)
		r := d.Regions[i]
		if r.Name != m[2] || uint64(r.Base) != base || uint64(r.Limit) != limit || r.Used() != (m[5] == "") {
			t.Errorf("ifdtool: %q; ours: %+v used=%v", m[0], r, r.Used())
		}
	}

	romtest.Run(t, dir, "ifdtool", "-x", romPath)
	for _, r := range d.Regions {
		if !r.Used() {
			continue
		}
		name := fmt.Sprintf("flashregion_%d_%s.bin", r.Index, strings.ReplaceAll(strings.ToLower(r.Name), " ", ""))
		if r.Index == RegionME {
			name = "flashregion_2_intel_me.bin"
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("ifdtool -x: %v", err)
			continue
		}
		if !bytes.Equal(got, img[r.Base:r.Limit+1]) {
			t.Errorf("ifdtool -x %s differs from our region [%#x-%#x]", name, r.Base, r.Limit)
		}
	}

	for _, tc := range []struct {
		tool, ours string
		size       int
	}{{"ME", "me", 5000}, {"GbE", "gbe", 8192}, {"GbE", "gbe", 100}} {
		// ifdtool -i leaves the old bytes after a short module where we
		// pad with 0xff, so compare on an image whose region is erased.
		r, err := d.Lookup(tc.ours)
		if err != nil {
			t.Fatal(err)
		}
		base := append([]byte(nil), img...)
		fillRegion(base[r.Base:r.Limit+1], nil)
		basePath := filepath.Join(dir, "erased.rom")
		romtest.WriteFile(t, basePath, base)
		mod := filepath.Join(dir, "module.bin")
		data := bytes.Repeat([]byte("mod"), tc.size/3+1)[:tc.size]
		romtest.WriteFile(t, mod, data)
		outPath := filepath.Join(dir, "injected.rom")
		romtest.Run(t, dir, "ifdtool", "-i", tc.tool+":"+mod, "-O", outPath, basePath)
		ours := append([]byte(nil), img...)
		if err := Replace(ours, r, data); err != nil {
			t.Fatal(err)
		}
		if diff := romtest.FirstDiff(ours, romtest.ReadFile(t, outPath)); diff >= 0 {
			t.Errorf("ifdtool -i %s:%d bytes differs from ours at %#x", tc.tool, tc.size, diff)
		}
	}
}
