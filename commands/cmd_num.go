package commands

import (
	"bytes"
	"fmt"
	"slices"

	"numkv/memtree"
)

// The NUM.* array commands, as the command contract defines them;
// redis-compat.md ("NUM.* details") records the choices it leaves open.
//
// Every handler reports the first error in the contract's order:
//  1. the arguments' syntax, left to right (dtype, shape, slice, index, the
//     data form; VALUES scalars that are numbers of no kind at all when the
//     key is missing or opaque, since only the key tells their dtype);
//  2. the key's existence (NUM.READ, NUM.GATHER and NUM.INFO reply null,
//     NUM.LEN 0, mutators ERR no such key);
//  3. the key's type: a cast that AS asks for and same_kind refuses, VALUES
//     on a V<n> variable (or reply dtype), then each VALUES scalar
//     against the dtype, left to right, then the number of scalars or bytes
//     against the element size;
//  4. the arguments against the variable's length: an index out of range,
//     then the data length against the selection, then the size limit.
//
// Empty data to NUM.WRITE's index form, NUM.INSERT or NUM.APPEND changes
// nothing and replies the current length once steps 1-3 and the index
// check pass; to a selection that selects anything it is a size mismatch. A variable never grows beyond proto-max-bulk-len bytes, the
// limit SETRANGE and APPEND apply, so that GET can always return it and a
// far index cannot zero-fill the machine's memory.

// Limits of NUM.CREATE's SHAPE: numpy's 32 dimensions, and elements of at
// most 256 MiB so that one element always fits in a default bulk string.
const (
	maxShapeDims = 32
	maxElemBytes = 1 << 28
)

var kwShape = []byte("SHAPE")

// parseCreate parses NUM.CREATE key dtype [SHAPE d1 [d2 ...]].
func parseCreate(args [][]byte) (elemType, string) {
	dt, ok := parseDtype(args[2])
	if !ok {
		return elemType{}, fmt.Sprintf(msgUnknownDtype, args[2])
	}
	if len(args) == 3 {
		return newElemType(dt, nil), ""
	}
	if !bytes.EqualFold(args[3], kwShape) {
		return elemType{}, msgSyntax
	}
	dims := args[4:]
	if len(dims) == 0 || len(dims) > maxShapeDims {
		return elemType{}, msgInvalidShape
	}
	size := int64(dt.size)
	shape := make([]int64, len(dims))
	for i, b := range dims {
		d, ok := parseInt64(b)
		if !ok || d < 1 || d > maxElemBytes/size {
			return elemType{}, msgInvalidShape
		}
		size *= d
		shape[i] = d
	}
	return newElemType(dt, shape), ""
}

// readArgs is NUM.READ key [selection] [AS dtype] [VALUES].
type readArgs struct {
	sel    selArg
	hasSel bool
	trailingArgs
}

// isReadKeyword reports whether b is one of NUM.READ's keywords, which
// are never taken as a selection.
func isReadKeyword(b []byte) bool { return isValuesKeyword(b) || bytes.EqualFold(b, kwAs) }

// parseRead parses NUM.READ's arguments: an optional selection, then the
// keywords in any order and any case.
func parseRead(args [][]byte) (readArgs, string) {
	var a readArgs
	i := 2
	if i < len(args) && !isReadKeyword(args[i]) {
		var msg string
		if a.sel, msg = parseSelection(args[i]); msg != "" {
			return a, msg
		}
		a.hasSel = true
		i++
	}
	for ; i < len(args); i++ {
		switch {
		case isValuesKeyword(args[i]):
			a.values = true
		case bytes.EqualFold(args[i], kwAs):
			if i+1 == len(args) {
				return a, msgSyntax
			}
			i++
			dt, ok := parseDtype(args[i])
			if !ok {
				return a, fmt.Sprintf(msgUnknownDtype, args[i])
			}
			a.as, a.hasAs = dt, true
		default:
			return a, msgSyntax
		}
	}
	return a, ""
}

