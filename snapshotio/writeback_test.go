package snapshotio

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestWriteFileWriteback saves a file larger than several buffers with a
// small writeback lag, so that both the start and the wait hints run, and
// checks that the file reads back whole.
func TestWriteFileWriteback(t *testing.T) {
	defer func(old int64) { writebackLag = old }(writebackLag)
	writebackLag = 1 << 20
	rng := rand.New(rand.NewPCG(3, 4))
	items := []item{{Record{Key: []byte("big"), Dtype: "u8", Itemsize: 1, Length: 3*fileBufSize + 12345}, dataRandom(rng, 3*fileBufSize+12345)}}
	dir := t.TempDir()
	mustWriteFile(t, dir, "dump.numkv", items)
	mustEqualItems(t, mustReadFile(t, filepath.Join(dir, "dump.numkv")), items)
}

// TestAsyncWriterNoWriteback writes through a file that refuses
// sync_file_range (a character device): the hints stop and the writes go on.
func TestAsyncWriterNoWriteback(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sink bytes.Buffer
	a := newAsyncWriter(&sink, 1<<10, f, nil)
	data := bytes.Repeat([]byte("numkv"), 1000)
	if _, err := a.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sink.Bytes(), data) {
		t.Fatalf("wrote %d bytes, want %d", sink.Len(), len(data))
	}
	if runtime.GOOS == "linux" && a.hints {
		t.Fatalf("sync_file_range on %s did not fail, or its failure did not stop the hints", os.DevNull)
	}
}
