package ifd

import (
	"bytes"
	"reflect"
	"testing"
)

func FuzzParse(f *testing.F) {
	// A small IFDv1 image (descriptor, GbE, ME, BIOS of 4 KiB each): big
	// seeds make the fuzzer crawl.
	img := x230Image()[:0x4000]
	for i, r := range []uint32{0x00000000, 0x00030003, 0x00020002, 0x00010001, 0x00001fff} {
		img[0x40+4*i], img[0x41+4*i], img[0x42+4*i], img[0x43+4*i] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
	}
	f.Add(img, uint8(2), []byte("me"))
	f.Fuzz(func(t *testing.T, img []byte, idx uint8, data []byte) {
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
	})
}
