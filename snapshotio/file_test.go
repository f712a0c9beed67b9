package snapshotio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// mustDirEntries returns the names in dir.
func mustDirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// mustWriteFile saves items to dir/name with WriteFile.
func mustWriteFile(t *testing.T, dir, name string, items []item) int64 {
	t.Helper()
	n, err := WriteFile(dir, name, Options{BlockSize: 4096}, func(w *Writer) error {
		return writeItems(w, items, 1000)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustReadFile(t *testing.T, path string) []item {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return mustReadAll(t, data, readWriteTo)
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 3 {
		items := normalize(sampleItems(rng, 4096))
		n := mustWriteFile(t, dir, "dump.numkv", items)
		fi, err := os.Stat(filepath.Join(dir, "dump.numkv"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != n {
			t.Fatalf("round %d: WriteFile returned %d, file has %d bytes", round, n, fi.Size())
		}
		mustEqualItems(t, mustReadFile(t, filepath.Join(dir, "dump.numkv")), items)
		if names := mustDirEntries(t, dir); !slices.Equal(names, []string{"dump.numkv"}) {
			t.Fatalf("round %d: directory holds %v", round, names)
		}
		if _, err := CheckFile(filepath.Join(dir, "dump.numkv")); err != nil {
			t.Fatal(err)
		}
	}
}

// failingSave describes one way a save can fail.
type failingSave struct {
	name string
	fill func(*Writer) error
	wrap func(io.Writer) io.Writer
	want error
}

// enospc returns a wrap hook for writeFile whose writer fills up after
// limit bytes.
func enospc(limit int) func(io.Writer) io.Writer {
	return func(io.Writer) io.Writer { return &failWriter{limit: limit, err: syscall.ENOSPC} }
}

// failingSaves lists failing saves of items, whose snapshot takes size
// bytes.
func failingSaves(items []item, size int) []failingSave {
	errFill := errors.New("tree walk failed")
	fillAll := func(w *Writer) error { return writeItems(w, items, 1000) }
	return []failingSave{
		{"fill fails first", func(*Writer) error { return errFill }, nil, errFill},
		{"fill fails midway", func(w *Writer) error {
			if err := writeItems(w, items[:len(items)/2], 1000); err != nil {
				return err
			}
			return errFill
		}, nil, errFill},
		{"fill leaves a record open", func(w *Writer) error {
			return w.BeginRecord(&Record{Dtype: "u8", Itemsize: 1, Length: 1})
		}, nil, ErrOrder},
		{"ENOSPC at once", fillAll, enospc(0), syscall.ENOSPC},
		{"ENOSPC midway", fillAll, enospc(5000), syscall.ENOSPC},
		{"ENOSPC in the last flush", fillAll, enospc(size - 10), syscall.ENOSPC},
	}
}

// TestWriteFileErrors checks that a failed save keeps the old snapshot and
// leaves no temporary file.
func TestWriteFileErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	old := normalize(sampleItems(rng, 4096))
	items := normalize(sampleItems(rng, 4096))
	size := len(mustWrite(t, Options{BlockSize: 4096}, items, 0))
	for _, tc := range failingSaves(items, size) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWriteFile(t, dir, "dump.numkv", old)
			_, err := writeFile(dir, "dump.numkv", Options{BlockSize: 4096}, tc.fill, tc.wrap)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			mustEqualItems(t, mustReadFile(t, filepath.Join(dir, "dump.numkv")), old)
			if names := mustDirEntries(t, dir); !slices.Equal(names, []string{"dump.numkv"}) {
				t.Fatalf("directory holds %v", names)
			}
		})
	}
	t.Run("ENOSPC seen by fill", func(t *testing.T) {
		// The error comes with the second buffer. Fill gets that buffer back
		// (so the error is stored) before it can fill a fourth, and writes
		// at least one more 1 MiB piece after that: it must see the error
		// whatever the timing.
		big := []item{{Record{Key: []byte("big"), Dtype: "u8", Itemsize: 1, Length: 4 * fileBufSize}, dataRandom(rng, 4*fileBufSize)}}
		dir := t.TempDir()
		mustWriteFile(t, dir, "dump.numkv", old)
		var fillErr error
		_, err := writeFile(dir, "dump.numkv", Options{}, func(w *Writer) error {
			fillErr = writeItems(w, big, 1<<20)
			return fillErr
		}, enospc(fileBufSize+100))
		if !errors.Is(fillErr, syscall.ENOSPC) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("fill got %v, WriteFile returned %v", fillErr, err)
		}
		mustEqualItems(t, mustReadFile(t, filepath.Join(dir, "dump.numkv")), old)
		if names := mustDirEntries(t, dir); !slices.Equal(names, []string{"dump.numkv"}) {
			t.Fatalf("directory holds %v", names)
		}
	})
	t.Run("fill panics", func(t *testing.T) {
		dir := t.TempDir()
		mustWriteFile(t, dir, "dump.numkv", old)
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			WriteFile(dir, "dump.numkv", Options{}, func(w *Writer) error { panic("boom") })
		}()
		mustEqualItems(t, mustReadFile(t, filepath.Join(dir, "dump.numkv")), old)
		if names := mustDirEntries(t, dir); !slices.Equal(names, []string{"dump.numkv"}) {
			t.Fatalf("directory holds %v", names)
		}
	})
	t.Run("rename fails", func(t *testing.T) {
		dir := t.TempDir()
		// A non-empty directory where the snapshot should go.
		if err := os.MkdirAll(filepath.Join(dir, "dump.numkv", "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteFile(dir, "dump.numkv", Options{}, func(w *Writer) error { return writeItems(w, items, 0) }); err == nil {
			t.Fatal("renaming over a directory succeeded")
		}
		if names := mustDirEntries(t, dir); !slices.Equal(names, []string{"dump.numkv"}) {
			t.Fatalf("directory holds %v", names)
		}
	})
	t.Run("no directory", func(t *testing.T) {
		_, err := WriteFile(filepath.Join(t.TempDir(), "missing"), "dump.numkv", Options{}, func(*Writer) error { return nil })
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v, want ErrNotExist", err)
		}
	})
	t.Run("empty snapshot", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := WriteFile(dir, "dump.numkv", Options{}, func(*Writer) error { return nil }); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "dump.numkv"))
		if err != nil {
			t.Fatal(err)
		}
		if got := mustReadAll(t, data, readWriteTo); len(got) != 0 || !bytes.HasPrefix(data, []byte(magic)) {
			t.Fatalf("empty snapshot reads as %v", got)
		}
	})
}
