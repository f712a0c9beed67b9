package commands

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"numkv/resp"
)

// Version is numkv's own version; redisVersion is the Redis release whose
// behaviour it reproduces, reported where clients look for Redis's version.
const (
	Version      = "0.1.0"
	redisVersion = "7.0.15"
)

func cmdPing(s *Server, c *client, args [][]byte) {
	switch len(args) {
	case 1:
		c.simple("PONG")
	case 2:
		c.bulk(args[1])
	default:
		c.err(fmt.Sprintf(msgWrongArgs, "ping"))
	}
}

func cmdEcho(s *Server, c *client, args [][]byte) { c.bulk(args[1]) }

func (s *Server) checkPass(user, pass []byte) bool {
	if user != nil && string(user) != "default" {
		return false
	}
	return subtle.ConstantTimeCompare(pass, []byte(s.requirePass())) == 1
}

func cmdAuth(s *Server, c *client, args [][]byte) {
	if len(args) > 3 {
		c.err(msgSyntax)
		return
	}
	if s.requirePass() == "" && len(args) == 2 {
		c.err(msgAuthNotSet)
		return
	}
	var user []byte
	if len(args) == 3 {
		user = args[1]
	}
	if s.requirePass() == "" {
		// No password configured: the default user takes any password.
		if string(user) == "default" {
			c.ok()
			return
		}
		c.err(msgWrongPass)
		return
	}
	if !s.checkPass(user, args[len(args)-1]) {
		c.err(msgWrongPass)
		return
	}
	c.authed = true
	c.ok()
}

// cmdHello switches protocol and answers the server's identity as a map.
func cmdHello(s *Server, c *client, args [][]byte) {
	proto := c.w.Proto()
	if len(args) >= 2 {
		v, ok := resp.ParseInt(args[1]) // string2ll: "02" and "+2" are refused
		if !ok {
			c.err(msgProtoVersion)
			return
		}
		if v < 2 || v > 3 {
			c.err(msgNoProto)
			return
		}
		proto = int(v)
	}
	authed := c.authed
	var name []byte
	setName := false
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch opt := strings.ToLower(string(args[i])); {
		case opt == "auth" && more >= 2:
			if s.requirePass() == "" {
				if string(args[i+1]) != "default" {
					c.err(msgWrongPass)
					return
				}
			} else if !s.checkPass(args[i+1], args[i+2]) {
				c.err(msgWrongPass)
				return
			}
			authed = true
			i += 2
		case opt == "setname" && more >= 1:
			name, setName = args[i+1], true
			i++
		default:
			c.err(fmt.Sprintf(msgHelloOption, args[i]))
			return
		}
	}
	if !authed {
		c.err(msgHelloNoAuth)
		return
	}
	if setName {
		if !validClientText(name) {
			c.err(msgClientName)
			return
		}
		s.mu.Lock()
		c.name = string(name)
		s.mu.Unlock()
	}
	c.authed = authed
	c.w.SetProto(proto)
	c.mapHeader(7)
	c.bulkStr("server")
	c.bulkStr("redis")
	c.bulkStr("version")
	c.bulkStr(redisVersion)
	c.bulkStr("proto")
	c.integer(int64(proto))
	c.bulkStr("id")
	c.integer(c.id)
	c.bulkStr("mode")
	c.bulkStr("standalone")
	c.bulkStr("role")
	c.bulkStr("master")
	c.bulkStr("modules")
	c.emptyArray()
}

func cmdSelect(s *Server, c *client, args [][]byte) {
	if s.cl != nil {
		if n, ok := int32Arg(c, args[1], ""); !ok {
			return
		} else if n != 0 {
			c.err(msgSelectInCluster)
			return
		}
	}
	if db, ok := s.dbArg(c, args[1]); ok {
		c.db = db
		c.ok()
	}
}

func cmdQuit(s *Server, c *client, args [][]byte) {
	c.ok()
	c.closeAfterReply = true
}

func cmdReset(s *Server, c *client, args [][]byte) {
	c.discardTransaction()
	c.db = 0
	c.w.SetProto(2)
	s.mu.Lock()
	c.name = ""
	s.mu.Unlock()
	c.authed = s.requirePass() == ""
	c.simple("RESET")
}

