package commands

// The bitmap commands, as Redis 7.0's bitops.c answers them: GETBIT, SETBIT,
// BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO. A variable's bytes
// are its bitmap, whatever its element type; bit 0 is the most
// significant bit of byte 0. A write that grows a variable whose element
// is wider than a byte must leave whole elements (checkElem).
//
// The scans (BITCOUNT, BITPOS, BITOP) read the tree's chunks in place,
// several words at a time; BITOP computes a large result a window at a
// time straight into the new tree's chunks, so that a 64 MiB result costs
// no Go heap and no copy.

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"

	"numkv/keytab"
	"numkv/memtree"
	"numkv/resp"
)

// parseBitOffset is getBitOffsetFromArgument: a bit offset whose byte is
// below maxBulk. With width > 0 (BITFIELD), "#n" means n*width, multiplied
// as C does, wrapping, so that a product past int64 reads as out of range.
func parseBitOffset(b []byte, width int, maxBulk int64) (int64, bool) {
	hash := width > 0 && len(b) > 0 && b[0] == '#'
	if hash {
		b = b[1:]
	}
	n, ok := resp.ParseInt(b)
	if hash {
		n *= int64(width)
	}
	if !ok || n < 0 || n>>3 >= maxBulk {
		return 0, false
	}
	return n, true
}

// bitOffset is parseBitOffset for GETBIT and SETBIT, replying the error.
func (s *Server) bitOffset(c *client, b []byte) (int64, bool) {
	n, ok := parseBitOffset(b, 0, s.maxBulkLen())
	if !ok {
		c.err(msgBitOffset)
	}
	return n, ok
}

// bitmapFor is lookupStringForBitCommand: the variable at key, created or
// zero-padded so that bit maxBit exists, and whether it was created or
// grown. A value is left "raw", as Redis's dbUnshareStringValue leaves it.
// A new key is not signalled to WATCH: the caller does that when it counts
// a change, which a BITFIELD whose every write fails never does. It
// returns nil after replying the error of a variable that would be left
// with a partial element.
func (s *Server) bitmapFor(c *client, key []byte, maxBit uint64) (*variable, bool) {
	n := int(maxBit>>3) + 1
	v := s.lookup(c, c.db, key, true)
	if v == nil {
		r, nv := newRecord(key, 0, -1)
		nv.tree().WriteAt([]byte{0}, n-1)
		nv.setEnc(encRaw)
		return s.storeUnsignalled(c, c.db, key, r), true
	}
	grown := n > v.Len()
	if grown {
		if !checkElem(c, v, int64(n)) {
			return nil, false
		}
		v.mut().WriteAt([]byte{0}, n-1)
	}
	v.setEnc(encRaw)
	return v, grown
}

// readByte returns byte off of v, which must exist.
func readByte(v *variable, off int64) byte {
	var b [1]byte
	v.ReadAt(b[:], int(off))
	return b[0]
}

func cmdGetbit(s *Server, c *client, args [][]byte) {
	off, ok := s.bitOffset(c, args[2])
	if !ok {
		return
	}
	v := s.lookupRead(c, args[1])
	if v == nil || off>>3 >= int64(v.Len()) {
		c.integer(0)
		return
	}
	c.integer(int64(readByte(v, off>>3)>>(7-off&7)) & 1)
}

// cmdSetbit changes the key (and counts it dirty) only when it is created,
// grows or the bit flips, as Redis 7.0 does.
func cmdSetbit(s *Server, c *client, args [][]byte) {
	off, ok := s.bitOffset(c, args[2])
	if !ok {
		return
	}
	on, ok := resp.ParseInt(args[3])
	if !ok || on&^1 != 0 {
		c.err(msgBitValue)
		return
	}
	v, grown := s.bitmapFor(c, args[1], uint64(off))
	if v == nil {
		return
	}
	pos, shift := off>>3, 7-off&7
	b := readByte(v, pos)
	old := int64(b>>shift) & 1
	if grown || old != on {
		v.mut().WriteAt([]byte{b&^(1<<shift) | byte(on)<<shift}, int(pos))
		s.modified(c.db, args[1], 1)
	}
	c.integer(old)
}

