package cbfs

import (
	"bytes"
	"testing"

	"github.com/rules-heads/rules_heads/tools/rom/romtest"
)

// emptyCBFS returns a region formatted as cbfstool create leaves it.
func emptyCBFS(size int) []byte {
	b := bytes.Repeat([]byte{0xff}, size)
	c := &CBFS{buf: b}
	c.writeEmpty(0, uint64(size-emptyHeaderSize))
	return b
}

func TestMain(m *testing.M) { romtest.FuzzMain(m) }

func FuzzCBFS(f *testing.F) {
	seed := emptyCBFS(0x1000)
	c, _ := Open(seed)
	_ = c.Add("a", TypeRaw, []byte("hello"))
	_ = c.Add("fallback/payload", TypeSELF, marshalSegments([]Segment{{Type: SegEntry, LoadAddr: 0x40000}}))
	f.Add(append([]byte(nil), seed...), "b", []byte("data"))
	f.Add(emptyCBFS(0x100), "x", []byte{})
	f.Add([]byte(Magic), "n", []byte{1})
	f.Fuzz(checkCBFS)
}

// checkCBFS is the body of FuzzCBFS.
func checkCBFS(t *testing.T, region []byte, name string, data []byte) {
	// Add and Remove edit the region in place, and a fuzz function
	// must not modify its arguments: work on a copy.
	region = append([]byte(nil), region...)
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

// TestCheckCBFSKeepsInput replays FuzzCBFS inputs whose Add succeeds and
// checks that the fuzz body leaves its arguments alone: the fuzzing engine
// reuses argument memory for later mutations and minimization, and an
// in-place edit made it report failures that did not replay.
func TestCheckCBFSKeepsInput(t *testing.T) {
	seed := emptyCBFS(0x1000)
	c, _ := Open(seed)
	_ = c.Add("a", TypeRaw, []byte("hello"))
	for _, tc := range []struct {
		name   string
		region []byte
		file   string
		data   []byte
	}{
		{"empty region", emptyCBFS(0x100), "x", []byte("data")},
		{"region with a file", seed, "b", []byte("data")},
		{"failing add", emptyCBFS(0x100), "a", make([]byte, 0x200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			region := append([]byte(nil), tc.region...)
			data := append([]byte(nil), tc.data...)
			checkCBFS(t, region, tc.file, data)
			if !bytes.Equal(region, tc.region) || !bytes.Equal(data, tc.data) {
				t.Fatal("the fuzz body modified its arguments")
			}
		})
	}
}

// TestLinuxPayloadInitrdWithoutFlag is the FuzzLinuxPayload crasher in
// testdata: initrd bytes with HasInitrd false emitted a sixth segment into
// a five-slot table (index out of range). They are now ignored.
func TestLinuxPayloadInitrdWithoutFlag(t *testing.T) {
	k := make([]byte, 0x804)
	copy(k[0x202:], "HdrS")
	for _, hasCmdline := range []bool{false, true} {
		p, err := BuildLinuxPayload(LinuxPayload{Kernel: k, Initrd: []byte("initrd"), Cmdline: "console=ttyS0",
			HasCmdline: hasCmdline, Trampoline: []byte{0x90}})
		if err != nil {
			t.Fatal(err)
		}
		want, err := BuildLinuxPayload(LinuxPayload{Kernel: k, Cmdline: "console=ttyS0",
			HasCmdline: hasCmdline, Trampoline: []byte{0x90}})
		if err != nil || !bytes.Equal(p, want) {
			t.Fatalf("cmdline %v: payload with ignored initrd differs from one without (%v)", hasCmdline, err)
		}
	}
}
