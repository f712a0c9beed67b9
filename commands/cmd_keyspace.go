package commands

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"numkv/keytab"
	"numkv/resp"
)

func cmdDel(s *Server, c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		live := s.lookup(c, c.db, k, true) != nil
		if live && s.removeKey(c, c.db, k) {
			n++
		}
	}
	s.persist.dirty.Add(n)
	c.integer(n)
}

func cmdExists(s *Server, c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if s.lookup(c, c.db, k, false) != nil {
			n++
		}
	}
	c.integer(n)
}

func cmdType(s *Server, c *client, args [][]byte) {
	if s.lookup(c, c.db, args[1], false) != nil {
		c.simple("string")
		return
	}
	c.simple("none")
}

// keyMatcher returns the filter KEYS and SCAN apply: a lone "*" takes every
// key (even the empty one, which the glob itself would not match), anything
// else is Redis's glob.
func keyMatcher(pat []byte) func([]byte) bool {
	if len(pat) == 1 && pat[0] == '*' {
		return func([]byte) bool { return true }
	}
	return func(k []byte) bool { return globMatch(pat, k, false) }
}

// cmdKeys walks every slot of the database, one slot lock at a time.
func cmdKeys(s *Server, c *client, args [][]byte) {
	match := keyMatcher(args[1])
	now := nowMs()
	var keys []string
	s.walk(c, c.db, false, func(sh *shard) bool {
		sh.Data.t.Each(func(r keytab.Rec) bool {
			v := varOf(r)
			if k := v.key(); (v.expireAt == 0 || v.expireAt > now) && match(k) {
				keys = append(keys, string(k))
			}
			return true
		})
		return true
	})
	c.array(len(keys))
	for _, k := range keys {
		c.bulkStr(k)
	}
}

func cmdTouch(s *Server, c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if s.lookupRead(c, k) != nil {
			n++
		}
	}
	c.integer(n)
}

// rename is RENAME and RENAMENX. The variable itself moves: its value is
// not copied.
func (s *Server) rename(c *client, args [][]byte, nx bool) {
	src, dst := args[1], args[2]
	if s.lookup(c, c.db, src, true) == nil {
		c.err(msgNoSuchKey)
		return
	}
	if string(src) == string(dst) {
		if nx {
			c.integer(0)
		} else {
			c.ok()
		}
		return
	}
	if s.lookup(c, c.db, dst, true) != nil {
		if nx {
			c.integer(0)
			return
		}
		s.removeKey(c, c.db, dst)
	}
	s.moveKey(c, c.db, src, c.db, dst)
	s.persist.dirty.Add(1)
	if nx {
		c.integer(1)
	} else {
		c.ok()
	}
}

func cmdRename(s *Server, c *client, args [][]byte)   { s.rename(c, args, false) }
func cmdRenamenx(s *Server, c *client, args [][]byte) { s.rename(c, args, true) }

// moveKeys locks the key in the current database and, when the target
// database argument is valid, in that one too.
func moveKeys(s *Server, c *client, args [][]byte, idx []int) []int {
	idx = append(idx, s.tab.Index(c.db, args[1]))
	if db, ok := s.dbIndex(args[2]); ok {
		idx = append(idx, s.tab.Index(db, args[1]))
	}
	return idx
}

func cmdMove(s *Server, c *client, args [][]byte) {
	dst, ok := s.dbArg(c, args[2])
	if !ok {
		return
	}
	if dst == c.db {
		c.err(msgSameObject)
		return
	}
	if s.lookup(c, c.db, args[1], true) == nil || s.lookup(c, dst, args[1], true) != nil {
		c.integer(0)
		return
	}
	s.moveKey(c, c.db, args[1], dst, args[1])
	s.persist.dirty.Add(1)
	c.integer(1)
}

// copyKeys locks source and destination in the current database, and the
// destination in every database a DB option names.
func copyKeys(s *Server, c *client, args [][]byte, idx []int) []int {
	idx = append(idx, s.tab.Index(c.db, args[1]), s.tab.Index(c.db, args[2]))
	for j := 3; j+1 < len(args); j++ {
		if equalFold(args[j], "db") {
			if db, ok := s.dbIndex(args[j+1]); ok {
				idx = append(idx, s.tab.Index(db, args[2]))
			}
		}
	}
	return idx
}

