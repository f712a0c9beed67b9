package commands

import (
	"encoding/binary"
	"hash/crc64"
	"math"
	"sync/atomic"

	"numkv/snapshotio"
)

// DUMP and RESTORE carry a variable between servers as one opaque bulk:
// numkv's own payload, not Redis's RDB object, since it must carry a dtype
// and a shape. The format, all integers little-endian:
//
//	magic     4 bytes   "NKVD"
//	version   2 bytes   dumpVersion
//	dtype     1 byte n, then n bytes: the dtype's name ("f32", "V12", ...)
//	rank      1 byte r, then r 8-byte dimensions: the row shape
//	length    8 bytes   bytes of data
//	data      length bytes, the variable's bytes as NUM.READ returns them
//	crc       8 bytes   CRC-64 (ECMA) of everything before it
//
// RESTORE answers Redis's "DUMP payload version or checksum are wrong" for
// a payload whose magic, version, length or CRC is off, and "Bad data
// format" for one that checks out but describes no variable numkv can
// hold (an unknown dtype, a length that is not a whole number of rows).
// The expiry, the access clock and the LFU counter are not in the payload:
// RESTORE takes them as arguments, as in Redis.
const (
	dumpMagic   = "NKVD"
	dumpVersion = 1
	dumpFixed   = 4 + 2 + 1 + 1 + 8 + 8 // magic, version, dtype and rank lengths, length, crc
)

var crc64Table = crc64.MakeTable(crc64.ECMA)

// dumpPayload returns v's DUMP payload.
func dumpPayload(v *variable) []byte {
	t := v.typ()
	n := v.Len()
	b := appendDumpHeader(make([]byte, 0, dumpFixed+len(t.dt.name)+8*len(t.shape)+n), v)
	b, _ = v.AppendRange(b, 0, n)
	return binary.LittleEndian.AppendUint64(b, crc64Checksum(b))
}

// appendDumpHeader appends v's payload up to its data: magic, version,
// dtype, shape and length. MIGRATE sends it alone for a variable it sends
// in parts.
func appendDumpHeader(b []byte, v *variable) []byte {
	t := v.typ()
	b = append(b, dumpMagic...)
	b = binary.LittleEndian.AppendUint16(b, dumpVersion)
	b = append(b, byte(len(t.dt.name)))
	b = append(b, t.dt.name...)
	b = append(b, byte(len(t.shape)))
	for _, d := range t.shape {
		b = binary.LittleEndian.AppendUint64(b, uint64(d))
	}
	return binary.LittleEndian.AppendUint64(b, uint64(v.Len()))
}

func crc64Checksum(b []byte) uint64 { return crc64.Checksum(b, crc64Table) }

// verifyDump checks a payload's frame (Redis's verifyDumpPayload).
func verifyDump(p []byte) bool {
	if len(p) < dumpFixed || string(p[:4]) != dumpMagic || binary.LittleEndian.Uint16(p[4:]) != dumpVersion {
		return false
	}
	body := p[:len(p)-8]
	return crc64Checksum(body) == binary.LittleEndian.Uint64(p[len(p)-8:])
}

// parseDump decodes a verified payload into the variable's type and data,
// or reports false.
func parseDump(p []byte) (*elemType, []byte, bool) {
	t, n, data, ok := parseDumpFields(p[6 : len(p)-8])
	if !ok || n != uint64(len(data)) {
		return nil, nil, false
	}
	return t, data, true
}

// parseDumpHeader parses a payload's header alone (appendDumpHeader's
// bytes): the type and the data's length.
func parseDumpHeader(h []byte) (*elemType, int64, bool) {
	if len(h) < 6 || string(h[:4]) != dumpMagic || binary.LittleEndian.Uint16(h[4:]) != dumpVersion {
		return nil, 0, false
	}
	t, n, rest, ok := parseDumpFields(h[6:])
	if !ok || len(rest) != 0 {
		return nil, 0, false
	}
	return t, int64(n), true
}

