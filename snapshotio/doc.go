// Package snapshotio reads and writes numkv snapshot files: one flat file
// holding every variable of every database, written sequentially and read
// back in one sequential pass.
//
// The package knows nothing about numkv's trees. A snapshot is a sequence of
// records; each record is a header (database, key, dtype, shape, expiry,
// length) followed by the variable's bytes, which the caller streams in and
// out in chunks of any size.
//
// # Concurrency and memory
//
// A Writer or a Reader is used by one goroutine at a time; distinct ones are
// independent. Writer.BeginRecord and Writer.Write never retain the caller's
// slices after they return. Reader.Next returns a fresh Record that belongs
// to the caller. Reader.WriteTo lends its internal buffer to the destination
// for the duration of each Write call, as io.Writer allows.
//
// Memory is bounded by the format's constants, never by what a file
// claims: a Reader holds at most three block buffers (raw, stored and, for
// shuffled blocks, unshuffled; each at most MaxBlockSize bytes) and one
// record header (at most about MaxKeyLen bytes), and checks every length
// against those bounds before allocating for it. A Writer holds its block
// buffers and a 1 MiB output buffer.
//
// # File format, version 1
//
// All integers are little-endian. CRC is CRC-32C (Castagnoli), as computed by
// hash/crc32 with crc32.Castagnoli, stored as a uint32. Every byte of the
// file is covered by a CRC, except the magic and the version, which are
// compared against known values. A file is
//
//	file    = header frame* trailer
//
// The header, 20 bytes:
//
//	+----------------+-------------+---------------+-------------+
//	| magic (8)      | version (4) | blockSize (4) | crc (4)     |
//	| "\x89numkv\r\n"| uint32 = 1  | uint32        | of bytes 0-15
//	+----------------+-------------+---------------+-------------+
//
// blockSize is the largest raw length of any block in the file,
// 1..MaxBlockSize. A reader checks the magic first (ErrBadMagic), then the
// version (ErrVersion, before anything else is trusted, since another
// version may lay out the rest differently), then the CRC (ErrChecksum).
//
// Records and the trailer are frames. A frame starts with a 9-byte preamble
// whose own CRC lets a reader trust bodyLen before reading the body:
//
//	+---------+--------------+-------------------------+
//	| tag (1) | bodyLen (4)  | crc (4) of bytes 0-4    |
//	+---------+--------------+-------------------------+
//	| body (bodyLen bytes)   | crc (4) of the body     |
//	+------------------------+-------------------------+
//
// tag is 'R' (0x52) for a record or 'E' (0x45) for the trailer.
//
// A record body, 30 fixed bytes then the variable part:
//
//	offset size field
//	0      4    db        uint32, 0..MaxDB
//	4      4    itemsize  uint32, 1..MaxItemsize, bytes of one scalar
//	8      8    expireAt  int64, unix milliseconds, >= 0; 0 means none
//	16     8    length    uint64, 0..2^63-1, bytes of data that follow
//	24     4    keyLen    uint32, 0..MaxKeyLen
//	28     1    dtypeLen  uint8, 1..MaxDtypeLen
//	29     1    rank      uint8, 0..MaxRank
//	30     keyLen           key, any bytes
//	       dtypeLen         dtype, ASCII 0x21..0x7e (e.g. "f32", "bf16", "V12")
//	       8*rank           shape, rank int64 dimensions, each >= 0
//
// bodyLen must equal exactly 30+keyLen+dtypeLen+8*rank. The bounds are
// constants of the format: MaxDB = 2^31-1, MaxItemsize = 65536,
// MaxKeyLen = 512 MiB, MaxDtypeLen = 32, MaxRank = 64, and for blocks
// MaxBlockSize = 16 MiB.
//
// The record's data follows its frame as blocks. Blocks are cut every
// blockSize raw bytes of one record (the last one may be shorter), never
// span two records, and there are exactly as many as it takes to cover
// length; a record of length 0 has none. A block:
//
//	+-------------+---------------+-----------+-------------+-------------+
//	| rawLen (4)  | storedLen (4) | codec (1) | shuffle (1) | crc (4) of  |
//	| uint32      | uint32        | uint8     | uint8       | bytes 0-9   |
//	+-------------+---------------+-----------+-------------+-------------+
//	| stored (storedLen bytes)                | crc (4) of stored bytes   |
//	+-----------------------------------------+---------------------------+
//
//	rawLen     1..min(blockSize, bytes of the record still to come)
//	codec      0 stored as is (storedLen == rawLen),
//	           1 S2 block format (github.com/klauspost/compress/s2),
//	           2 one Zstandard frame,
//	           3 fill: rawLen copies of the one stored byte (storedLen == 1);
//	           compressed blocks (1, 2, 3) have 1 <= storedLen < rawLen
//	shuffle    0 none, or a width w in 2..255 (only with codec 1 or 2): the
//	           decompressed bytes are byte planes, Blosc-style. For the first
//	           n = rawLen/w scalars, plane j holds byte j of every scalar in
//	           order, and the planes follow one another; the last rawLen%w
//	           bytes are not shuffled and come last, as they are.
//
// A reader accepts any mix of codecs and shuffles, block by block. This
// package's Writer, unless told to use no codec, writes a block of one
// repeated byte (zeros, mostly) as a fill block, which a reader expands at
// memset speed where S2 would decode it at about 1 GB/s. It stores any
// other block as is unless its codec saves at least an eighth of it, and
// shuffles only when asked to (Options.Shuffle).
//
// The trailer is a frame with tag 'E' and a 16-byte body:
//
//	offset size field
//	0      8    records    uint64, the number of records in the file
//	8      8    dataBytes  uint64, the sum of their lengths
//
// Nothing may follow the trailer. A reader checks both counts against what
// it read.
//
// The constants of this format are marked "part of the file format; never
// change". A change to the layout gets a new version number, a new golden
// file in testdata/, and a reader that still reads every older version.
package snapshotio
