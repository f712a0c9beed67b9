package commands

import "numkv/keytab"

// expireCycle deletes expired keys in databases that have volatile keys,
// one slot at a time, so an idle expired key does not hold memory forever.
func (s *Server) expireCycle() {
	if s.expirePaused() {
		return // as Redis: the data set stays still while clients are paused
	}
	now := nowMs()
	for db := range s.vols {
		if s.vols[db].Load() == 0 {
			continue
		}
		s.eachShard(db, true, func(sh *shard) bool {
			if sh.Data.vols == 0 {
				return true
			}
			sh.Data.t.Each(func(r keytab.Rec) bool {
				if v := varOf(r); v.expireAt != 0 && v.expireAt <= now {
					s.removeKey(nil, db, v.key())
					s.expired.Add(1)
				}
				return true
			})
			return true
		})
	}
}

// setExpire changes v's expiry, keeping the volatile-key counts right.
func (s *Server) setExpire(c *client, db int, key []byte, v *variable, at int64) {
	if (v.expireAt != 0) != (at != 0) {
		sh, _ := s.loc(c, db, key)
		if at != 0 {
			sh.Data.vols++
			s.vols[db].Add(1)
		} else {
			sh.Data.vols--
			s.vols[db].Add(-1)
		}
	}
	v.expireAt = at
}