// popcount counts the set bits of v's bytes [start, end].
func popcount(v *variable, start, end int64) int64 {
	var n int64
	v.Chunks(int(start), int(end-start+1), func(p []byte) bool {
		for len(p) >= 32 {
			n += int64(bits.OnesCount64(binary.LittleEndian.Uint64(p[0:8])) +
				bits.OnesCount64(binary.LittleEndian.Uint64(p[8:16])) +
				bits.OnesCount64(binary.LittleEndian.Uint64(p[16:24])) +
				bits.OnesCount64(binary.LittleEndian.Uint64(p[24:32])))
			p = p[32:]
		}
		for len(p) >= 8 {
			n += int64(bits.OnesCount64(binary.LittleEndian.Uint64(p)))
			p = p[8:]
		}
		for _, b := range p {
			n += int64(bits.OnesCount8(b))
		}
		return true
	})
	return n
}

// cmdBitcount follows Redis 7.0 to the letter: the key first (a missing key
// is 0 whatever the arguments), then the range, BYTE or BIT.
func cmdBitcount(s *Server, c *client, args [][]byte) {
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.integer(0)
		return
	}
	n := int64(v.Len())
	var start, end int64
	var firstMask, lastMask byte
	switch len(args) {
	case 2:
		start, end = 0, n-1
	case 4, 5:
		var ok bool
		if start, ok = intArg(c, args[2]); !ok {
			return
		}
		if end, ok = intArg(c, args[3]); !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			c.integer(0)
			return
		}
		isBit := false
		if len(args) == 5 {
			if isBit, ok = bitUnit(c, args[4]); !ok {
				return
			}
		}
		total := n
		if isBit {
			total <<= 3
		}
		start, end = clampRange(start, end, total)
		if isBit && start <= end {
			firstMask = ^byte(1<<(8-start&7) - 1)
			lastMask = byte(1<<(7-end&7) - 1)
			start >>= 3
			end >>= 3
		}
	default:
		c.err(msgSyntax)
		return
	}
	if start > end {
		c.integer(0)
		return
	}
	count := popcount(v, start, end)
	if firstMask != 0 {
		count -= int64(bits.OnesCount8(readByte(v, start) & firstMask))
	}
	if lastMask != 0 {
		count -= int64(bits.OnesCount8(readByte(v, end) & lastMask))
	}
	c.integer(count)
}

// bitUnit parses BITCOUNT's and BITPOS's BIT|BYTE: true for BIT.
func bitUnit(c *client, b []byte) (bool, bool) {
	switch {
	case equalFold(b, "bit"):
		return true, true
	case equalFold(b, "byte"):
		return false, true
	}
	c.err(msgSyntax)
	return false, false
}

// cmdBitpos follows Redis 7.0's order: the bit argument, then the key (a
// missing key answers at once, whatever follows: -1 for a 1, 0 for a 0),
// then the range. Not finding a 0 answers the bit after the range when no
// end was given (the value reads as zero-padded), else -1.
func cmdBitpos(s *Server, c *client, args [][]byte) {
	bit, ok := intArg(c, args[2])
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.err(msgBitArg)
		return
	}
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.integer(-bit)
		return
	}
	n := int64(v.Len())
	start, end := int64(0), n-1
	isBit, endGiven := false, false
	switch len(args) {
	case 3:
	case 4, 5, 6:
		if start, ok = intArg(c, args[3]); !ok {
			return
		}
		if len(args) == 6 {
			if isBit, ok = bitUnit(c, args[5]); !ok {
				return
			}
		}
		if len(args) >= 5 {
			if end, ok = intArg(c, args[4]); !ok {
				return
			}
			endGiven = true
		}
		total := n
		if isBit {
			total <<= 3
		}
		start, end = clampRange(start, end, total)
	default:
		c.err(msgSyntax)
		return
	}
	if start > end {
		c.integer(-1)
		return
	}
	if !isBit {
		start, end = start<<3, end<<3|7
	}
	pos := firstBit(v, start, end, byte(bit))
	if pos < 0 && bit == 0 && !endGiven {
		pos = end + 1
	}
	c.integer(pos)
}

