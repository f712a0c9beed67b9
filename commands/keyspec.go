package commands

import "strings"

// keySpec is one of Redis 7's key specifications: where a run of keys
// begins (an argument index, or the argument after a keyword) and how far
// it goes (lastKey relative to the beginning, negative from the end; a key
// every keyStep arguments). flags say what the command does with those
// keys, in Redis's words: RO, RW, OW or RM, then access, update, insert or
// delete, and incomplete or variable_flags where the spec alone is not the
// whole story.
type keySpec struct {
	notes     string // Redis's note on the flags, replied as it stands
	flags     string
	index     int    // begin_search by index, or 0 with keyword
	keyword   string // begin_search by keyword (MIGRATE's KEYS)
	startFrom int    // where the keyword search starts; negative from the end
	lastKey   int
	keyStep   int
}

// keyRef is one key of a command: its argument position and flags.
type keyRef struct {
	pos   int
	flags string
}

// finishSpecs builds a command's key specs from first/last/step and
// kflags, unless the row gives specs itself. A command with keys must say
// what it does with them: init panics on a row that does not.
func finishSpecs(cmd *command) {
	if cmd.first == 0 {
		return
	}
	if cmd.specs == nil {
		if cmd.kflags == "" {
			panic("command " + cmd.fullName + " has keys but no key-spec flags (kflags)")
		}
		last := cmd.last
		if last > 0 {
			last -= cmd.first
		}
		cmd.specs = []keySpec{{flags: cmd.kflags, index: cmd.first, lastKey: last, keyStep: cmd.step}}
	}
	for i := range cmd.specs {
		if cmd.specs[i].keyStep == 0 {
			cmd.specs[i].keyStep = 1
		}
	}
}

// keysOf finds a command's keys in its arguments (args[0] is the command's
// name), as Redis's getKeysFromCommandWithSpecs: the row's keyRefs, or
// else each key spec that is complete, in order.
func (cmd *command) keysOf(args [][]byte) []keyRef {
	if cmd.keyRefs != nil {
		return cmd.keyRefs(args)
	}
	var refs []keyRef
	for _, sp := range cmd.specs {
		if sp.keyword != "" {
			continue // only MIGRATE's, which has keyRefs
		}
		last := sp.lastKey
		if last >= 0 {
			last += sp.index
		} else {
			last += len(args)
		}
		for i := sp.index; i <= last && i < len(args); i += sp.keyStep {
			refs = append(refs, keyRef{i, sp.flags})
		}
	}
	return refs
}

// setKeyRefs: SET's key is read as well when GET asks for the old value.
func setKeyRefs(args [][]byte) []keyRef {
	for _, a := range args[3:] {
		if equalFold(a, "get") {
			return []keyRef{{1, "RW access update"}}
		}
	}
	return []keyRef{{1, "OW update"}}
}

// migrateKeyRefs: MIGRATE's one key, or those after KEYS when the key
// argument is empty. AUTH and AUTH2 take their arguments along, so that a
// password spelled "keys" is not the keyword.
func migrateKeyRefs(args [][]byte) []keyRef {
	const flags = "RW access delete"
	first, n := 3, 1
	for i := 6; i < len(args); i++ {
		switch {
		case equalFold(args[i], "auth"):
			i++
		case equalFold(args[i], "auth2"):
			i += 2
		case equalFold(args[i], "keys"):
			if len(args[3]) > 0 {
				return nil // Redis refuses the mix: no keys
			}
			first, n = i+1, len(args)-i-1
			i = len(args)
		}
	}
	refs := make([]keyRef, 0, n)
	for i := first; i < first+n && i < len(args); i++ {
		refs = append(refs, keyRef{i, flags})
	}
	return refs
}

// writeKeySpecs writes COMMAND INFO's key specifications.
func writeKeySpecs(c *client, cmd *command) {
	c.array(len(cmd.specs))
	for _, sp := range cmd.specs {
		if sp.notes != "" {
			c.mapHeader(4)
			c.bulkStr("notes")
			c.bulkStr(sp.notes)
		} else {
			c.mapHeader(3)
		}
		c.bulkStr("flags")
		writeFlagSet(c, sp.flags)
		c.bulkStr("begin_search")
		c.mapHeader(2)
		c.bulkStr("type")
		if sp.keyword != "" {
			c.bulkStr("keyword")
			c.bulkStr("spec")
			c.mapHeader(2)
			c.bulkStr("keyword")
			c.bulkStr(sp.keyword)
			c.bulkStr("startfrom")
			c.integer(int64(sp.startFrom))
		} else {
			c.bulkStr("index")
			c.bulkStr("spec")
			c.mapHeader(1)
			c.bulkStr("index")
			c.integer(int64(sp.index))
		}
		c.bulkStr("find_keys")
		c.mapHeader(2)
		c.bulkStr("type")
		c.bulkStr("range")
		c.bulkStr("spec")
		c.mapHeader(3)
		c.bulkStr("lastkey")
		c.integer(int64(sp.lastKey))
		c.bulkStr("keystep")
		c.integer(int64(sp.keyStep))
		c.bulkStr("limit")
		c.integer(0)
	}
}

// writeFlagSet writes space-separated flags as a set of status replies, as
// Redis's addReplyFlagsForKeyArgs: the access flag (RO, RW...) first.
func writeFlagSet(c *client, flags string) {
	f := strings.Fields(flags)
	c.setHeader(len(f))
	for _, x := range f {
		c.simple(x)
	}
}

// bitfieldKeyRefs: BITFIELD's key is only read when every subcommand is a
// GET (OVERFLOW aside), as Redis's bitfieldGetKeys; a malformed one counts
// as a write.
func bitfieldKeyRefs(args [][]byte) []keyRef {
	readonly := true
	for i := 2; i < len(args) && readonly; i++ {
		rest := len(args) - i - 1
		switch {
		case equalFold(args[i], "get") && rest >= 2:
			i += 2
		case equalFold(args[i], "overflow") && rest >= 1:
			i++
		default:
			readonly = false
		}
	}
	if readonly {
		return []keyRef{{1, "RO access"}}
	}
	return []keyRef{{1, "RW access update"}}
}
