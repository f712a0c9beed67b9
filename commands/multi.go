package commands

// multiState is a connection's open MULTI: the queued commands and whether
// one of them was refused while queueing.
type multiState struct {
	cmds   []queuedCmd
	failed bool
}

type queuedCmd struct {
	cmd  *command
	args [][]byte
}

// queue keeps a copy of args: they alias the read buffer.
func (m *multiState) queue(cmd *command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	m.cmds = append(m.cmds, queuedCmd{cmd, cp})
}

// watchKey is a key a connection WATCHes.
type watchKey struct {
	db  int
	key string
}

func (c *client) unwatchAll()                {}
func (s *Server) touched(db int, key []byte) {}
