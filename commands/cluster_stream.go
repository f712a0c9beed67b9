package commands

import (
	"bufio"
	"hash"
	"hash/crc64"
	"strconv"

	"numkv/memtree"
)

// A variable too large for one RESTORE bulk moves in parts. MIGRATE sends
// the DUMP payload's header, then the data in parts of migratePart bytes,
// then the CRC, as three kinds of CLUSTER RESTORE-PART (numkv's own) on
// its one connection; the target builds the tree as the parts arrive and
// checks the CRC at the end, so neither side holds the whole payload in
// one buffer, and no bulk is larger than a part. The source holds the
// key's slot lock until the END is acknowledged: writes to the key wait.
//
//	CLUSTER RESTORE-PART key BEGIN <header>    the payload up to its data
//	CLUSTER RESTORE-PART key DATA <bytes>      the next bytes of data
//	CLUSTER RESTORE-PART key END <crc> <ttl> [REPLACE]
//
// A connection holds at most one staged variable; a BEGIN drops the one
// before, and so does the connection's end.

// migratePart is the size of a part, and the payload size from which a
// variable moves in parts.
var migratePart = 64 << 20

type stagedRestore struct {
	key   string
	typ   *elemType
	total int64
	n     int64
	crc   hash.Hash64
	b     memtree.Builder
}

func (st *stagedRestore) discard() { st.b.Discard() }

func cmdClusterRestorePart(s *Server, c *client, cl *clusterState, args [][]byte) {
	key := string(args[2])
	switch {
	case equalFold(args[3], "begin") && len(args) == 5:
		if c.staged != nil {
			c.staged.discard()
			c.staged = nil
		}
		typ, total, ok := parseDumpHeader(args[4])
		if !ok {
			c.err(msgDumpPayload)
			return
		}
		st := &stagedRestore{key: key, typ: typ, total: total, crc: crc64.New(crc64Table)}
		st.crc.Write(args[4])
		c.staged = st
		c.ok()
	case equalFold(args[3], "data") && len(args) == 5:
		st := c.staged
		if st == nil || st.key != key || st.n+int64(len(args[4])) > st.total {
			c.err(msgDumpPayload)
			return
		}
		st.crc.Write(args[4])
		st.b.Write(args[4])
		st.n += int64(len(args[4]))
		c.ok()
	case equalFold(args[3], "end") && (len(args) == 6 || len(args) == 7):
		st := c.staged
		c.staged = nil
		if st == nil || st.key != key || st.n != st.total {
			if st != nil {
				st.discard()
			}
			c.err(msgDumpPayload)
			return
		}
		sum, err := strconv.ParseUint(string(args[4]), 10, 64)
		if err != nil || sum != st.crc.Sum64() {
			st.discard()
			c.err(msgDumpPayload)
			return
		}
		ttl, ok := intArg(c, args[5])
		if !ok {
			st.discard()
			return
		}
		replace := len(args) == 7 && equalFold(args[6], "replace")
		if !replace && s.lookup(c, c.db, args[2], true) != nil {
			st.discard()
			c.err(msgBusyKey)
			return
		}
		if replace {
			s.removeKey(c, c.db, args[2])
		}
		tid, ok := internType(st.typ)
		if !ok {
			st.discard()
			c.err(msgTooManyTypes)
			return
		}
		r, v := newRecord(args[2], tid, -1)
		st.b.BuildTo(v.tree())
		if ttl > 0 {
			v.expireAt = nowMs() + ttl
		}
		s.store(c, c.db, args[2], r)
		s.modified(c.db, args[2], 1)
		c.ok()
	default:
		c.err(msgSyntax)
	}
}

// migrateInParts sends variable v at key to w as CLUSTER RESTORE-PART
// commands and returns how many replies to read.
func migrateInParts(w *bufio.Writer, key []byte, v *variable, ttl int64, replace bool) (int, error) {
	h := appendDumpHeader(nil, v)
	sum := crc64.New(crc64Table)
	sum.Write(h)
	if err := writeCommand(w, []byte("CLUSTER"), []byte("RESTORE-PART"), key, []byte("BEGIN"), h); err != nil {
		return 0, err
	}
	replies := 1
	part := make([]byte, 0, min(migratePart, v.Len()))
	flush := func() error {
		if len(part) == 0 {
			return nil
		}
		sum.Write(part)
		replies++
		err := writeCommand(w, []byte("CLUSTER"), []byte("RESTORE-PART"), key, []byte("DATA"), part)
		part = part[:0]
		return err
	}
	var werr error
	v.Chunks(0, v.Len(), func(b []byte) bool {
		for len(b) > 0 && werr == nil {
			n := min(len(b), migratePart-len(part))
			part = append(part, b[:n]...)
			b = b[n:]
			if len(part) == migratePart {
				werr = flush()
			}
		}
		return werr == nil
	})
	if werr == nil {
		werr = flush()
	}
	if werr != nil {
		return 0, werr
	}
	end := [][]byte{[]byte("CLUSTER"), []byte("RESTORE-PART"), key, []byte("END"),
		[]byte(strconv.FormatUint(sum.Sum64(), 10)), []byte(strconv.FormatInt(ttl, 10))}
	if replace {
		end = append(end, []byte("REPLACE"))
	}
	return replies + 1, writeCommand(w, end...)
}

// writeCommand writes one RESP command to w without building it first.
func writeCommand(w *bufio.Writer, args ...[]byte) error {
	w.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		w.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
		w.Write(a)
		w.WriteString("\r\n")
	}
	return nil
}
