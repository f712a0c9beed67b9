package snapshotio

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestWriteFileFullDisk saves onto a real full file system, a 256 KiB
// tmpfs, where mounting one is allowed (root on Linux). Elsewhere it says
// so and checks the same with an injected ENOSPC, as TestWriteFileErrors
// does.
func TestWriteFileFullDisk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	old := normalize(sampleItems(rng, 4096)[:3])
	big := []item{{Record{Key: []byte("big"), Dtype: "u8", Itemsize: 1, Length: 1 << 20}, dataRandom(rng, 1<<20)}}

	dir := t.TempDir()
	mounted := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k") == nil
	if mounted {
		t.Cleanup(func() {
			if err := syscall.Unmount(dir, 0); err != nil {
				t.Errorf("unmount %s: %v", dir, err)
			}
		})
	} else {
		t.Logf("cannot mount a tmpfs here; injecting ENOSPC instead")
	}
	mustWriteFile(t, dir, "dump.numkv", old)
	fill := func(w *Writer) error { return writeItems(w, big, 64<<10) }
	var err error
	if mounted {
		_, err = WriteFile(dir, "dump.numkv", Options{Codec: CodecNone}, fill)
	} else {
		_, err = writeFile(dir, "dump.numkv", Options{Codec: CodecNone}, fill, enospc(200<<10))
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("saving 1 MiB onto 256 KiB: %v, want ENOSPC", err)
	}
	mustEqualItems(t, mustReadFile(t, filepath.Join(dir, "dump.numkv")), old)
	if names := mustDirEntries(t, dir); !slices.Equal(names, []string{"dump.numkv"}) {
		t.Fatalf("directory holds %v", names)
	}
	// The space is free again: a save that fits succeeds.
	mustWriteFile(t, dir, "dump.numkv", old[:1])
	if _, err := os.Stat(filepath.Join(dir, "dump.numkv")); err != nil {
		t.Fatal(err)
	}
}
