package commands

import (
	"fmt"
	"numkv/keytab"
	"slices"
	"strconv"
	"strings"
	"time"
)

func sortedClientIDs(m map[int64]*client) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func cmdTime(s *Server, c *client, args [][]byte) {
	now := time.Now()
	c.array(2)
	c.bulkStr(strconv.FormatInt(now.Unix(), 10))
	c.bulkStr(strconv.Itoa(now.Nanosecond() / 1000))
}

func cmdDbsize(s *Server, c *client, args [][]byte) { c.integer(s.keys[c.db].Load()) }

// parseFlushMode parses FLUSHDB/FLUSHALL's optional ASYNC or SYNC, and
// reports whether the memory is to be freed in the background.
func parseFlushMode(c *client, args [][]byte) (async, ok bool) {
	if len(args) > 2 {
		c.err(msgSyntax)
		return false, false
	}
	if len(args) == 2 {
		m := strings.ToLower(string(args[1]))
		if m != "async" && m != "sync" {
			c.err(msgSyntax)
			return false, false
		}
		return m == "async", true
	}
	return false, true
}

// flushDB empties db slot by slot. With async, each slot's table is
// detached whole, in O(1) under the slot's lock, and the lazy freer frees
// it and its records; otherwise the records are freed in place (large
// trees still go to the lazy freer).
func (s *Server) flushDB(c *client, db int, async bool) {
	s.walk(c, db, true, func(sh *shard) bool {
		t := &sh.Data.t
		s.keys[db].Add(-int64(t.Len()))
		s.vols[db].Add(-int64(sh.Data.vols))
		if s.watch.n.Load() > 0 {
			t.Each(func(r keytab.Rec) bool {
				s.touched(db, varOf(r).key())
				return true
			})
		}
		if async {
			d := new(keytab.Table)
			t.MoveTo(d)
			s.lazy.addTable(d)
		} else {
			t.Each(func(r keytab.Rec) bool {
				s.freeRec(r)
				return true
			})
			t.Free()
		}
		sh.Data.vols = 0
		return true
	})
}

func cmdFlushdb(s *Server, c *client, args [][]byte) {
	async, ok := parseFlushMode(c, args)
	if !ok {
		return
	}
	n := s.keys[c.db].Load()
	s.flushDB(c, c.db, async)
	s.persist.dirty.Add(n)
	c.ok()
}

func cmdFlushall(s *Server, c *client, args [][]byte) {
	async, ok := parseFlushMode(c, args)
	if !ok {
		return
	}
	var n int64
	for db := range s.keys {
		n += s.keys[db].Load()
		s.flushDB(c, db, async)
	}
	s.persist.dirty.Add(n + 1) // Redis counts FLUSHALL itself as a change
	c.ok()
}

// Commands about commands. Everything here comes from the command table.

// cmdFunctionFlush is FUNCTION FLUSH [ASYNC|SYNC]. numkv runs no scripts,
// so there is no library to remove: it checks the arguments as Redis does
// and counts the change as Redis does, so that tools which flush functions
// along with the keys (Redis's own test suite among them) work.
func cmdFunctionFlush(s *Server, c *client, args [][]byte) {
	switch {
	case len(args) > 3:
		c.err(fmt.Sprintf(msgSubcommandSyntax, cString(args[1], 128), upper(args[0])))
		return
	case len(args) == 3 && !equalFold(args[2], "sync") && !equalFold(args[2], "async"):
		c.err(msgFunctionFlushOption)
		return
	}
	s.persist.dirty.Add(1)
	c.ok()
}

var functionHelp = []string{
	"FLUSH [ASYNC|SYNC]",
	"    Remove every library. numkv runs no scripts, so there are none: it replies OK.",
}

func cmdFunctionHelp(s *Server, c *client, args [][]byte) { c.help(args[0], functionHelp) }
