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
	writeKeySpecs(c, cmd)
	c.array(len(cmd.sub))
	for _, sc := range cmd.sub {
		writeCommandInfo(c, sc)
	}
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

// cmdCommandGetkeys is COMMAND GETKEYS and, with flags, COMMAND
// GETKEYSANDFLAGS: Redis 7.0's checks in its order (the command, whether
// it has keys, its arity), then the keys its specs find.
func cmdCommandGetkeys(s *Server, c *client, args [][]byte) {
	withFlags := equalFold(args[1], "getkeysandflags")
	rest := args[2:]
	cmd := lookupCommand(rest[0])
	if cmd != nil && len(cmd.sub) > 0 && len(rest) > 1 {
		cmd = cmd.subcommand(rest[1])
	}
	switch {
	case cmd == nil:
		c.err(msgInvalidCommand)
		return
	case len(cmd.specs) == 0:
		c.err(msgNoKeyArguments)
		return
	case (cmd.arity > 0 && len(rest) != cmd.arity) || len(rest) < -cmd.arity:
		c.err(msgGetkeysArity)
		return
	}
	refs := cmd.keysOf(rest)
	if len(refs) == 0 {
		c.err(msgInvalidArguments)
		return
	}
	c.array(len(refs))
	for _, r := range refs {
		if withFlags {
			c.array(2)
			c.bulk(rest[r.pos])
			writeFlagSet(c, r.flags)
		} else {
			c.bulk(rest[r.pos])
		}
	}
}
