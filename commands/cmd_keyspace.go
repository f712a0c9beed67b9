package commands

import (
	"github.com/tidwall/match"
)

func cmdDel(s *Server, c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		live := s.lookup(c.db, k, true) != nil
		if live && s.removeKey(c.db, k) {
			n++
		}
	}
	s.persist.dirty.Add(n)
	c.int(n)
}

func cmdExists(s *Server, c *client, args [][]byte) {
	var n int64
	for _, k := range args[1:] {
		if s.lookup(c.db, k, false) != nil {
			n++
		}
	}
	c.int(n)
}

func cmdType(s *Server, c *client, args [][]byte) {
	if s.lookup(c.db, args[1], false) != nil {
		c.simple("string")
		return
	}
	c.simple("none")
}

// cmdKeys walks every slot of the database, one slot lock at a time.
func cmdKeys(s *Server, c *client, args [][]byte) {
	pat := string(args[1])
	all := pat == "*"
	now := nowMs()
	var keys []string
	s.eachShard(c.db, false, func(m map[string]*variable) bool {
		for k, v := range m {
			if (v.expireAt == 0 || v.expireAt > now) && (all || match.Match(k, pat)) {
				keys = append(keys, k)
			}
		}
		return true
	})
	c.array(len(keys))
	for _, k := range keys {
		c.bulkStr(k)
	}
}
