package ifd

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

func TestMain(m *testing.M) { romtest.FuzzMain(m) }

// fuzzSeed is a small IFDv1 image (descriptor, GbE, ME, BIOS of 4 KiB
// each): big seeds make the fuzzer crawl.
func fuzzSeed() []byte {
	img := x230Image()[:0x4000]
	for i, r := range []uint32{0x00000000, 0x00030003, 0x00020002, 0x00010001, 0x00001fff} {
		img[0x40+4*i], img[0x41+4*i], img[0x42+4*i], img[0x43+4*i] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
	}
	return img
}

func FuzzParse(f *testing.F) {
	img := fuzzSeed()
	f.Add(img, uint8(2), []byte("me"))
	f.Fuzz(checkParse)
}

// checkParse is the body of FuzzParse.
func checkParse(t *testing.T, img []byte, idx uint8, data []byte) {
	// Replace edits the image in place, and a fuzz function must not
	// modify its arguments: work on a copy.
	img = append([]byte(nil), img...)
	d, err := Parse(img)
	if err != nil {
		return
	}
	// Round trip: re-encoding every FLREG gives the same table.
	cp := append([]byte(nil), img...)
	d2 := *d
	d2.Regions = append([]Region(nil), d.Regions...)
	for _, r := range d.Regions {
		if r.Used() {
			if err := PutRegion(cp, &d2, r.Index, r.Base, r.Limit); err != nil {
				t.Fatal(err)
			}
		}
	}
	again, err := Parse(cp)
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	if !reflect.DeepEqual(again.Regions, d.Regions) && !bytes.Equal(cp, img) {
		for i := range d.Regions {
			a, b := again.Regions[i], d.Regions[i]
			if a.Base != b.Base || a.Limit != b.Limit {
				t.Fatalf("region %d: %+v != %+v", i, a, b)
			}
		}
	}
	r := d.Regions[int(idx)%len(d.Regions)]
	before := append([]byte(nil), img...)
	if err := Replace(img, r, data); err != nil {
		if !bytes.Equal(before, img) {
			t.Fatalf("failed Replace changed the image: %v", err)
		}
		return
	}
	if !bytes.Equal(img[r.Base:uint64(r.Base)+uint64(len(data))], data) {
		t.Fatal("region content differs")
	}
	if _, err := Parse(img); err != nil {
		t.Fatalf("image after Replace does not parse: %v", err)
	}
}

// TestCheckParseKeepsInput replays FuzzParse inputs whose Replace succeeds
// and checks that the fuzz body leaves its arguments alone: the fuzzing
// engine reuses argument memory for later mutations and minimization.
func TestCheckParseKeepsInput(t *testing.T) {
	img := fuzzSeed()
	for _, tc := range []struct {
		name string
		idx  uint8
		data []byte
	}{
		{"replace ME", RegionME, []byte("me")},
		{"replace GbE", RegionGbE, bytes.Repeat([]byte{1}, 0x1000)},
		{"too big", RegionME, make([]byte, 0x1001)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]byte(nil), img...)
			data := append([]byte(nil), tc.data...)
			checkParse(t, in, tc.idx, data)
			if !bytes.Equal(in, img) || !bytes.Equal(data, tc.data) {
				t.Fatal("the fuzz body modified its arguments")
			}
		})
	}
}