// validClientText reports whether b may be a client name or library name:
// printable ASCII without spaces, as Redis requires.
func validClientText(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func cmdClientID(s *Server, c *client, args [][]byte) { c.integer(c.id) }

func cmdClientSetname(s *Server, c *client, args [][]byte) {
	if !validClientText(args[2]) {
		c.err(msgClientName)
		return
	}
	s.mu.Lock()
	c.name = string(args[2])
	s.mu.Unlock()
	c.ok()
}

func cmdClientGetname(s *Server, c *client, args [][]byte) {
	s.mu.Lock()
	name := c.name
	s.mu.Unlock()
	if name == "" {
		c.null()
		return
	}
	c.bulkStr(name)
}

// cmdClientSetinfo follows Redis 7.2, which go-redis and redis-py call on
// connect: lib-name and lib-ver only.
func cmdClientSetinfo(s *Server, c *client, args [][]byte) {
	attr := strings.ToLower(string(args[2]))
	if attr != "lib-name" && attr != "lib-ver" {
		c.err(fmt.Sprintf(msgUnrecognizedOpt, args[2]))
		return
	}
	if !validClientText(args[3]) {
		c.err(fmt.Sprintf(msgClientInfo, attr))
		return
	}
	s.mu.Lock()
	if attr == "lib-name" {
		c.libName = string(args[3])
	} else {
		c.libVer = string(args[3])
	}
	s.mu.Unlock()
	c.ok()
}

// cmdClientReply is CLIENT REPLY ON|OFF|SKIP. Only ON replies; OFF and
// SKIP write nothing, and settleReply would drop it anyway.
func cmdClientReply(s *Server, c *client, args [][]byte) {
	switch strings.ToLower(string(args[2])) {
	case "on":
		c.reply = replyOn
		c.ok()
	case "off":
		c.reply = replyOff
	case "skip":
		if c.reply != replyOff {
			c.reply = replySkipNext
		}
	default:
		c.err(msgSyntax)
	}
}

// cmdClientNoTouch is CLIENT NO-TOUCH ON|OFF: while on, the client's
// commands other than TOUCH leave the LRU/LFU access of the keys they
// read alone (evict.go's access).
func cmdClientNoTouch(s *Server, c *client, args [][]byte) {
	on, ok := onOff(args[2])
	if !ok {
		c.err(msgSyntax)
		return
	}
	s.mu.Lock()
	c.noTouch = on
	s.mu.Unlock()
	c.ok()
}

// onOff parses an ON or OFF argument, in any case.
func onOff(b []byte) (on, ok bool) {
	switch {
	case equalFold(b, "on"):
		return true, true
	case equalFold(b, "off"):
		return false, true
	}
	return false, false
}

// cmdClientNoEvict is CLIENT NO-EVICT ON|OFF: while on, client eviction
// (maxmemory-clients) passes the connection over.
func cmdClientNoEvict(s *Server, c *client, args [][]byte) {
	on, ok := onOff(args[2])
	if !ok {
		c.err(msgSyntax)
		return
	}
	s.mu.Lock()
	c.noEvict = on
	s.mu.Unlock()
	c.ok()
}

// infoLine is one client's CLIENT LIST line; the caller holds s.mu.
// cmd= is the last command looked up, as Redis's c->lastcmd: for the
// caller, the CLIENT LIST or CLIENT INFO that is running. qbuf and
// qbuf-free are the caller's own query buffer (self); another
// connection's buffer belongs to its goroutine, and shows 0.
func (s *Server) infoLine(c, self *client) string {
	qbuf, qfree := 0, 0
	if c == self && c.rd != nil {
		qbuf, qfree = c.rd.Buffered()
	}
	now := time.Now()
	cmd := "NULL"
	if lc := c.lastCmd.Load(); lc != nil {
		cmd = lc.fullName
	}
	multi := -1
	if c.multi != nil {
		multi = len(c.multi.cmds)
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=0 name=%s age=%d idle=%d flags=%s db=%d sub=0 psub=0 ssub=0 multi=%d qbuf=%d qbuf-free=%d argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=%s user=default redir=-1 resp=%d lib-name=%s lib-ver=%s\n",
		c.id, c.addr, c.laddr, c.name, int(now.Sub(c.createdAt).Seconds()), int(now.Sub(c.lastCmdAt).Seconds()),
		clientFlags(c), c.db, multi, qbuf, qfree, cmd, c.w.Proto(), c.libName, c.libVer)
}

// clientFlags is CLIENT LIST's flags= field, in Redis's order: x in a
// transaction, b while postponed by CLIENT PAUSE, U on the unix socket, e no-evict, T no-touch (Redis 7.2); N for
// none. The caller holds s.mu.
func clientFlags(c *client) string {
	var f []byte
	if c.multi != nil {
		f = append(f, 'x')
	}
	if c.postponed.Load() {
		f = append(f, 'b')
	}
	if c.s.cfg.UnixSocket != "" && c.addr == c.s.cfg.UnixSocket+":0" {
		f = append(f, 'U')
	}
	if c.noEvict {
		f = append(f, 'e')
	}
	if c.noTouch {
		f = append(f, 'T')
	}
	if len(f) == 0 {
		return "N"
	}
	return string(f)
}

func cmdClientInfo(s *Server, c *client, args [][]byte) {
	s.mu.Lock()
	line := s.infoLine(c, c)
	s.mu.Unlock()
	c.verbatim(line)
}

// cmdClientList follows Redis 7.0: TYPE takes exactly one type (only
// normal clients exist here); ID lists the clients found, in the order and
// as many times as asked, any integer being a valid (if unknown) id.
func cmdClientList(s *Server, c *client, args [][]byte) {
	var ids []int64
	switch {
	case len(args) == 4 && equalFold(args[2], "type"):
		switch strings.ToLower(string(args[3])) {
		case "normal":
		case "slave", "replica", "pubsub", "master":
			c.verbatim("")
			return
		default:
			c.err(fmt.Sprintf(msgUnknownClientType, args[3]))
			return
		}
	case len(args) > 3 && equalFold(args[2], "id"):
		ids = []int64{}
		for _, a := range args[3:] {
			n, ok := resp.ParseInt(a)
			if !ok {
				c.err(msgInvalidClientID)
				return
			}
			ids = append(ids, n)
		}
	case len(args) != 2:
		c.err(msgSyntax)
		return
	}
	var b strings.Builder
	s.mu.Lock()
	if ids == nil {
		for _, id := range sortedClientIDs(s.clients) {
			b.WriteString(s.infoLine(s.clients[id], c))
		}
	}
	for _, id := range ids {
		if cl := s.clients[id]; cl != nil {
			b.WriteString(s.infoLine(cl, c))
		}
	}
	s.mu.Unlock()
	c.verbatim(b.String())
}

// killFilter is what CLIENT KILL matches: every field set must match.
// old is the old form (CLIENT KILL addr), which replies OK or an error
// instead of a count and may kill the caller.
type killFilter struct {
	addr, laddr string
	hasAddr     bool
	hasLaddr    bool
	id          int64
	typ         string // "" for any; else normal, master, replica or pubsub
	skipMe      bool
	old         bool
	hasUser     bool
}

// parseClientKill parses CLIENT KILL's arguments (after KILL) as Redis
// 7.0's clientCommand does, option by option, failing at the first bad
// one; the error is the full reply text.
func parseClientKill(opts [][]byte) (killFilter, string) {
	f := killFilter{skipMe: true}
	if len(opts) == 1 {
		f.addr, f.hasAddr, f.old, f.skipMe = string(opts[0]), true, true, false
		return f, ""
	}
	if len(opts) == 0 {
		return f, msgSyntax
	}
	for i := 0; i < len(opts); i += 2 {
		if i+1 >= len(opts) {
			return f, msgSyntax
		}
		v := opts[i+1]
		switch o := opts[i]; {
		case equalFold(o, "id"):
			n, ok := resp.ParseInt(v)
			if !ok || n < 1 {
				return f, msgClientIDPositive
			}
			f.id = n
		case equalFold(o, "type"):
			t, ok := clientType(v)
			if !ok {
				return f, fmt.Sprintf(msgUnknownClientType, v)
			}
			f.typ = t
		case equalFold(o, "addr"):
			f.addr, f.hasAddr = string(v), true
		case equalFold(o, "laddr"):
			f.laddr, f.hasLaddr = string(v), true
		case equalFold(o, "user"):
			if string(v) != "default" {
				return f, fmt.Sprintf(msgNoSuchUser, v)
			}
			f.hasUser = true
		case equalFold(o, "skipme"):
			switch {
			case equalFold(v, "yes"):
				f.skipMe = true
			case equalFold(v, "no"):
				f.skipMe = false
			default:
				return f, msgSyntax
			}
		default:
			return f, msgSyntax
		}
	}
	return f, ""
}

// clientType maps a CLIENT LIST / KILL type name to its class, as
// Redis's getClientTypeByName (slave and replica are one).
func clientType(b []byte) (string, bool) {
	switch {
	case equalFold(b, "normal"):
		return "normal", true
	case equalFold(b, "slave"), equalFold(b, "replica"):
		return "replica", true
	case equalFold(b, "pubsub"):
		return "pubsub", true
	case equalFold(b, "master"):
		return "master", true
	}
	return "", false
}

// match reports whether cl is one f kills when self runs the command.
// Every numkv client is a normal one, authenticated as (or to become)
// the default user.
func (f *killFilter) match(cl, self *client) bool {
	switch {
	case f.hasAddr && cl.addr != f.addr,
		f.hasLaddr && cl.laddr != f.laddr,
		f.typ != "" && f.typ != "normal",
		f.id != 0 && cl.id != f.id,
		cl == self && f.skipMe:
		return false
	}
	return true
}

// cmdClientKill is CLIENT KILL, both forms. Other connections are closed
// at once (kill); the caller, when it matches, gets its reply and is
// closed after it, as Redis's CLIENT_CLOSE_AFTER_REPLY.
func cmdClientKill(s *Server, c *client, args [][]byte) {
	f, msg := parseClientKill(args[2:])
	if msg != "" {
		c.err(msg)
		return
	}
	killed, self := 0, false
	s.mu.Lock()
	for _, id := range sortedClientIDs(s.clients) {
		cl := s.clients[id]
		if !f.match(cl, c) {
			continue
		}
		if cl == c {
			self = true
		} else {
			s.kill(cl)
		}
		killed++
	}
	s.mu.Unlock()
	switch {
	case !f.old:
		c.integer(int64(killed))
	case killed == 0:
		c.err(msgNoSuchClient)
	default:
		c.ok()
	}
	if self {
		c.closeAfterReply = true
	}
}

// parseClientPause parses CLIENT PAUSE's timeout and mode as Redis 7.0:
// the mode is checked first; the timeout is whole milliseconds, not
// negative, and becomes an end in Unix milliseconds (0 stays 0, a pause
// that is already over; the addition wraps as Redis's does).
func parseClientPause(args [][]byte, now int64) (end int64, typ pauseType, msg string) {
	typ = pauseAll
	if len(args) == 2 {
		switch {
		case equalFold(args[1], "write"):
			typ = pauseWrite
		case equalFold(args[1], "all"):
		default:
			return 0, 0, msgPauseMode
		}
	}
	ms, ok := resp.ParseInt(args[0])
	if !ok {
		return 0, 0, msgTimeoutNotInt
	}
	if ms < 0 {
		return 0, 0, msgTimeoutNeg
	}
	if ms > 0 {
		ms += now
	}
	return ms, typ, ""
}

// cmdClientPause is CLIENT PAUSE timeout [WRITE|ALL] (pause.go).
func cmdClientPause(s *Server, c *client, args [][]byte) {
	if len(args) > 4 {
		c.err(fmt.Sprintf(msgSubcommandSyntax, cString(args[1], 128), upper(args[0])))
		return
	}
	end, typ, msg := parseClientPause(args[2:], time.Now().UnixMilli())
	if msg != "" {
		c.err(msg)
		return
	}
	s.pauseClients(end, typ)
	c.ok()
}

// cmdClientUnpause is CLIENT UNPAUSE: the postponed clients go on.
func cmdClientUnpause(s *Server, c *client, args [][]byte) {
	s.unpauseClients()
	c.ok()
}

// clientHelp lists numkv's CLIENT subcommands, in the shape of Redis's
// help (a usage line, then its description indented by four spaces).
// Redis's tracking, caching and unblocking subcommands are not here:
// numkv has none of them.
var clientHelp = []string{
	"GETNAME",
	"    Reply the name of this connection, or a null reply when it has none.",
	"ID",
	"    Reply the unique id of this connection.",
	"INFO",
	"    Reply one line of CLIENT LIST about this connection.",
	"KILL <ip:port>",
	"    Close the connection from <ip:port>.",
	"KILL <filter> <value> [<filter> <value> ...]",
	"    Close the connections that match every filter, and reply how many:",
	"    * ID <id>                   the connection's id",
	"    * ADDR <ip:port>            the peer's address (<socket-path>:0 over a unix socket)",
	"    * LADDR <ip:port>           the local address it connected to",
	"    * TYPE NORMAL|MASTER|REPLICA|PUBSUB",
	"    * USER default              the only user there is",
	"    * SKIPME YES|NO             whether this connection is spared (default YES)",
	"LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID <id> ...]",
	"    Reply a line about each open connection.",
	"NO-EVICT ON|OFF",
	"    Exempt this connection from client eviction (maxmemory-clients), or not.",
	"NO-TOUCH ON|OFF",
	"    Leave the access time and frequency of the keys this connection reads alone, or not.",
	"PAUSE <milliseconds> [WRITE|ALL]",
	"    Hold back every command (ALL, the default), or those that may write (WRITE),",
	"    for <milliseconds>.",
	"REPLY ON|OFF|SKIP",
	"    Turn replies to this connection on, off, or off for the next command only.",
	"SETINFO LIB-NAME|LIB-VER <value>",
	"    Record the client library's name or version, shown by CLIENT LIST.",
	"SETNAME <name>",
	"    Name this connection.",
	"UNPAUSE",
	"    End a CLIENT PAUSE: the commands it held back run.",
}

func cmdClientHelp(s *Server, c *client, args [][]byte) { c.help(args[0], clientHelp) }
