package commands

// PLACEHOLDERS: replaced by the NUM.* implementation.

func cmdNumCreate(s *Server, c *client, args [][]byte) { c.err("ERR not implemented") }
func cmdNumRead(s *Server, c *client, args [][]byte)   { c.err("ERR not implemented") }
func cmdNumWrite(s *Server, c *client, args [][]byte)  { c.err("ERR not implemented") }
func cmdNumInsert(s *Server, c *client, args [][]byte) { c.err("ERR not implemented") }
func cmdNumAppend(s *Server, c *client, args [][]byte) { c.err("ERR not implemented") }
func cmdNumRemove(s *Server, c *client, args [][]byte) { c.err("ERR not implemented") }
func cmdNumLen(s *Server, c *client, args [][]byte)    { c.err("ERR not implemented") }
func cmdNumInfo(s *Server, c *client, args [][]byte)   { c.err("ERR not implemented") }
func cmdNumGather(s *Server, c *client, args [][]byte) { c.err("ERR not implemented") }