// gatherArgs is NUM.GATHER key i1 [i2 ...] [AS dtype] [VALUES].
type gatherArgs struct {
	idx []int64
	trailingArgs
}

// parseGather finds the keywords from the end, since indexes are never
// keywords; a misplaced one is an index that is not an integer.
func parseGather(args [][]byte) (gatherArgs, string) {
	var a gatherArgs
	rest, t, tmsg := parseTrailing(args[2:])
	a.trailingArgs = t
	a.idx = make([]int64, len(rest))
	for i, b := range rest {
		v, ok := parseInt64(b)
		if !ok {
			return a, msgNotInt
		}
		a.idx[i] = v
	}
	return a, tmsg
}

// parseIndexArg parses NUM.INSERT's index, an integer.
func parseIndexArg(b []byte) (int64, string) {
	i, ok := parseInt64(b)
	if !ok {
		return 0, msgNotInt
	}
	return i, ""
}

// numLen is a variable's length in elements.
func numLen(v *variable) int { return v.Len() / v.typ().size }

// mutTarget parses a mutator's data arguments, finds the variable it
// changes and turns the data into element bytes, replying the first error
// of steps 1 to 3 (step 1's scalar syntax waits for the key to know the
// dtype). With scalars set the data is checked as scalars rather than
// whole elements (NUM.WRITE's N-d selections).
func (s *Server) mutTarget(c *client, key []byte, data [][]byte, scalars bool) (*variable, []byte, bool) {
	d, msg := parseData(data)
	if msg != "" {
		c.err(msg)
		return nil, nil, false
	}
	v := s.lookup(c, c.db, key, true)
	if d.isValues && (v == nil || v.typ().dt.kind == kindOpaque) {
		if msg := checkScalars(d.values); msg != "" {
			c.err(msg)
			return nil, nil, false
		}
	}
	if v == nil {
		c.err(msgNoSuchKey)
		return nil, nil, false
	}
	t := *v.typ()
	if scalars {
		t = newElemType(t.dt, nil)
	}
	p, msg := d.bytes(t)
	if msg != "" {
		c.err(msg)
		return nil, nil, false
	}
	return v, p, true
}

func cmdNumCreate(s *Server, c *client, args [][]byte) {
	t, msg := parseCreate(args)
	if msg != "" {
		c.err(msg)
		return
	}
	if s.lookup(c, c.db, args[1], true) != nil {
		c.err(msgBusyKey)
		return
	}
	tid, ok := internType(&t)
	if !ok {
		c.err(msgTooManyTypes)
		return
	}
	r, _ := newRecord(args[1], tid, 0)
	s.store(c, c.db, args[1], r)
	s.modified(c.db, args[1], 1)
	c.ok()
}

// unlockedMin is the selection size above which NUM.READ copies from an
// O(1) clone after the slot's locks are released (dispatch.go), so that
// writers to the slot wait for the clone, not for the copy: at 1 MiB the
// clone costs far less than the copy it saves the lock from.
const unlockedMin = 1 << 20

func cmdNumRead(s *Server, c *client, args [][]byte) {
	a, msg := parseRead(args)
	if msg != "" {
		c.err(msg)
		return
	}
	v, to := s.castTarget(c, args[1], a.trailingArgs)
	if v == nil {
		return
	}
	t := v.typ()
	from := t.dt
	sel := wholeSel(numLen(v), t)
	if a.hasSel {
		if sel, msg = a.sel.resolve(numLen(v), t); msg != "" {
			c.err(msg)
			return
		}
	}
	if v.isTree() && sel.size() > unlockedMin {
		if c.big == nil {
			c.big = new(bigRead)
			c.runBig = c.big.run
		}
		r := c.big
		*r = bigRead{c: c, sel: sel, from: from, to: to, values: a.values}
		v.tree().CloneTo(&r.clone)
		c.unlocked = c.runBig
		return
	}
	c.replySel(sourceOf(v), &sel, from, to, a.values)
}