// firstBit returns the position of the first bit equal to bit among bits
// [sb, eb] of v, or -1. Bytes are flipped when looking for a 0, so that
// every search is for a 1.
func firstBit(v *variable, sb, eb int64, bit byte) int64 {
	flip := bit - 1 // 0xff for a 0
	b0, b1 := sb>>3, eb>>3
	head := byte(0xff) >> (sb & 7)   // the bits of byte b0 in the range
	tail := byte(0xff) << (7 - eb&7) // those of byte b1
	if b0 == b1 {
		return bitIn((readByte(v, b0)^flip)&head&tail, b0)
	}
	lo, hi := b0, b1 // whole bytes [lo, hi)
	if head != 0xff {
		if p := bitIn((readByte(v, b0)^flip)&head, b0); p >= 0 {
			return p
		}
		lo++
	}
	if tail == 0xff {
		hi++
	}
	if p := scanBits(v, lo, hi-lo, flip); p >= 0 {
		return p
	}
	if tail != 0xff {
		return bitIn((readByte(v, b1)^flip)&tail, b1)
	}
	return -1
}

// bitIn returns the position of x's first set bit, x being byte at, or
// -1 when x is 0.
func bitIn(x byte, at int64) int64 {
	if x == 0 {
		return -1
	}
	return at<<3 + int64(bits.LeadingZeros8(x))
}

// scanBits returns the position of the first bit of v's bytes
// [off, off+n) that differs from flip's, or -1.
func scanBits(v *variable, off, n int64, flip byte) int64 {
	skip := uint64(flip) * 0x0101010101010101
	pos, at := int64(-1), off
	v.Chunks(int(off), int(n), func(p []byte) bool {
		if i := skipRun(p, skip); i < len(p) {
			pos = bitIn(p[i]^flip, at+int64(i))
			return false
		}
		at += int64(len(p))
		return true
	})
	return pos
}

// skipRun returns the length of p's longest prefix of bytes equal to
// skip's, skip being 0 or all ones. It goes a cache line at a time,
// folding eight words into one compare: the scan of a large value is then
// bound by memory, not by the loop (an eight-byte loop, as Redis's, runs
// at half the rate on a busy machine; BenchmarkBitmap).
func skipRun(p []byte, skip uint64) int {
	n := len(p)
	if skip == 0 {
		for len(p) >= 64 {
			if le.Uint64(p[0:8])|le.Uint64(p[8:16])|le.Uint64(p[16:24])|le.Uint64(p[24:32])|
				le.Uint64(p[32:40])|le.Uint64(p[40:48])|le.Uint64(p[48:56])|le.Uint64(p[56:64]) != 0 {
				break
			}
			p = p[64:]
		}
	} else {
		for len(p) >= 64 {
			if le.Uint64(p[0:8])&le.Uint64(p[8:16])&le.Uint64(p[16:24])&le.Uint64(p[24:32])&
				le.Uint64(p[32:40])&le.Uint64(p[40:48])&le.Uint64(p[48:56])&le.Uint64(p[56:64]) != skip {
				break
			}
			p = p[64:]
		}
	}
	for len(p) >= 8 && le.Uint64(p) == skip {
		p = p[8:]
	}
	for len(p) > 0 && p[0] == byte(skip) {
		p = p[1:]
	}
	return n - len(p)
}

// BITOP's operations.
const (
	bitopAnd = iota
	bitopOr
	bitopXor
	bitopNot
)