// parseDumpFields decodes the fields after the version (dtype, shape,
// length) and returns what follows them.
func parseDumpFields(body []byte) (t *elemType, n uint64, rest []byte, ok bool) {
	if len(body) < 1 || int(body[0]) > snapshotio.MaxDtypeLen || len(body) < 1+int(body[0])+1 {
		return nil, 0, nil, false
	}
	rec := snapshotio.Record{Dtype: string(body[1 : 1+body[0]])}
	body = body[1+body[0]:]
	rank := int(body[0])
	body = body[1:]
	if rank > snapshotio.MaxRank || len(body) < 8*rank+8 {
		return nil, 0, nil, false
	}
	for i := 0; i < rank; i++ {
		d := int64(binary.LittleEndian.Uint64(body[8*i:]))
		if d < 1 {
			return nil, 0, nil, false
		}
		rec.Shape = append(rec.Shape, d)
	}
	n = binary.LittleEndian.Uint64(body[8*rank:])
	if n > math.MaxInt64 {
		return nil, 0, nil, false
	}
	rec.Length = int64(n)
	t, err := recordType(&rec)
	if err != nil {
		return nil, 0, nil, false
	}
	return t, n, body[8*rank+8:], true
}

func cmdDump(s *Server, c *client, args [][]byte) {
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.null()
		return
	}
	c.bulk(dumpPayload(v))
}

// cmdRestore is Redis 7.0's restoreCommand, checks in its order: the
// options, then whether the key exists (BUSYKEY), then the TTL, then the
// payload.
func cmdRestore(s *Server, c *client, args [][]byte) {
	var replace, absttl bool
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case equalFold(args[j], "replace"):
			replace = true
		case equalFold(args[j], "absttl"):
			absttl = true
		case equalFold(args[j], "idletime") && more >= 1 && freq == -1:
			n, ok := intArg(c, args[j+1])
			if !ok {
				return
			}
			if n < 0 {
				c.err(msgInvalidIdletime)
				return
			}
			idle = n
			j++
		case equalFold(args[j], "freq") && more >= 1 && idle == -1:
			n, ok := intArg(c, args[j+1])
			if !ok {
				return
			}
			if n < 0 || n > 255 {
				c.err(msgInvalidFreq)
				return
			}
			freq = n
			j++
		default:
			c.err(msgSyntax)
			return
		}
	}
	key := args[1]
	if !replace && s.lookup(c, c.db, key, true) != nil {
		c.err(msgBusyKey)
		return
	}
	ttl, ok := intArg(c, args[2])
	if !ok {
		return
	}
	if ttl < 0 {
		c.err(msgInvalidTTL)
		return
	}
	if !verifyDump(args[3]) {
		c.err(msgDumpPayload)
		return
	}
	typ, data, ok := parseDump(args[3])
	if !ok {
		c.err(msgBadDataFormat)
		return
	}
	deleted := replace && s.removeKey(c, c.db, key)
	if ttl != 0 && !absttl {
		ttl += nowMs()
	}
	if ttl != 0 && ttl <= nowMs() {
		// Already expired: Redis replies OK and leaves the key deleted.
		if deleted {
			s.modified(c.db, key, 1)
		}
		c.ok()
		return
	}
	tid, ok := internType(typ)
	if !ok {
		c.err(msgTooManyTypes)
		return
	}
	r, v := newValue(key, tid, data)
	v.expireAt = ttl
	v = s.store(c, c.db, key, r)
	// objectSetLRUOrLFU: what the options say, for the policy in force.
	switch {
	case freq >= 0 && s.policy().lfu():
		atomic.StoreUint32(&v.atime, lfuMinutes()<<8|uint32(freq))
	case idle >= 0 && !s.policy().lfu():
		atomic.StoreUint32(&v.atime, lruClock()-uint32(min(idle, 1<<24)*100)) // 10 ms ticks
	}
	s.modified(c.db, key, 1)
	c.ok()
}