// bigRead is a large NUM.READ's work after the slot's locks: the reply,
// from a clone taken under them. The client keeps one (c.big, run by
// c.runBig), made by its first large read, so that the handler allocates
// nothing under the lock: after a large reply a goroutine owes the
// collector assist work, and an allocation there pays it while writers
// wait. (BenchmarkNumReadLockHeld on one core: the longest hold of a 1 GiB
// read fell from 0.6-1.25 ms to 0.03-0.58 ms.)
type bigRead struct {
	c        *client
	clone    memtree.Tree
	sel      ndSel
	from, to dtype
	values   bool
}

func (r *bigRead) run() {
	defer r.clone.Release()
	r.c.replySel(selSource{t: &r.clone}, &r.sel, r.from, r.to, r.values)
}

// replySel replies the selection's scalars, converted from dtype from to
// dtype to, as one bulk string or as a VALUES array. Without a
// conversion the bulk grows once to its final size and the bytes are
// copied once, from the tree's chunks into it; otherwise the selection is
// read and converted in batches, so that a large reply needs no copy of
// the whole selection.
func (c *client) replySel(r selSource, sel *ndSel, from, to dtype, values bool) {
	mark := c.w.Mark()
	defer func() {
		if e := recover(); e != nil {
			c.w.Rewind(mark) // no half reply before run's error
			panic(e)
		}
	}()
	n := sel.count()
	if values {
		c.array(n)
		c.w.Grow(n * scalarBound(to))
		var raw, conv []byte
		sel.eachBatch(valuesBatch, func(b *ndSel) {
			raw = appendSel(raw[:0], r, b)
			p := raw
			if from != to {
				conv = castAppend(conv[:0], raw, from, to)
				p = conv
			}
			c.appendValues(to, p)
		})
		return
	}
	size := n * to.size
	c.w.Grow(size + 24)
	c.w.BulkHeader(size)
	if from == to {
		c.w.AppendWith(func(dst []byte) ([]byte, error) { return appendSel(dst, r, sel), nil })
	} else {
		var raw []byte
		sel.eachBatch(valuesBatch, func(b *ndSel) {
			raw = appendSel(raw[:0], r, b)
			c.w.AppendWith(func(dst []byte) ([]byte, error) { return castAppend(dst, raw, from, to), nil })
		})
	}
	c.w.CRLF()
}

// reverseElems reverses the order of the size-byte elements of p.
func reverseElems(p []byte, size int) {
	if size == 1 {
		slices.Reverse(p)
		return
	}
	for i, j := 0, len(p)-size; i < j; i, j = i+size, j-size {
		for k := 0; k < size; k++ {
			p[i+k], p[j+k] = p[j+k], p[i+k]
		}
	}
}

// valuesBatch is how many bytes of elements a VALUES reply reads at a time.
const valuesBatch = 64 << 10

// valuesReply replies n elements as a VALUES array. read appends elements
// [from, from+k) of the selection to dst; they are read in batches so that
// a large reply needs no copy of the whole selection.
func (c *client) valuesReply(v *variable, n int, read func(dst []byte, from, k int) ([]byte, error)) {
	t := v.typ()
	mark := c.w.Mark()
	c.array(n * t.count)
	c.w.Grow(n * t.count * scalarBound(t.dt))
	per := max(valuesBatch/t.size, 1)
	buf := make([]byte, 0, min(per, n)*t.size)
	for from := 0; from < n; from += per {
		k := min(per, n-from)
		p, err := read(buf[:0], from, k)
		if err != nil {
			c.w.Rewind(mark)
			panic(err) // indexes were checked against the length
		}
		c.appendValues(t.dt, p)
	}
}

