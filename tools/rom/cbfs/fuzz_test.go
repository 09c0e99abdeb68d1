package cbfs

import (
	"bytes"
	"testing"
)

// emptyCBFS returns a region formatted as cbfstool create leaves it.
func emptyCBFS(size int) []byte {
	b := bytes.Repeat([]byte{0xff}, size)
	c := &CBFS{buf: b}
	c.writeEmpty(0, uint64(size-emptyHeaderSize))
	return b
}

func FuzzCBFS(f *testing.F) {
	seed := emptyCBFS(0x1000)
	c, _ := Open(seed)
	_ = c.Add("a", TypeRaw, []byte("hello"))
	_ = c.Add("fallback/payload", TypeSELF, marshalSegments([]Segment{{Type: SegEntry, LoadAddr: 0x40000}}))
	f.Add(append([]byte(nil), seed...), "b", []byte("data"))
	f.Add(emptyCBFS(0x100), "x", []byte{})
	f.Add([]byte(Magic), "n", []byte{1})
	f.Fuzz(func(t *testing.T, region []byte, name string, data []byte) {
		c, err := Open(region)
		if err != nil {
			return
		}
		for _, fl := range c.Files() {
			if fl.Type == TypeSELF {
				_, _ = ParsePayload(c.Data(fl))
			}
		}
		before := append([]byte(nil), region...)
		free := c.FreeSpace()
		err = c.Add(name, TypeRaw, data)
		if err != nil {
			if !bytes.Equal(before, region) {
				t.Fatalf("failed Add changed the region: %v", err)
			}
			return
		}
		if uint64(HeaderSize(name)+len(data)) > free {
			t.Fatalf("Add stored %d bytes with only %d free", HeaderSize(name)+len(data), free)
		}
		// Parse -> write -> parse: the new image parses and holds the file.
		c2, err := Open(region)
		if err != nil {
			t.Fatalf("image after Add does not parse: %v", err)
		}
		got, err := c2.Extract(name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %q: %v", name, err)
		}
		if err := c2.Remove(name); err != nil {
			t.Fatalf("remove: %v", err)
		}
		if _, err := Open(region); err != nil {
			t.Fatalf("image after Remove does not parse: %v", err)
		}
	})
}

func FuzzLinuxPayload(f *testing.F) {
	k := make([]byte, 0x800)
	copy(k[0x202:], "HdrS")
	k[0x206], k[0x207] = 0x0f, 0x02
	k[0x234] = 1
	k[0x260] = 1
	f.Add(k, []byte("initrd"), "console=ttyS0", true, true)
	f.Fuzz(func(t *testing.T, kernel, initrd []byte, cmdline string, hasInitrd, hasCmdline bool) {
		p, err := BuildLinuxPayload(LinuxPayload{Kernel: kernel, Initrd: initrd, HasInitrd: hasInitrd,
			Cmdline: cmdline, HasCmdline: hasCmdline, Trampoline: []byte{0x90}})
		if err != nil {
			return
		}
		segs, err := ParsePayload(p)
		if err != nil {
			t.Fatalf("built payload does not parse: %v", err)
		}
		if segs[len(segs)-1].Type != SegEntry {
			t.Fatal("no entry segment")
		}
	})
}