// bitopWindow is the most bytes of BITOP's result computed in one pass
// over the sources, so that the piece of the result stays in cache while
// each source is folded into it. A result up to this size is computed on
// the heap and stored as SET would store it; a larger one is computed in
// the new tree's own chunks (memtree.Builder.Fill), which are no larger
// than 128 KiB. A variable only so that tests can shrink it to cross
// windows with small values.
var bitopWindow = 64 << 10

// cmdBitop is Redis 7.0's bitopCommand: the destination becomes a plain
// "raw" string as long as the longest source, without a TTL, missing
// sources and the ends of shorter ones reading as zeros; a result of no
// bytes deletes the destination. Every source is read as its bytes,
// whatever its element type.
func cmdBitop(s *Server, c *client, args [][]byte) {
	var op int
	switch {
	case equalFold(args[1], "and"):
		op = bitopAnd
	case equalFold(args[1], "or"):
		op = bitopOr
	case equalFold(args[1], "xor"):
		op = bitopXor
	case equalFold(args[1], "not"):
		op = bitopNot
	default:
		c.err(msgSyntax)
		return
	}
	if op == bitopNot && len(args) != 4 {
		c.err(msgBitopNot)
		return
	}
	dst := args[2]
	srcs := make([]*variable, len(args)-3)
	maxLen := 0
	for i, key := range args[3:] {
		// Redis's lookupKeyRead: a hit or a miss, and an expired key
		// deleted (the command holds the write locks).
		v := s.lookup(c, c.db, key, true)
		if v == nil {
			s.misses.Add(1)
			continue
		}
		s.hits.Add(1)
		srcs[i] = v
		maxLen = max(maxLen, v.Len())
	}
	if maxLen == 0 {
		// dbDelete: an expired destination still counts as deleted.
		if s.removeKey(c, c.db, dst) {
			s.modified(c.db, dst, 1)
		}
		c.integer(0)
		return
	}
	var r keytab.Rec
	if maxLen <= bitopWindow {
		buf := make([]byte, maxLen)
		bitopInto(op, srcs, 0, buf)
		r, _ = newValue(dst, 0, buf) // in its record if it is small
	} else {
		// Straight into the new tree's chunks, a window at a time.
		var b memtree.Builder
		for off := 0; off < maxLen; {
			b.Fill(min(bitopWindow, maxLen-off), func(p []byte) {
				bitopInto(op, srcs, off, p)
				off += len(p)
			})
		}
		var v *variable
		r, v = newRecord(dst, 0, -1)
		b.BuildTo(v.tree())
	}
	varOf(r).setEnc(encRaw)
	s.store(c, c.db, dst, r)
	s.modified(c.db, dst, 1)
	c.integer(int64(maxLen))
}

// bitopInto computes bytes [off, off+len(out)) of op over srcs into out.
// A nil source, and a source past its end, read as zeros.
func bitopInto(op int, srcs []*variable, off int, out []byte) {
	at := 0
	if v := srcs[0]; v != nil && off < v.Len() {
		v.Chunks(off, min(len(out), v.Len()-off), func(p []byte) bool {
			at += copy(out[at:], p)
			return true
		})
	}
	clear(out[at:])
	if op == bitopNot {
		notBytes(out)
		return
	}
	for _, v := range srcs[1:] {
		at := 0
		if v != nil && off < v.Len() {
			v.Chunks(off, min(len(out), v.Len()-off), func(p []byte) bool {
				combine(op, out[at:at+len(p)], p)
				at += len(p)
				return true
			})
		}
		if op == bitopAnd {
			clear(out[at:])
		}
	}
}

// combine sets dst to dst op src; the two are as long.
func combine(op int, dst, src []byte) {
	switch op {
	case bitopAnd:
		andBytes(dst, src)
	case bitopOr:
		orBytes(dst, src)
	case bitopXor:
		xorBytes(dst, src)
	}
}