// cmdNumWrite has two forms. A bare integer (no comma) is the index form:
// overwrite from that element on, extending the variable as SETRANGE
// does. Anything else is a selection, which the data must fill exactly:
// whole elements for a one-axis slice, scalars for an N-d selection.
func cmdNumWrite(s *Server, c *client, args [][]byte) {
	sa, msg := parseSelection(args[2])
	if msg != "" {
		c.err(msg)
		return
	}
	v, p, ok := s.mutTarget(c, args[1], args[3:], sa.multi)
	if !ok {
		return
	}
	size := v.typ().size
	n := numLen(v)
	if !sa.multi && sa.buf[0].sl.index {
		i := sa.buf[0].sl.start
		if i < 0 {
			if i += int64(n); i < 0 {
				c.err(msgIndexRange)
				return
			}
		}
		if len(p) == 0 {
			c.integer(int64(n))
			return
		}
		// Only the zero-filled gap is bounded, by proto-max-bulk-len as
		// SETRANGE's offset is, so that a far index cannot make the server
		// allocate without limit; variables themselves may grow past it
		// (1 GiB arrays are the point), bounded by --maxmemory.
		if i > (int64(v.Len())+s.maxBulkLen())/int64(size) {
			c.err(msgGapTooLong)
			return
		}
		if err := v.mut().WriteAt(p, int(i)*size); err != nil {
			panic(err)
		}
		s.modified(c.db, args[1], 1)
		c.integer(int64(numLen(v)))
		return
	}
	sel, msg := sa.resolve(n, v.typ())
	if msg != "" {
		c.err(msg)
		return
	}
	// Empty data fills an empty selection and nothing else, as numpy's
	// a[sel] = [] does.
	if len(p) != sel.size() {
		c.err(msgDataSelection)
		return
	}
	if len(p) == 0 {
		c.integer(int64(n))
		return
	}
	if sel.flipped() {
		p = slices.Clone(p) // the request's bytes stay as they came
		sel.unflip(p)
	}
	plan := sel.plan()
	runs := plan.runs()
	if err := v.mut().WriteRuns(p, &runs); err != nil {
		panic(err) // the selection lies within the variable
	}
	s.modified(c.db, args[1], 1)
	c.integer(int64(n))
}

func cmdNumInsert(s *Server, c *client, args [][]byte) {
	i, msg := parseIndexArg(args[2])
	if msg != "" {
		c.err(msg)
		return
	}
	v, p, ok := s.mutTarget(c, args[1], args[3:], false)
	if !ok {
		return
	}
	n := numLen(v)
	if len(p) == 0 {
		c.integer(int64(n))
		return
	}
	if err := v.mut().Insert(insertIndex(i, n)*v.typ().size, p); err != nil {
		panic(err)
	}
	s.modified(c.db, args[1], 1)
	c.integer(int64(numLen(v)))
}

func cmdNumAppend(s *Server, c *client, args [][]byte) {
	v, p, ok := s.mutTarget(c, args[1], args[2:], false)
	if !ok {
		return
	}
	if len(p) > 0 {
		v.mut().Append(p)
		s.modified(c.db, args[1], 1)
	}
	c.integer(int64(numLen(v)))
}

func cmdNumRemove(s *Server, c *client, args [][]byte) {
	if bytes.IndexByte(args[2], ',') >= 0 || bytes.Contains(args[2], ellipsis) {
		c.err(msgRemoveOneAxis)
		return
	}
	sl, msg := parseSlice(args[2])
	if msg != "" {
		c.err(msg)
		return
	}
	v := s.lookup(c, c.db, args[1], true)
	if v == nil {
		c.err(msgNoSuchKey)
		return
	}
	sel, ok := sl.resolve(numLen(v))
	if !ok {
		c.err(msgIndexRange)
		return
	}
	if sel.n == 0 {
		c.integer(0)
		return
	}
	size := v.typ().size
	asc := sel.ascending()
	var err error
	if asc.step == 1 {
		err = v.mut().Remove(asc.start*size, asc.n*size)
	} else {
		err = v.mut().RemoveStrided(size, asc.start, asc.step, asc.n)
	}
	if err != nil {
		panic(err)
	}
	s.modified(c.db, args[1], 1)
	c.integer(int64(sel.n))
}

func cmdNumLen(s *Server, c *client, args [][]byte) {
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.integer(0)
		return
	}
	c.integer(int64(numLen(v)))
}

