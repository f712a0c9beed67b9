package snapshotio

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad reads arbitrary bytes as a snapshot. It must never panic or
// allocate past the format's bounds; an error must be a classified
// *FormatError; and whatever it accepts must survive a write and a read
// unchanged. Seeds: every file in testdata/, plus small snapshots of each
// codec. Crashers land in testdata/fuzz/FuzzLoad/, which go test replays.
func FuzzLoad(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.numkv"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, opt := range []Options{{Codec: CodecNone, BlockSize: 16}, {Codec: CodecS2, BlockSize: 64}, {Codec: CodecZstd, Shuffle: true, BlockSize: 100}} {
		items := normalize(sampleItems(rng, opt.BlockSize)[:6])
		f.Add(mustWrite(f, opt, items, 0))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := readAll(bytes.NewReader(data), readWriteTo)
		s, cerr := Check(bytes.NewReader(data))
		if (err == nil) != (cerr == nil) {
			t.Fatalf("Reader says %v, Check says %v", err, cerr)
		}
		if err != nil {
			checkRefusal(t, err, nil, "Reader")
			checkRefusal(t, cerr, nil, "Check")
		} else {
			if s.Size != int64(len(data)) || s.Records != int64(len(items)) {
				t.Fatalf("accepted %d bytes, %d records, but Check says %+v", len(data), len(items), s)
			}
			mustRoundTrip(t, items, s.BlockSize)
		}

		// Again with checksums ignored, so that the fuzzer's mutations
		// reach the parsing and the decoders behind them.
		items, err = readAllSums(bytes.NewReader(data), readSmall, true)
		if err != nil {
			checkRefusal(t, err, nil, "Reader ignoring checksums")
			return
		}
		mustRoundTrip(t, items, 4096)
	})
}

// mustRoundTrip writes items and reads them back unchanged.
func mustRoundTrip(t *testing.T, items []item, blockSize int) {
	t.Helper()
	items = normalize(items)
	again := mustWrite(t, Options{BlockSize: blockSize}, items, 0)
	mustEqualItems(t, normalize(mustReadAll(t, again, readSmall)), items)
}