// cmdCopy duplicates a variable in O(1): the clone shares the tree's nodes
// copy-on-write.
func cmdCopy(s *Server, c *client, args [][]byte) {
	dst, replace := c.db, false
	for j := 3; j < len(args); j++ {
		switch {
		case equalFold(args[j], "replace"):
			replace = true
		case equalFold(args[j], "db") && j+1 < len(args):
			db, ok := s.dbArg(c, args[j+1])
			if !ok {
				return
			}
			dst = db
			j++
		default:
			c.err(msgSyntax)
			return
		}
	}
	if dst == c.db && string(args[1]) == string(args[2]) {
		c.err(msgSameObject)
		return
	}
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.integer(0)
		return
	}
	if s.lookup(c, dst, args[2], true) != nil {
		if !replace {
			c.integer(0)
			return
		}
		s.removeKey(c, dst, args[2])
	}
	e, _ := objectEncoding(v)
	nv := s.copyKey(c, v, dst, args[2])
	if e == "int" {
		nv.setEnc(encIntCopy) // Redis duplicates a shared integer into a private one
	}
	s.persist.dirty.Add(1)
	c.integer(1)
}

// swapdbKeys locks every slot of both databases, in ascending order, when
// both indexes are valid; SWAPDB is rare and touches everything in them.
func swapdbKeys(s *Server, c *client, args [][]byte, idx []int) []int {
	a, ok1 := s.dbIndex(args[1])
	b, ok2 := s.dbIndex(args[2])
	if !ok1 || !ok2 || a == b {
		return idx
	}
	for _, db := range []int{a, b} {
		for i := db * shardSlots; i < (db+1)*shardSlots; i++ {
			idx = append(idx, i)
		}
	}
	return idx
}

func cmdSwapdb(s *Server, c *client, args [][]byte) {
	a, ok := int32Arg(c, args[1], msgInvalidFirstDB)
	if !ok {
		return
	}
	b, ok := int32Arg(c, args[2], msgInvalidSecondDB)
	if !ok {
		return
	}
	if a < 0 || a >= s.cfg.Databases || b < 0 || b >= s.cfg.Databases {
		c.err(msgDBIndex)
		return
	}
	if a != b {
		s.swapDB(a, b)
	}
	s.persist.dirty.Add(1)
	c.ok()
}

// swapDB exchanges the contents of two databases slot by slot; the caller
// holds every slot of both. Clients watching keys in either are told first,
// as Redis's touchAllWatchedKeysInDb does.
func (s *Server) swapDB(a, b int) {
	s.touchSwap(a, b)
	s.touchSwap(b, a)
	for i := 0; i < shardSlots; i++ {
		x, y := s.tab.Shard(a*shardSlots+i), s.tab.Shard(b*shardSlots+i)
		var tmp keytab.Table
		x.Data.t.MoveTo(&tmp)
		y.Data.t.MoveTo(&x.Data.t)
		tmp.MoveTo(&y.Data.t)
		x.Data.vols, y.Data.vols = y.Data.vols, x.Data.vols
	}
	ka, kb := s.keys[a].Load(), s.keys[b].Load()
	s.keys[a].Store(kb)
	s.keys[b].Store(ka)
	va, vb := s.vols[a].Load(), s.vols[b].Load()
	s.vols[a].Store(vb)
	s.vols[b].Store(va)
}

// scanArgs is SCAN's parsed arguments.
type scanArgs struct {
	cursor uint64
	count  int64
	match  []byte // nil: every key
	typ    []byte // nil: every type
}