// The loops below go 32 bytes at a time as four words, which the compiler
// turns into plain loads and stores without bounds checks.

func andBytes(dst, src []byte) {
	for len(dst) >= 32 && len(src) >= 32 {
		le.PutUint64(dst[0:8], le.Uint64(dst[0:8])&le.Uint64(src[0:8]))
		le.PutUint64(dst[8:16], le.Uint64(dst[8:16])&le.Uint64(src[8:16]))
		le.PutUint64(dst[16:24], le.Uint64(dst[16:24])&le.Uint64(src[16:24]))
		le.PutUint64(dst[24:32], le.Uint64(dst[24:32])&le.Uint64(src[24:32]))
		dst, src = dst[32:], src[32:]
	}
	for i := range min(len(dst), len(src)) {
		dst[i] &= src[i]
	}
}

func orBytes(dst, src []byte) {
	for len(dst) >= 32 && len(src) >= 32 {
		le.PutUint64(dst[0:8], le.Uint64(dst[0:8])|le.Uint64(src[0:8]))
		le.PutUint64(dst[8:16], le.Uint64(dst[8:16])|le.Uint64(src[8:16]))
		le.PutUint64(dst[16:24], le.Uint64(dst[16:24])|le.Uint64(src[16:24]))
		le.PutUint64(dst[24:32], le.Uint64(dst[24:32])|le.Uint64(src[24:32]))
		dst, src = dst[32:], src[32:]
	}
	for i := range min(len(dst), len(src)) {
		dst[i] |= src[i]
	}
}

func xorBytes(dst, src []byte) {
	for len(dst) >= 32 && len(src) >= 32 {
		le.PutUint64(dst[0:8], le.Uint64(dst[0:8])^le.Uint64(src[0:8]))
		le.PutUint64(dst[8:16], le.Uint64(dst[8:16])^le.Uint64(src[8:16]))
		le.PutUint64(dst[16:24], le.Uint64(dst[16:24])^le.Uint64(src[16:24]))
		le.PutUint64(dst[24:32], le.Uint64(dst[24:32])^le.Uint64(src[24:32]))
		dst, src = dst[32:], src[32:]
	}
	for i := range min(len(dst), len(src)) {
		dst[i] ^= src[i]
	}
}

func notBytes(b []byte) {
	for len(b) >= 32 {
		le.PutUint64(b[0:8], ^le.Uint64(b[0:8]))
		le.PutUint64(b[8:16], ^le.Uint64(b[8:16]))
		le.PutUint64(b[16:24], ^le.Uint64(b[16:24]))
		le.PutUint64(b[24:32], ^le.Uint64(b[24:32]))
		b = b[32:]
	}
	for i := range b {
		b[i] = ^b[i]
	}
}

var le = binary.LittleEndian

// BITFIELD's subcommands and overflow behaviours.
const (
	bfGet = iota
	bfSet
	bfIncrby
)

const (
	owWrap = iota
	owSat
	owFail
)

// bitfieldOp is one GET, SET or INCRBY of BITFIELD, with the OVERFLOW in
// force where it stands.
type bitfieldOp struct {
	off    uint64 // in bits
	arg    int64  // SET's value, INCRBY's increment
	code   uint8
	ow     uint8
	width  uint8 // 1..64 signed, 1..63 unsigned
	signed bool
}

