package snapshotio

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Summary describes a snapshot that Check read.
type Summary struct {
	Version   int
	BlockSize int   // from the header
	Size      int64 // bytes of the file read
	Records   int64
	DataBytes int64 // sum of Record.Length
	Expiring  int64 // records with an expiry
	DBs       map[int]DBStats
	// Blocks counts blocks by how they are stored: "none" (including
	// blocks a codec did not shrink enough), "s2", "zstd", "fill" (one
	// repeated byte).
	Blocks   map[string]BlockStats
	Shuffled int64 // blocks stored byte-shuffled
}

// DBStats counts one database's records.
type DBStats struct {
	Records   int64
	DataBytes int64
}

// BlockStats counts the blocks stored one way.
type BlockStats struct {
	Blocks      int64
	RawBytes    int64
	StoredBytes int64
}

// blockKindNames names the codec bytes in Summary.Blocks.
var blockKindNames = [numBlockKinds]string{blockStored: "none", blockS2: "s2", blockZstd: "zstd", blockFill: "fill"}

// Check reads a whole snapshot, decoding and verifying every block, and
// summarizes it. On error the Summary covers what was read before it; the
// error is as for NewReader and Reader.Next.
func Check(r io.Reader) (Summary, error) {
	return check(r, ReaderOptions{})
}

// CheckFile is Check on the file at path, whose name its errors carry.
func CheckFile(path string) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, fmt.Errorf("snapshotio: %w", err)
	}
	defer f.Close()
	return check(f, ReaderOptions{Path: path})
}

func check(r io.Reader, opt ReaderOptions) (s Summary, err error) {
	s = Summary{DBs: map[int]DBStats{}, Blocks: map[string]BlockStats{}}
	rd, err := NewReader(r, opt)
	if err != nil {
		return s, err
	}
	s.Version, s.BlockSize = Version, rd.BlockSize()
	defer func() {
		s.Size = rd.Offset()
		for i, c := range blockKindNames {
			if n := rd.stats.blocks[i]; n > 0 {
				s.Blocks[c] = BlockStats{n, rd.stats.rawBytes[i], rd.stats.storedBytes[i]}
			}
		}
		s.Shuffled = rd.stats.shuffled
	}()
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		if _, err := rd.WriteTo(io.Discard); err != nil {
			return s, err
		}
		s.Records++
		s.DataBytes += rec.Length
		if rec.ExpireAtMs != 0 {
			s.Expiring++
		}
		d := s.DBs[rec.DB]
		d.Records++
		d.DataBytes += rec.Length
		s.DBs[rec.DB] = d
	}
}

// String formats s for people, one fact a line, in the spirit of
// redis-check-rdb.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "format version %d, block size %d\n", s.Version, s.BlockSize)
	fmt.Fprintf(&b, "%d bytes, %d records, %d data bytes, %d with an expiry\n", s.Size, s.Records, s.DataBytes, s.Expiring)
	dbs := make([]int, 0, len(s.DBs))
	for db := range s.DBs {
		dbs = append(dbs, db)
	}
	slices.Sort(dbs)
	for _, db := range dbs {
		d := s.DBs[db]
		fmt.Fprintf(&b, "db %d: %d records, %d data bytes\n", db, d.Records, d.DataBytes)
	}
	for _, c := range blockKindNames {
		if bs, ok := s.Blocks[c]; ok {
			ratio := float64(bs.RawBytes) / float64(max(bs.StoredBytes, 1))
			fmt.Fprintf(&b, "blocks %s: %d, %d raw bytes stored in %d (%.2fx)\n", c, bs.Blocks, bs.RawBytes, bs.StoredBytes, ratio)
		}
	}
	if s.Shuffled > 0 {
		fmt.Fprintf(&b, "blocks byte-shuffled: %d\n", s.Shuffled)
	}
	return b.String()
}