// parseScanCursor is parseScanCursorOrReply: C's strtoul in base 10 (an
// optional sign, "-1" wrapping to 2^64-1, an empty string reading 0), no
// leading space, every byte used, no overflow.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if isBlank(b[0]) {
		return 0, false
	}
	neg := false
	d := b
	if d[0] == '+' || d[0] == '-' {
		neg = d[0] == '-'
		d = d[1:]
	}
	if len(d) == 0 {
		return 0, false
	}
	var n uint64
	for _, ch := range d {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if n > (math.MaxUint64-uint64(ch-'0'))/10 {
			return 0, false
		}
		n = n*10 + uint64(ch-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseScan parses SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
func parseScan(args [][]byte) (scanArgs, string) {
	a := scanArgs{count: 10}
	var ok bool
	if a.cursor, ok = parseScanCursor(args[1]); !ok {
		return a, msgInvalidCursor
	}
	for i := 2; i < len(args); i += 2 {
		more := len(args) - i
		switch {
		case equalFold(args[i], "count") && more >= 2:
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				return a, msgNotInt
			}
			if n < 1 {
				return a, msgSyntax
			}
			a.count = n
		case equalFold(args[i], "match") && more >= 2:
			a.match = args[i+1]
			if len(a.match) == 1 && a.match[0] == '*' {
				a.match = nil
			}
		case equalFold(args[i], "type") && more >= 2:
			a.typ = args[i+1]
		default:
			return a, msgSyntax
		}
	}
	return a, ""
}

// cmdScan iterates the database slot by slot. The cursor is the next slot
// to visit: each call returns every key of the slots it visits, so a key
// present for the whole iteration is returned exactly once, whatever
// happens to other keys meanwhile. A call stops after the slot where it
// has looked at COUNT keys (before MATCH and TYPE filter them, as Redis
// counts), so a call may return more than COUNT keys when a slot holds
// many (keys sharing a {hash tag}).
func cmdScan(s *Server, c *client, args [][]byte) {
	a, msg := parseScan(args)
	if msg != "" {
		c.err(msg)
		return
	}
	var keys []string
	next := uint64(0)
	// TYPE: every variable is a "string" (see TYPE).
	typeOK := a.typ == nil || equalFold(a.typ, "string")
	if a.cursor < shardSlots && s.tab.Allocated(c.db) {
		now := nowMs()
		seen := int64(0)
		base := c.db * shardSlots
		for slot := int(a.cursor); slot < shardSlots; slot++ {
			sh := s.tab.Shard(base + slot)
			s.lockShard(c, sh, false)
			sh.Data.t.Each(func(r keytab.Rec) bool {
				v := varOf(r)
				seen++
				k := v.key()
				if a.match != nil && !globMatch(a.match, k, false) {
					return true
				}
				if !typeOK || (v.expireAt != 0 && v.expireAt <= now) {
					return true
				}
				keys = append(keys, string(k))
				return true
			})
			s.unlockShard(c, sh, false)
			if seen >= a.count && slot+1 < shardSlots {
				next = uint64(slot + 1)
				break
			}
		}
	}
	c.array(2)
	c.bulkStr(strconv.FormatUint(next, 10))
	c.array(len(keys))
	for _, k := range keys {
		c.bulkStr(k)
	}
}

// cmdRandomkey starts at a random slot and returns a random live key of the
// first slot that has one.
func cmdRandomkey(s *Server, c *client, args [][]byte) {
	if s.keys[c.db].Load() == 0 || !s.tab.Allocated(c.db) {
		c.null()
		return
	}
	now := nowMs()
	start := rand.IntN(shardSlots)
	base := c.db * shardSlots
	var live []byte
	found := false
	for n := 0; n < shardSlots && !found; n++ {
		sh := s.tab.Shard(base + (start+n)%shardSlots)
		s.lockShard(c, sh, false)
		// A few draws find a live key unless most have expired; then
		// take any live one of the slot.
		for k := 0; k < 8 && !found && sh.Data.t.Len() > 0; k++ {
			if v := varOf(sh.Data.t.Random(rand.Uint64())); v.expireAt == 0 || v.expireAt > now {
				live, found = append(live, v.key()...), true
			}
		}
		if !found {
			sh.Data.t.Each(func(r keytab.Rec) bool {
				if v := varOf(r); v.expireAt == 0 || v.expireAt > now {
					live, found = append(live, v.key()...), true
				}
				return !found
			})
		}
		s.unlockShard(c, sh, false)
	}
	if !found {
		c.null()
		return
	}
	c.bulk(live)
}

// encoding is the answer OBJECT ENCODING gives for a u8 string. Redis's
// answer depends on how the value was last written; the handlers that
// Redis leaves "raw" (APPEND, SETRANGE, SETBIT) or "embstr" (INCRBYFLOAT)
// say so, and every other write leaves encAuto: what Redis's
// tryObjectEncoding makes of the bytes, as SET does.
type encoding uint8

const (
	encAuto    encoding = iota
	encRaw              // APPEND, SETRANGE, SETBIT
	encEmbstr           // INCRBYFLOAT
	encIntCopy          // COPY of an "int": still "int", but refcount 1
)

// embstrMax is OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
const embstrMax = 44

// sharedRefcount is the refcount Redis reports for its shared integers
// 0..9999 (OBJ_SHARED_REFCOUNT).
const sharedRefcount = math.MaxInt32

// objectEncoding returns OBJECT ENCODING's answer and, for an "int", its
// value. Variables other than plain u8 strings are "raw".
func objectEncoding(v *variable) (string, int64) {
	n := v.Len()
	if !isString(v) || v.enc() == encRaw {
		return "raw", 0
	}
	if (v.enc() == encAuto || v.enc() == encIntCopy) && n <= 20 {
		var tmp [20]byte
		b, _ := content(v, 20, tmp[:0])
		if x, ok := resp.ParseInt(b); ok {
			return "int", x
		}
	}
	if n <= embstrMax {
		return "embstr", 0
	}
	return "raw", 0
}

func cmdObjectEncoding(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[2], false)
	if v == nil {
		c.null()
		return
	}
	enc, _ := objectEncoding(v)
	c.bulkStr(enc)
}