// cmdNumInfo replies the contract's five fields, then numpy: the dtype's
// numpy name (np.dtype accepts it for every dtype but bfloat16, which
// needs ml_dtypes).
func cmdNumInfo(s *Server, c *client, args [][]byte) {
	v := s.lookupRead(c, args[1])
	if v == nil {
		c.nullArray()
		return
	}
	t := v.typ()
	c.mapHeader(6)
	c.bulkStr("dtype")
	c.bulkStr(t.dt.name)
	c.bulkStr("shape")
	c.array(len(t.shape))
	for _, d := range t.shape {
		c.integer(d)
	}
	c.bulkStr("length")
	c.integer(int64(numLen(v)))
	c.bulkStr("bytes")
	c.integer(int64(v.Len()))
	c.bulkStr("element_bytes")
	c.integer(int64(t.size))
	c.bulkStr("numpy")
	c.bulkStr(t.dt.numpy)
}

func cmdNumGather(s *Server, c *client, args [][]byte) {
	a, msg := parseGather(args)
	if msg != "" {
		c.err(msg)
		return
	}
	v, to := s.castTarget(c, args[1], a.trailingArgs)
	if v == nil {
		return
	}
	t := v.typ()
	n := numLen(v)
	pos := a.idx // normalised in place
	for i, x := range pos {
		p, ok := normIndex(x, n)
		if !ok {
			c.err(msgIndexRange)
			return
		}
		pos[i] = int64(p)
	}
	if to != t.dt {
		c.castGather(v, pos, to, a.values)
		return
	}
	if a.values {
		c.valuesReply(v, len(pos), func(dst []byte, from, k int) ([]byte, error) {
			return gatherRuns(dst, v, pos[from:from+k])
		})
		return
	}
	total := len(pos) * t.size
	mark := c.w.Mark()
	c.w.Grow(total + 24)
	c.w.BulkHeader(total)
	if err := c.w.AppendWith(func(dst []byte) ([]byte, error) { return gatherRuns(dst, v, pos) }); err != nil {
		c.w.Rewind(mark)
		panic(err)
	}
	c.w.CRLF()
}

// castGather replies the elements at positions pos converted to dtype to:
// read in batches of at most valuesBatch bytes, each converted straight
// into the reply (or spelled as VALUES from a converted copy).
func (c *client) castGather(v *variable, pos []int64, to dtype, values bool) {
	t := v.typ()
	per := max(valuesBatch/t.size, 1)
	buf := make([]byte, 0, min(per, len(pos))*t.size)
	var conv []byte
	scalars := len(pos) * t.count
	mark := c.w.Mark()
	if values {
		c.array(scalars)
		c.w.Grow(scalars * scalarBound(to))
	} else {
		c.w.Grow(scalars*to.size + 24)
		c.w.BulkHeader(scalars * to.size)
	}
	for from := 0; from < len(pos); from += per {
		p, err := gatherRuns(buf[:0], v, pos[from:min(from+per, len(pos))])
		if err != nil {
			c.w.Rewind(mark)
			panic(err) // indexes were checked against the length
		}
		if values {
			conv = castAppend(conv[:0], p, t.dt, to)
			c.appendValues(to, conv)
			continue
		}
		if err := c.w.AppendWith(func(dst []byte) ([]byte, error) {
			return castAppend(dst, p, t.dt, to), nil
		}); err != nil {
			c.w.Rewind(mark)
			panic(err)
		}
	}
	if !values {
		c.w.CRLF()
	}
}

// gatherRuns appends the elements at positions pos, with one tree read per
// run of consecutive positions.
func gatherRuns(dst []byte, v *variable, pos []int64) ([]byte, error) {
	size := int64(v.typ().size)
	var err error
	for j := 0; j < len(pos) && err == nil; {
		r := j + 1
		for r < len(pos) && pos[r] == pos[r-1]+1 {
			r++
		}
		dst, err = v.AppendRange(dst, int(pos[j]*size), int(int64(r-j)*size))
		j = r
	}
	return dst, err
}
