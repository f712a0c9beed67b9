package commands

import "strings"

// cmdSave runs a whole save in the client's goroutine: the client waits,
// others are held only by the cut. As in Redis it is refused while a
// BGSAVE runs.
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
		c.err(msgSaveFailed)
		return
	}
	c.ok()
}

// cmdBgsave starts a background save, or with SCHEDULE, while one runs,
// has the cron start one once it ends. Inside EXEC (c.allLocked) the cut
// falls between the transaction's commands.
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
			c.simple(msgBgsaveScheduled)
			return
		}
		c.err(msgBgsaveInProgress)
		return
	}
	c.simple(msgBgsaveStarted)
}

// cmdLastsave answers the unix time of the last successful save, or of
// start-up.
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
			c.err(msgNoShutdown)
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