func cmdObjectRefcount(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[2], false)
	if v == nil {
		c.null()
		return
	}
	if enc, x := objectEncoding(v); enc == "int" && v.enc() == encAuto && x >= 0 && x < 10000 {
		c.integer(sharedRefcount)
		return
	}
	c.integer(1)
}

// cmdObjectIdletime answers the seconds since the key was last used, as
// Redis's estimateObjectIdleTime, or Redis's error under an LFU policy,
// which keeps counters instead of times. It does not count as a use.
func cmdObjectIdletime(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[2], false)
	if v == nil {
		c.null()
		return
	}
	if s.policy().lfu() {
		c.err(msgLRUNotSelected)
		return
	}
	c.integer(lruIdleMs(atomic.LoadUint32(&v.atime)) / 1000)
}

// cmdObjectFreq answers the key's LFU counter, decayed to now, or Redis's
// error when the policy is not an LFU one. It does not count as a use.
func cmdObjectFreq(s *Server, c *client, args [][]byte) {
	v := s.lookup(c, c.db, args[2], false)
	if v == nil {
		c.null()
		return
	}
	if !s.policy().lfu() {
		c.err(msgLFUNotSelected)
		return
	}
	c.integer(int64(s.lfuDecr(atomic.LoadUint32(&v.atime))))
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

var memoryHelp = []string{
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
}

// help writes Redis's addReplyHelp: a header naming the command, the lines,
// and HELP itself.
func (c *client) help(cmd []byte, lines []string) {
	c.array(len(lines) + 3)
	c.simple(fmt.Sprintf("%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", upper(cmd)))
	for _, l := range lines {
		c.simple(l)
	}
	c.simple("HELP")
	c.simple("    Prints this help.")
}

func cmdObjectHelp(s *Server, c *client, args [][]byte) { c.help(args[0], objectHelp) }
func cmdMemoryHelp(s *Server, c *client, args [][]byte) { c.help(args[0], memoryHelp) }

// cmdMemoryUsage estimates a key's footprint. Like Redis it finds the key
// even when it has expired but is not yet deleted.
func cmdMemoryUsage(s *Server, c *client, args [][]byte) {
	for j := 3; j < len(args); j++ {
		if equalFold(args[j], "samples") && j+1 < len(args) {
			n, ok := intArg(c, args[j+1])
			if !ok {
				return
			}
			if n < 0 {
				c.err(msgSyntax)
				return
			}
			j++
			continue
		}
		c.err(msgSyntax)
		return
	}
	v := s.lookupAny(c, c.db, args[2])
	if v == nil {
		c.null()
		return
	}
	c.integer(int64(v.footprint()))
}
