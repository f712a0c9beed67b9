package commands

import (
	"bytes"
	"slices"
	"strings"
)

// topCommands returns the top-level commands sorted by name. It reads the
// copy init makes, since handlers may not refer to commandTable itself (the
// table refers to them).
func topCommands() []*command { return sortedCommands }

func cmdCommand(s *Server, c *client, args [][]byte) {
	cmds := topCommands()
	c.array(len(cmds))
	for _, cmd := range cmds {
		writeCommandInfo(c, cmd)
	}
}

func cmdCommandCount(s *Server, c *client, args [][]byte) { c.integer(int64(len(sortedCommands))) }

func cmdCommandList(s *Server, c *client, args [][]byte) {
	filter := func(*command) bool { return true }
	if len(args) > 2 {
		if len(args) != 5 || strings.ToLower(string(args[2])) != "filterby" {
			c.err(msgSyntax)
			return
		}
		arg := string(args[4])
		switch strings.ToLower(string(args[3])) {
		case "module":
			filter = func(*command) bool { return false }
		case "aclcat":
			filter = func(cmd *command) bool { return slices.Contains(strings.Fields(cmd.acl), strings.ToLower(arg)) }
		case "pattern":
			filter = func(cmd *command) bool { return globMatch([]byte(arg), []byte(cmd.fullName), true) }
		default:
			c.err(msgSyntax)
			return
		}
	}
	var names []string
	for _, cmd := range topCommands() {
		for _, x := range append([]*command{cmd}, cmd.sub...) {
			if filter(x) {
				names = append(names, x.fullName)
			}
		}
	}
	c.array(len(names))
	for _, n := range names {
		c.bulkStr(n)
	}
}

// findCommand resolves "name" or "container|sub", in any case, as COMMAND
// INFO/DOCS do.
func findCommand(name []byte) *command {
	top, sub, isSub := bytes.Cut(name, []byte("|"))
	cmd := lookupCommand(top)
	if cmd == nil || !isSub {
		return cmd
	}
	return cmd.subcommand(sub)
}

func cmdCommandInfo(s *Server, c *client, args [][]byte) {
	if len(args) == 2 {
		cmdCommand(s, c, args)
		return
	}
	c.array(len(args) - 2)
	for _, a := range args[2:] {
		if cmd := findCommand(a); cmd != nil {
			writeCommandInfo(c, cmd)
		} else {
			c.null() // Redis's addReplyNull: $-1 in RESP2, _ in RESP3
		}
	}
}

// writeCommandInfo writes Redis 7's ten-field COMMAND entry.
func writeCommandInfo(c *client, cmd *command) {
	c.array(10)
	c.bulkStr(cmd.fullName)
	c.integer(int64(cmd.arity))
	flags := strings.Fields(cmd.flagText)
	c.setHeader(len(flags))
	for _, f := range flags {
		c.simple(f)
	}
	first, last, step := cmd.first, cmd.last, cmd.step
	c.integer(int64(first))
	c.integer(int64(last))
	c.integer(int64(step))
	acl := strings.Fields(cmd.acl)
	c.setHeader(len(acl))
	for _, a := range acl {
		c.simple("@" + a)
	}
	tips := strings.Fields(cmd.tips)
	c.setHeader(len(tips))
	for _, tip := range tips {
		c.bulkStr(tip)
	}
	if first > 0 {
		c.array(1)
		writeKeySpec(c, cmd)
	} else {
		c.emptyArray()
	}
	c.array(len(cmd.sub))
	for _, sc := range cmd.sub {
		writeCommandInfo(c, sc)
	}
}

// writeKeySpec describes the key range as one Redis 7 key specification.
func writeKeySpec(c *client, cmd *command) {
	var kf []string
	switch {
	case cmd.flags&flagDeletesKeys != 0:
		kf = []string{"RM", "DELETE"}
	case cmd.flags&flagWrite != 0:
		kf = []string{"RW", "UPDATE"}
	default:
		kf = []string{"RO", "ACCESS"}
	}
	lastkey := cmd.last
	if lastkey > 0 {
		lastkey -= cmd.first
	}
	c.mapHeader(3)
	c.bulkStr("flags")
	c.setHeader(len(kf))
	for _, f := range kf {
		c.simple(f)
	}
	c.bulkStr("begin_search")
	c.mapHeader(2)
	c.bulkStr("type")
	c.bulkStr("index")
	c.bulkStr("spec")
	c.mapHeader(1)
	c.bulkStr("index")
	c.integer(int64(cmd.first))
	c.bulkStr("find_keys")
	c.mapHeader(2)
	c.bulkStr("type")
	c.bulkStr("range")
	c.bulkStr("spec")
	c.mapHeader(3)
	c.bulkStr("lastkey")
	c.integer(int64(lastkey))
	c.bulkStr("keystep")
	c.integer(int64(cmd.step))
	c.bulkStr("limit")
	c.integer(0)
}

func cmdCommandDocs(s *Server, c *client, args [][]byte) {
	var cmds []*command
	if len(args) == 2 {
		cmds = topCommands()
	} else {
		for _, a := range args[2:] {
			if cmd := findCommand(a); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.mapHeader(len(cmds))
	for _, cmd := range cmds {
		c.bulkStr(cmd.fullName)
		writeCommandDocs(c, cmd)
	}
}

func writeCommandDocs(c *client, cmd *command) {
	n := 3
	if len(cmd.sub) > 0 {
		n++
	}
	c.mapHeader(n)
	c.bulkStr("summary")
	c.bulkStr(cmd.summary)
	c.bulkStr("since")
	c.bulkStr(cmd.since)
	c.bulkStr("group")
	c.bulkStr(cmd.group)
	if len(cmd.sub) > 0 {
		c.bulkStr("subcommands")
		c.mapHeader(len(cmd.sub))
		for _, sc := range cmd.sub {
			c.bulkStr(sc.fullName)
			writeCommandDocs(c, sc)
		}
	}
}

func cmdCommandGetkeys(s *Server, c *client, args [][]byte) {
	cmd := lookupCommand(args[2])
	rest := args[2:]
	if cmd != nil && len(cmd.sub) > 0 && len(rest) > 1 {
		cmd = cmd.subcommand(rest[1])
	}
	if cmd == nil {
		c.err(msgInvalidCommand)
		return
	}
	if (cmd.arity > 0 && len(rest) != cmd.arity) || len(rest) < -cmd.arity {
		c.err(msgGetkeysArity)
		return
	}
	if cmd.first == 0 {
		c.err(msgNoKeyArguments)
		return
	}
	keys := cmd.positionalKeys(rest)
	c.array(len(keys))
	for _, k := range keys {
		c.bulk(k)
	}
}
