package commands

import "strings"

func cmdSave(s *Server, c *client, args [][]byte) {
	if s.persist.inProgress.Load() {
		c.err(msgBgsaveInProgress)
		return
	}
	if s.cfg.DBFilename == "" {
		c.err(msgPersistenceOff)
		return
	}
	if err := s.save(); err != nil {
		c.err("ERR") // Redis's reply to a failed SAVE; the log says why
		return
	}
	c.ok()
}

func cmdBgsave(s *Server, c *client, args [][]byte) {
	schedule := false
	if len(args) == 2 {
		if strings.ToLower(string(args[1])) != "schedule" {
			c.err(msgSyntax)
			return
		}
		schedule = true
	} else if len(args) > 2 {
		c.err(msgSyntax)
		return
	}
	if s.cfg.DBFilename == "" {
		c.err(msgPersistenceOff)
		return
	}
	if !s.bgsave(c.allLocked) {
		if schedule {
			s.persist.scheduled.Store(true)
			c.simple("Background saving scheduled")
			return
		}
		c.err(msgBgsaveInProgress)
		return
	}
	c.simple("Background saving started")
}

func cmdLastsave(s *Server, c *client, args [][]byte) { c.integer(s.persist.lastSave.Load()) }

// cmdShutdown saves (unless NOSAVE) and stops the server. A failed save
// keeps the server running, as in Redis, unless FORCE. NOW has nothing to
// skip: there are no replicas to wait for.
func cmdShutdown(s *Server, c *client, args [][]byte) {
	save, nosave, force := false, false, false
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "save":
			save = true
		case "nosave":
			nosave = true
		case "now":
		case "force":
			force = true
		case "abort":
			c.err("ERR No shutdown in progress.")
			return
		default:
			c.err(msgSyntax)
			return
		}
	}
	if save && nosave {
		c.err(msgSyntax)
		return
	}
	if err := s.shutdown(!nosave, force); err != nil {
		c.err(msgShutdownErr)
		return
	}
	// Like Redis, the client sees the connection close, not a reply.
	c.closeAfterReply = true
}
