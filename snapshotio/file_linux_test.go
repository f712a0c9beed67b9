package snapshotio

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"unsafe"
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

// cachedPages counts the pages of the file at path that sit in the page
// cache (mincore(2) over a mapping of it).
func cachedPages(t *testing.T, path string) (cached, pages int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	pages = (len(m) + os.Getpagesize() - 1) / os.Getpagesize()
	vec := make([]byte, pages)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	for _, v := range vec {
		cached += int(v & 1)
	}
	return cached, pages
}

// TestWriteFileDirect saves files whose ends fall around the alignment of
// direct writes, and checks that each reads back whole and that only its
// last, partial buffer went through the page cache: the full buffers went
// to the disk with O_DIRECT. It fails, rather than skips, where the test's
// temporary directory refuses O_DIRECT, because then saves there would run
// through the page cache.
func TestWriteFileDirect(t *testing.T) {
	dir := t.TempDir()
	if f, err := openDirect(filepath.Join(dir, "probe")); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("O_DIRECT refused in %s: %v", dir, err)
		}
	} else {
		f.Close()
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, extra := range []int{0, 1, directAlign - 1, directAlign, directAlign + 1, fileBufSize - 1} {
		n := 2*fileBufSize + extra
		items := []item{{Record{Key: []byte("big"), Dtype: "u8", Itemsize: 1, Length: int64(n)}, dataRandom(rng, n)}}
		path := filepath.Join(dir, "dump.numkv")
		mustWriteFile(t, dir, "dump.numkv", items)
		cached, pages := cachedPages(t, path)
		if tail := (fileBufSize + os.Getpagesize() - 1) / os.Getpagesize(); cached > tail {
			t.Errorf("%d bytes of data: %d of the file's %d pages are in the page cache, want at most the last buffer's %d", n, cached, pages, tail)
		}
		mustEqualItems(t, mustReadFile(t, path), items)
	}
}

// refusingDirect stands for a file system that takes the first `ok`
// direct writes, then answers err.
type refusingDirect struct {
	f     *os.File
	ok    int
	err   error
	wrote int // bytes taken
}

func (r *refusingDirect) WriteAt(p []byte, off int64) (int, error) {
	if r.ok == 0 {
		return 0, r.err
	}
	r.ok--
	n, err := r.f.WriteAt(p, off)
	r.wrote += n
	return n, err
}

func (r *refusingDirect) Close() error { return nil }

// TestAsyncWriterDirectRefused: a direct write refused with EINVAL goes
// through the page cache instead, as do all after it, at the right offsets;
// any other error is the save's error.
func TestAsyncWriterDirectRefused(t *testing.T) {
	data := make([]byte, 5*directAlign+123)
	for i := range data {
		data[i] = byte(i * 31)
	}
	for _, tc := range []struct {
		err  error
		want error
	}{{syscall.EINVAL, nil}, {syscall.EIO, syscall.EIO}} {
		f, err := os.Create(filepath.Join(t.TempDir(), "f"))
		if err != nil {
			t.Fatal(err)
		}
		direct := &refusingDirect{f: f, ok: 2, err: tc.err}
		a := newAsyncWriter(f, directAlign, f, direct)
		a.Write(data)
		if err := a.Flush(); !errors.Is(err, tc.want) {
			t.Fatalf("direct write answers %v: Flush returned %v, want %v", tc.err, err, tc.want)
		}
		if tc.want == nil {
			got, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("file differs from what was written (%d bytes, want %d)", len(got), len(data))
			}
			if nodir, want := len(data)-direct.wrote, len(data)-2*directAlign; nodir != want {
				t.Fatalf("%d bytes went through the page cache, want %d", nodir, want)
			}
		}
		f.Close()
	}
}