// parseBitfield parses BITFIELD's subcommands, the arguments after the
// key, left to right as Redis 7.0 does, and returns them, whether any of
// them writes, the last bit a write reaches, or the first error's text.
func parseBitfield(args [][]byte, maxBulk int64) (ops []bitfieldOp, write bool, highest uint64, msg string) {
	ow := uint8(owWrap)
	for j := 0; j < len(args); j++ {
		more := len(args) - j - 1
		var op bitfieldOp
		switch {
		case equalFold(args[j], "get") && more >= 2:
			op.code = bfGet
		case equalFold(args[j], "set") && more >= 3:
			op.code = bfSet
		case equalFold(args[j], "incrby") && more >= 3:
			op.code = bfIncrby
		case equalFold(args[j], "overflow") && more >= 1:
			j++
			switch {
			case equalFold(args[j], "wrap"):
				ow = owWrap
			case equalFold(args[j], "sat"):
				ow = owSat
			case equalFold(args[j], "fail"):
				ow = owFail
			default:
				return nil, false, 0, msgBitfieldOverflow
			}
			continue
		default:
			return nil, false, 0, msgSyntax
		}
		signed, width, ok := parseBitfieldType(args[j+1])
		if !ok {
			return nil, false, 0, msgBitfieldType
		}
		off, ok := parseBitOffset(args[j+2], width, maxBulk)
		if !ok {
			return nil, false, 0, msgBitOffset
		}
		op.off, op.ow, op.width, op.signed = uint64(off), ow, uint8(width), signed
		if op.code != bfGet {
			write = true
			highest = max(highest, op.off+uint64(width)-1)
			if op.arg, ok = resp.ParseInt(args[j+3]); !ok {
				return nil, false, 0, msgNotInt
			}
			j++
		}
		ops = append(ops, op)
		j += 2
	}
	return ops, write, highest, ""
}

