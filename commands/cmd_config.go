package commands

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// cmdConfigGet answers every parameter matching any of the patterns
// (case-insensitive glob), once each. An argument without glob characters
// is looked up by name and answered under the name as given, as Redis does.
func cmdConfigGet(s *Server, c *client, args [][]byte) {
	type pair struct{ name, value string }
	var out []pair
	seen := map[*setting]bool{}
	for _, a := range args[2:] {
		if strings.ContainsAny(string(a), "[*?") {
			for _, st := range settings {
				if !seen[st] && globMatch(a, []byte(st.name), true) {
					seen[st] = true
					out = append(out, pair{st.name, st.configGet(s)})
				}
			}
			continue
		}
		if st := lookupConfig(string(a)); st != nil && !seen[st] {
			seen[st] = true
			out = append(out, pair{string(a), st.configGet(s)})
		}
	}
	c.mapHeader(len(out))
	for _, p := range out {
		c.bulkStr(p.name)
		c.bulkStr(p.value)
	}
}

// cmdConfigSet is Redis 7.0's configSetCommand: every name is checked
// first (unknown, immutable, duplicate: the first problem is reported),
// then every value is parsed, and only when all are valid are they applied
// together.
func cmdConfigSet(s *Server, c *client, args [][]byte) {
	if len(args)%2 != 0 {
		c.err(msgSyntax)
		return
	}
	n := (len(args) - 2) / 2
	params := make([]*setting, n)
	unknown, errName, errstr := "", "", ""
	invalid := false
	for i := 0; i < n; i++ {
		name := string(args[2+2*i])
		p := lookupConfig(name)
		if p == nil {
			if !invalid {
				unknown, invalid = name, true
			}
			continue
		}
		if invalid {
			continue
		}
		if !p.mutable() && !(p.fixed && p.isCurrent(s, string(args[3+2*i]))) {
			errstr, errName, invalid = "can't set immutable config", name, true
			if p.protected {
				errstr = "can't set protected config"
			}
			continue
		}
		for j := 0; j < i; j++ {
			if params[j] == p {
				errstr, errName, invalid = "duplicate parameter", name, true
				break
			}
		}
		params[i] = p
	}
	if invalid {
		if unknown != "" {
			c.err(fmt.Sprintf(msgUnsupportedConfig, unknown))
		} else {
			c.err(fmt.Sprintf(msgConfigSetFailed, errName, errstr))
		}
		return
	}
	applies := make([]func() string, n)
	for i, p := range params {
		if !p.mutable() {
			applies[i] = func() string { return "" } // a fixed setting's current value
			continue
		}
		apply, msg := p.configSet(s, string(args[3+2*i]))
		if msg != "" {
			c.err(fmt.Sprintf(msgConfigSetFailed, p.name, msg))
			return
		}
		applies[i] = apply
	}
	// An apply that fails (a port already taken) undoes the ones before
	// it: each setting gets its old value back, as Redis's
	// restoreBackupConfig.
	old := make([]string, n)
	for i, p := range params {
		if p.mutable() {
			old[i] = p.configGet(s)
		}
	}
	for i, apply := range applies {
		if msg := apply(); msg != "" {
			for j := i - 1; j >= 0; j-- {
				if params[j].mutable() {
					if undo, bad := params[j].configSet(s, old[j]); bad == "" {
						undo()
					}
				}
			}
			c.err(fmt.Sprintf(msgConfigSetFailed, params[i].name, msg))
			return
		}
	}
	c.ok()
}

// cmdConfigResetstat zeroes the counters INFO stats reports.
func cmdConfigResetstat(s *Server, c *client, args [][]byte) {
	for _, n := range []*atomic.Int64{&s.connsTotal, &s.cmdsTotal, &s.netIn, &s.netOut, &s.hits, &s.misses, &s.expired, &s.rejected, &s.errorsTotal, &s.readsTotal, &s.writesTotal, &s.evicted, &s.evictedClients} {
		n.Store(0)
	}
	s.resetStats()
	c.ok()
}

// cmdConfigRewrite rewrites the configuration file numkv started with
// (conffile.go), or answers as Redis does when it started without one.
func cmdConfigRewrite(s *Server, c *client, args [][]byte) {
	if s.cfg.ConfigFile == "" {
		c.err(msgConfigNoFile)
		return
	}
	if err := s.rewriteConfig(); err != nil {
		reason := strerror(errnoOf(err))
		s.log.warn("CONFIG REWRITE failed: %s", reason)
		c.err(fmt.Sprintf(msgConfigRewriteFailed, reason))
		return
	}
	s.log.warn("CONFIG REWRITE executed with success.")
	c.ok()
}

var configHelp = []string{
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
}

func cmdConfigHelp(s *Server, c *client, args [][]byte) { c.help(args[0], configHelp) }