// parseBitfieldType is getBitfieldTypeFromArgument: i1..i64 or u1..u63,
// the letter in lower case. Redis reads the width as a C string, so it
// ends at a NUL byte.
func parseBitfieldType(b []byte) (signed bool, width int, ok bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 || (b[0] != 'i' && b[0] != 'u') {
		return false, 0, false
	}
	signed = b[0] == 'i'
	n, ok := resp.ParseInt(b[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, int(n), true
}

func cmdBitfield(s *Server, c *client, args [][]byte)   { s.bitfield(c, args, false) }
func cmdBitfieldRO(s *Server, c *client, args [][]byte) { s.bitfield(c, args, true) }

// bitfield is Redis 7.0's bitfieldGeneric. Every argument is checked
// before anything runs. Only GETs read the key as it is, so a missing key
// stays missing; a write first creates or zero-pads the value up to the
// last bit written, and counts one change per write that changed a field,
// or every write when the value was created or grown. An OVERFLOW FAIL
// that trips replies null and writes nothing.
func (s *Server) bitfield(c *client, args [][]byte, readonly bool) {
	ops, write, highest, msg := parseBitfield(args[2:], s.maxBulkLen())
	if msg != "" {
		c.err(msg)
		return
	}
	var v *variable
	grown := false
	if !write {
		v = s.lookupRead(c, args[1])
	} else {
		if readonly {
			c.err(msgBitfieldRO)
			return
		}
		if v, grown = s.bitmapFor(c, args[1], highest); v == nil {
			return
		}
	}
	c.array(len(ops))
	var changes int64
	for _, op := range ops {
		// Up to 9 bytes hold a field of up to 64 bits at any bit offset;
		// past the end they read as zeros.
		var buf [9]byte
		at := int(op.off >> 3)
		if v != nil && at < v.Len() {
			v.ReadAt(buf[:min(len(buf), v.Len()-at)], at)
		}
		shift, width := uint(op.off&7), uint(op.width)
		raw := getField(&buf, shift, width)
		old := int64(raw)
		if op.signed {
			old = signExtend(raw, width)
		}
		if op.code == bfGet {
			c.integer(old)
			continue
		}
		var nv, reply int64
		var over int
		if op.signed {
			nv = op.arg
			if op.code == bfIncrby {
				nv = old + op.arg
			}
			var lim int64
			if op.code == bfIncrby {
				over, lim = signedOverflow(old, op.arg, width, op.ow)
			} else {
				over, lim = signedOverflow(op.arg, 0, width, op.ow)
			}
			if over != 0 {
				nv = lim
			}
		} else {
			var lim uint64
			un := uint64(op.arg)
			if op.code == bfIncrby {
				un = raw + uint64(op.arg)
				over, lim = unsignedOverflow(raw, op.arg, width, op.ow)
			} else {
				over, lim = unsignedOverflow(uint64(op.arg), 0, width, op.ow)
			}
			if over != 0 {
				un = lim
			}
			nv = int64(un)
		}
		if over != 0 && op.ow == owFail {
			c.null()
			continue
		}
		reply = old // SET replies the old value, INCRBY the new one
		if op.code == bfIncrby {
			reply = nv
		}
		c.integer(reply)
		if grown || nv != old {
			changes++
		}
		if nv != old {
			setField(&buf, shift, width, uint64(nv))
			v.mut().WriteAt(buf[:(shift+width+7)/8], at)
		}
	}
	if changes > 0 {
		s.modified(c.db, args[1], changes)
	}
}

// getField returns the width bits (1..64) that start shift bits (0..7)
// into buf, most significant first, as an unsigned number.
func getField(buf *[9]byte, shift, width uint) uint64 {
	w := binary.BigEndian.Uint64(buf[:8])
	x := w << shift >> (64 - width)
	if end := shift + width; end > 64 {
		x |= uint64(buf[8] >> (72 - end))
	}
	return x
}

// setField writes the low width bits of x where getField reads them.
func setField(buf *[9]byte, shift, width uint, x uint64) {
	w := binary.BigEndian.Uint64(buf[:8])
	end := shift + width
	mask := uint64(math.MaxUint64) >> shift
	if end <= 64 {
		mask &^= uint64(math.MaxUint64) >> end // 0 when end is 64
		w = w&^mask | x<<(64-end)&mask
	} else {
		r := end - 64 // the bits that spill into buf[8]
		w = w&^mask | x>>r&mask
		m := byte(0xff) << (8 - r)
		buf[8] = buf[8]&^m | byte(x<<(8-r))&m
	}
	binary.BigEndian.PutUint64(buf[:8], w)
}

// signExtend reads the low width bits of x as a two's complement number.
func signExtend(x uint64, width uint) int64 {
	return int64(x<<(64-width)) >> (64 - width)
}

// unsignedOverflow is checkUnsignedBitfieldOverflow: whether value+incr
// leaves an unsigned field of width bits (1 above, -1 below, else 0) and,
// if so, what WRAP or SAT store instead. A SET passes its value with incr
// 0, so a negative value, read as a huge unsigned one, is above.
func unsignedOverflow(value uint64, incr int64, width uint, ow uint8) (int, uint64) {
	top := uint64(1)<<width - 1
	maxIncr := int64(top - value)
	minIncr := -int64(value)
	var dir int
	switch {
	case value > top || (incr > 0 && incr > maxIncr):
		dir = 1
	case incr < 0 && incr < minIncr:
		dir = -1
	default:
		return 0, 0
	}
	switch {
	case ow == owWrap:
		return dir, (value + uint64(incr)) & top
	case dir > 0:
		return dir, top
	}
	return dir, 0
}

// signedOverflow is checkSignedBitfieldOverflow, with C's wrapping
// arithmetic in its limits: a SET of a value far below the range can read
// as above it (SET i8 0 -9223372036854775808 saturates to 127), as in
// Redis.
func signedOverflow(value, incr int64, width uint, ow uint8) (int, int64) {
	top := int64(math.MaxInt64)
	if width < 64 {
		top = 1<<(width-1) - 1
	}
	bottom := -top - 1
	maxIncr := int64(uint64(top) - uint64(value))
	minIncr := bottom - value
	var dir int
	switch {
	case value > top || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		dir = 1
	case value < bottom || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		dir = -1
	default:
		return 0, 0
	}
	switch {
	case ow == owWrap:
		x := uint64(value) + uint64(incr)
		if width < 64 {
			return dir, signExtend(x, width)
		}
		return dir, int64(x)
	case dir > 0:
		return dir, top
	}
	return dir, bottom
}
