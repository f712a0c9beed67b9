package commands

import (
	"slices"
	"strings"
)

type cmdFlag uint32

// Redis's flags: a row states them in flagText, which COMMAND replies as it
// stands, and init sets their bits from it (see flagNames).
const (
	flagWrite cmdFlag = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagFast
	flagNoAuth
	flagLoading
	flagNoMulti // refused inside MULTI ("no_multi": SAVE, SHUTDOWN)
)

// numkv's own bits: the behaviours Redis selects by comparing a command's
// procedure (processCommand, execCommand), and numkv's locking. A row sets
// them in its flags field; COMMAND never replies them.
const (
	// flagNotQueued: runs at once even inside MULTI, as processCommand
	// lists them (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET).
	flagNotQueued cmdFlag = 1 << (16 + iota)
	// flagRunsQueue: runs the transaction's queue (EXEC). Dispatch refuses
	// it for what it would refuse a queued command for, and a refusal
	// aborts the transaction.
	flagRunsQueue
	// flagEndsMulti: ends an open transaction (EXEC, DISCARD, QUIT, RESET),
	// so over maxmemory it is not refused for the memory queueing costs.
	flagEndsMulti
	// flagHealthCheck: refused with MISCONF as a write is while disk
	// writes fail (PING), so that a client's health check sees it.
	flagHealthCheck
	// flagDeletesKeys: removes its keys (DEL, UNLINK); its key spec says
	// RM DELETE.
	flagDeletesKeys
	// flagSelectsDB: the first argument names the database that the keys
	// of the commands queued after it live in (SELECT); EXEC plans its
	// locks with it.
	flagSelectsDB
	// flagWalks: the handler visits the keyspace slot by slot itself (KEYS,
	// SCAN, FLUSHDB...). EXEC runs a queue holding one under LockAll, and
	// the handler then takes no slot lock (client.allLocked).
	flagWalks
	// flagLocksAll: the handler takes every slot lock itself (the snapshot
	// cut of BGSAVE). EXEC runs a queue holding one under LockAll, so that
	// the transaction stays atomic, and the handler cuts with the locks it
	// holds (client.allLocked).
	flagLocksAll
	// flagTouch: records access to its keys even for a CLIENT NO-TOUCH
	// client (TOUCH).
	flagTouch

	ownFlags = flagNotQueued | flagRunsQueue | flagEndsMulti | flagHealthCheck |
		flagDeletesKeys | flagSelectsDB | flagWalks | flagLocksAll | flagTouch
)

// flagNames maps Redis's COMMAND flag names to the bits dispatch uses. Flags
// without a bit are still replied by COMMAND.
var flagNames = map[string]cmdFlag{
	"write": flagWrite, "readonly": flagReadonly, "denyoom": flagDenyOOM,
	"admin": flagAdmin, "fast": flagFast, "no_auth": flagNoAuth, "loading": flagLoading,
	"no_multi": flagNoMulti,
}

type handler func(s *Server, c *client, args [][]byte)

// command is one row of the command table, the single source of truth for
// dispatch, arity errors, locking, COMMAND, redis-compat.md and the
// differential test's coverage.
type command struct {
	name     string // lower case
	arity    int    // n: exactly n arguments with the name; -n: at least n
	flagText string // Redis's flags, space separated, as COMMAND replies them
	// flags holds numkv's own bits (ownFlags) as the row sets them; init
	// adds the bits of flagText's Redis flags.
	flags cmdFlag
	first int // first key argument, 0 for none
	last  int // last key argument; negative counts from the end
	step  int
	acl   string // ACL categories, space separated, without '@'
	// tips are Redis 7's command tips, space separated: how a cluster
	// client fans the command out (request_policy, response_policy).
	tips    string
	group   string // COMMAND DOCS group
	since   string
	summary string
	handler handler
	// kflags are Redis 7's key-spec flags ("RW access update") for the keys
	// at first..last, as COMMAND INFO and GETKEYSANDFLAGS reply them; specs
	// replaces them for a command with several key specs (init builds specs
	// from kflags).
	kflags string
	specs  []keySpec
	// keyRefs, when set, finds the keys and their flags in the arguments,
	// as Redis's getkeys procedures: for keys after a keyword (MIGRATE) or
	// flags that depend on the options (SET ... GET).
	keyRefs func(args [][]byte) []keyRef
	// keys, when set, replaces first/last/step for locking: for commands
	// whose keys are not a plain range (or live in another database).
	keys func(s *Server, c *client, args [][]byte, idx []int) []int
	// sub holds the subcommands of a container command, in the order
	// COMMAND replies them; subcommand looks one up.
	sub []*command

	fullName string // "client|setname" for subcommands
	id       int    // the index of its statistics (stats.go)
}

// The table. Rows are grouped as COMMAND DOCS groups them. Flags, arity and
// key positions follow Redis 7.0 so that cluster clients route correctly and
// redis-cli's hints work.
var commandTable = []*command{
	// connection
	{name: "ping", arity: -1, flagText: "fast", acl: "fast connection", group: "connection", since: "1.0.0", summary: "Replies PONG, or echoes the argument.", handler: cmdPing, flags: flagHealthCheck},
	{name: "echo", arity: 2, flagText: "loading stale fast", acl: "fast connection", group: "connection", since: "1.0.0", summary: "Replies the argument.", handler: cmdEcho},
	{name: "hello", arity: -1, flagText: "noscript loading stale fast no_auth allow_busy", acl: "fast connection", group: "connection", since: "6.0.0", summary: "Switches the protocol (2 or 3), optionally authenticates and names the connection.", handler: cmdHello},
	{name: "auth", arity: -2, flagText: "noscript loading stale fast no_auth allow_busy", acl: "fast connection", group: "connection", since: "1.0.0", summary: "Authenticates the connection.", handler: cmdAuth},
	{name: "select", arity: 2, flagText: "loading stale fast", acl: "fast connection", group: "connection", since: "1.0.0", summary: "Changes the selected database.", handler: cmdSelect, flags: flagSelectsDB},
	{name: "quit", arity: -1, flagText: "noscript loading stale fast no_auth allow_busy", acl: "fast connection", group: "connection", since: "1.0.0", summary: "Closes the connection after replying OK.", handler: cmdQuit, flags: flagNotQueued | flagEndsMulti},
	{name: "reset", arity: 1, flagText: "noscript loading stale fast no_auth allow_busy", acl: "fast connection", group: "connection", since: "6.2.0", summary: "Resets the connection's state.", handler: cmdReset, flags: flagNotQueued | flagEndsMulti},
	{name: "client", arity: -2, acl: "slow", group: "connection", since: "2.4.0", summary: "A container for client connection commands.", sub: []*command{
		{name: "id", arity: 2, flagText: "noscript loading stale", acl: "slow connection", since: "5.0.0", summary: "Returns the connection's unique id.", handler: cmdClientID},
		{name: "setname", arity: 3, flagText: "noscript loading stale", acl: "slow connection", since: "2.6.9", summary: "Names the connection.", handler: cmdClientSetname},
		{name: "getname", arity: 2, flagText: "noscript loading stale", acl: "slow connection", since: "2.6.9", summary: "Returns the connection's name.", handler: cmdClientGetname},
		{name: "setinfo", arity: 4, flagText: "noscript loading stale", acl: "slow connection", since: "7.2.0", summary: "Records the client library's name or version.", handler: cmdClientSetinfo},
		{name: "info", arity: 2, flagText: "noscript loading stale", acl: "slow connection", tips: "nondeterministic_output", since: "6.2.0", summary: "Returns information about this connection.", handler: cmdClientInfo},
		{name: "list", arity: -2, flagText: "admin noscript loading stale", acl: "admin slow dangerous connection", since: "2.4.0", summary: "Lists open connections.", handler: cmdClientList},
		{name: "kill", arity: -3, flagText: "admin noscript loading stale", acl: "admin slow dangerous connection", since: "2.4.0", summary: "Closes the connections that match the filters (or the old form's address).", handler: cmdClientKill},
		{name: "pause", arity: -3, flagText: "admin noscript loading stale", acl: "admin slow dangerous connection", since: "2.9.50", summary: "Holds back all commands, or those that may write (WRITE), for some milliseconds.", handler: cmdClientPause},
		{name: "unpause", arity: 2, flagText: "admin noscript loading stale", acl: "admin slow dangerous connection", since: "6.2.0", summary: "Lifts CLIENT PAUSE: the postponed commands run.", handler: cmdClientUnpause},
		{name: "reply", arity: 3, flagText: "noscript loading stale", acl: "slow connection", since: "3.2.0", summary: "Turns replies to this connection on, off, or off for the next command.", handler: cmdClientReply},
		{name: "no-evict", arity: 3, flagText: "admin noscript loading stale", acl: "admin slow dangerous connection", since: "7.0.0", summary: "Exempts this connection from client eviction (maxmemory-clients), or not.", handler: cmdClientNoEvict},
		{name: "help", arity: 2, flagText: "loading stale", acl: "slow connection", since: "5.0.0", summary: "Returns helpful text about the different subcommands.", handler: cmdClientHelp},
		{name: "no-touch", arity: 3, flagText: "noscript loading stale", acl: "slow connection", since: "7.2.0", summary: "Turns off, or back on, the access times and counters this connection's commands update.", handler: cmdClientNoTouch},
	}},

	// server
	{name: "info", arity: -1, flagText: "loading stale", acl: "slow dangerous", tips: "nondeterministic_output request_policy:all_shards response_policy:special", group: "server", since: "1.0.0", summary: "Returns information and statistics about the server.", handler: cmdInfo},
	{name: "command", arity: -1, flagText: "loading stale", acl: "slow connection", group: "server", since: "2.8.13", summary: "Returns detailed information about all commands.", handler: cmdCommand, sub: []*command{
		{name: "count", arity: 2, flagText: "loading stale", acl: "slow connection", since: "2.8.13", summary: "Returns the number of commands.", handler: cmdCommandCount},
		{name: "list", arity: -2, flagText: "loading stale", acl: "slow connection", since: "7.0.0", summary: "Returns a list of command names.", handler: cmdCommandList},
		{name: "info", arity: -2, flagText: "loading stale", acl: "slow connection", since: "2.8.13", summary: "Returns information about one, multiple or all commands.", handler: cmdCommandInfo},
		{name: "docs", arity: -2, flagText: "loading stale", acl: "slow connection", since: "7.0.0", summary: "Returns documentary information about one, multiple or all commands.", handler: cmdCommandDocs},
		{name: "getkeysandflags", arity: -4, flagText: "loading stale", acl: "slow connection", since: "7.0.0", summary: "Extracts the key names and their access flags from an arbitrary command.", handler: cmdCommandGetkeys},
		{name: "getkeys", arity: -4, flagText: "loading stale", acl: "slow connection", since: "2.8.13", summary: "Extracts the key names from an arbitrary command.", handler: cmdCommandGetkeys},
	}},
	{name: "time", arity: 1, flagText: "loading stale fast", acl: "fast", group: "server", since: "2.6.0", summary: "Returns the server time.", handler: cmdTime},
	{name: "dbsize", arity: 1, flagText: "readonly fast", acl: "keyspace read fast", tips: "request_policy:all_shards response_policy:agg_sum", group: "server", since: "1.0.0", summary: "Returns the number of keys in the database.", handler: cmdDbsize},
	{name: "flushdb", arity: -1, flagText: "write", acl: "keyspace write slow dangerous", tips: "request_policy:all_shards response_policy:all_succeeded", group: "server", since: "1.0.0", summary: "Removes every key from the current database.", handler: cmdFlushdb, flags: flagWalks},
	{name: "flushall", arity: -1, flagText: "write", acl: "keyspace write slow dangerous", tips: "request_policy:all_shards response_policy:all_succeeded", group: "server", since: "1.0.0", summary: "Removes every key from every database.", handler: cmdFlushall, flags: flagWalks},
	{name: "config", arity: -2, acl: "slow", group: "server", since: "2.0.0", summary: "A container for server configuration commands.", sub: []*command{
		{name: "get", arity: -3, flagText: "admin noscript loading stale", acl: "admin slow dangerous", since: "2.0.0", summary: "Returns the effective values of configuration parameters.", handler: cmdConfigGet},
		{name: "set", arity: -4, flagText: "admin noscript loading stale", acl: "admin slow dangerous", since: "2.0.0", summary: "Sets configuration parameters in-flight.", handler: cmdConfigSet},
		{name: "resetstat", arity: 2, flagText: "admin noscript loading stale", acl: "admin slow dangerous", since: "2.0.0", summary: "Resets the server's statistics.", handler: cmdConfigResetstat},
		{name: "rewrite", arity: 2, flagText: "admin noscript loading stale", acl: "admin slow dangerous", since: "2.8.0", summary: "Writes the running settings back into the configuration file numkv started with.", handler: cmdConfigRewrite},
		{name: "help", arity: 2, flagText: "loading stale", acl: "slow", since: "5.0.0", summary: "Returns helpful text about the different subcommands.", handler: cmdConfigHelp},
	}},
	{name: "save", arity: 1, flagText: "admin noscript no_async_loading no_multi", acl: "admin slow dangerous", group: "server", since: "1.0.0", summary: "Writes the snapshot and replies when it is on disk.", handler: cmdSave},
	{name: "bgsave", arity: -1, flagText: "admin noscript no_async_loading", acl: "admin slow dangerous", group: "server", since: "1.0.0", summary: "Writes the snapshot in the background from copy-on-write clones.", handler: cmdBgsave, flags: flagLocksAll},
	{name: "lastsave", arity: 1, flagText: "loading stale fast", acl: "admin fast dangerous", group: "server", since: "1.0.0", summary: "Returns the unix time of the last successful save.", handler: cmdLastsave},
	{name: "shutdown", arity: -1, flagText: "admin noscript loading stale no_multi allow_busy", acl: "admin slow dangerous", group: "server", since: "1.0.0", summary: "Saves (unless NOSAVE) and stops the server.", handler: cmdShutdown},

	// string
	{name: "get", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read string fast", group: "string", since: "1.0.0", summary: "Returns the bytes of a variable.", handler: cmdGet},
	{name: "set", arity: -3, flagText: "write denyoom", first: 1, last: 1, step: 1, specs: []keySpec{{notes: "RW and ACCESS due to the optional `GET` argument", flags: "RW access update variable_flags", index: 1}}, acl: "write string slow", group: "string", since: "1.0.0", summary: "Sets a key to a u8 variable holding the bytes given.", handler: cmdSet, keyRefs: setKeyRefs},
	{name: "mget", arity: -2, flagText: "readonly fast", first: 1, last: -1, step: 1, kflags: "RO access", acl: "read string fast", group: "string", since: "1.0.0", summary: "Returns the bytes of several variables.", handler: cmdMget},
	{name: "mset", arity: -3, flagText: "write denyoom", first: 1, last: -1, step: 2, kflags: "OW update", acl: "write string slow", group: "string", since: "1.0.1", summary: "Sets several keys at once.", handler: cmdMset},
	{name: "append", arity: 3, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW insert", acl: "write string fast", group: "string", since: "2.0.0", summary: "Appends bytes to a variable, creating a u8 one if missing.", handler: cmdAppend},
	{name: "strlen", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO", acl: "read string fast", group: "string", since: "2.2.0", summary: "Returns a variable's length in bytes.", handler: cmdStrlen},
	{name: "getrange", arity: 4, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read string slow", group: "string", since: "2.4.0", summary: "Returns a byte range of a variable.", handler: cmdGetrange},
	{name: "setnx", arity: 3, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "OW insert", acl: "write string fast", group: "string", since: "1.0.0", summary: "Sets a key only when it does not exist.", handler: cmdSetnx},
	{name: "setex", arity: 4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "OW update", acl: "write string slow", group: "string", since: "2.0.0", summary: "Sets a key with an expiry in seconds.", handler: cmdSetex},
	{name: "psetex", arity: 4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "OW update", acl: "write string slow", group: "string", since: "2.6.0", summary: "Sets a key with an expiry in milliseconds.", handler: cmdPsetex},
	{name: "getset", arity: 3, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write string fast", group: "string", since: "1.0.0", summary: "Sets a key and returns its previous bytes.", handler: cmdGetset},
	{name: "getdel", arity: 2, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW access delete", acl: "write string fast", group: "string", since: "6.2.0", summary: "Returns a key's bytes and deletes it.", handler: cmdGetdel},
	{name: "getex", arity: -2, flagText: "write fast", first: 1, last: 1, step: 1, specs: []keySpec{{notes: "RW and UPDATE because it changes the TTL", flags: "RW access update", index: 1}}, acl: "write string fast", group: "string", since: "6.2.0", summary: "Returns a key's bytes and changes its expiry.", handler: cmdGetex},
	{name: "substr", arity: 4, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read string slow", group: "string", since: "1.0.0", summary: "Returns a byte range of a variable (GETRANGE).", handler: cmdGetrange},
	{name: "msetnx", arity: -3, flagText: "write denyoom", first: 1, last: -1, step: 2, kflags: "OW insert", acl: "write string slow", group: "string", since: "1.0.1", summary: "Sets several keys only when none of them exists.", handler: cmdMsetnx},
	{name: "incr", arity: 2, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write string fast", group: "string", since: "1.0.0", summary: "Adds one to the integer a string holds.", handler: cmdIncr},
	{name: "decr", arity: 2, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write string fast", group: "string", since: "1.0.0", summary: "Subtracts one from the integer a string holds.", handler: cmdDecr},
	{name: "incrby", arity: 3, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write string fast", group: "string", since: "1.0.0", summary: "Adds an integer to the integer a string holds.", handler: cmdIncrby},
	{name: "decrby", arity: 3, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write string fast", group: "string", since: "1.0.0", summary: "Subtracts an integer from the integer a string holds.", handler: cmdDecrby},
	{name: "incrbyfloat", arity: 3, flagText: "write denyoom fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write string fast", group: "string", since: "2.6.0", summary: "Adds a float to the number a string holds, in long double as Redis.", handler: cmdIncrbyfloat},
	{name: "lcs", arity: -3, flagText: "readonly", first: 1, last: 2, step: 1, kflags: "RO access", acl: "read string slow", group: "string", since: "7.0.0", summary: "Finds the longest common subsequence of two strings.", handler: cmdLcs},
	{name: "setrange", arity: 4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "RW update", acl: "write string slow", group: "string", since: "2.2.0", summary: "Overwrites bytes from an offset on, zero-filling any gap.", handler: cmdSetrange},

	// bitmap
	{name: "getbit", arity: 3, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read bitmap fast", group: "bitmap", since: "2.2.0", summary: "Returns one bit of a variable's bytes.", handler: cmdGetbit},
	{name: "setbit", arity: 4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "write bitmap slow", group: "bitmap", since: "2.2.0", summary: "Sets or clears one bit, zero-filling any gap.", handler: cmdSetbit},
	{name: "bitcount", arity: -2, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read bitmap slow", group: "bitmap", since: "2.6.0", summary: "Counts the set bits of a byte or bit range.", handler: cmdBitcount},
	{name: "bitpos", arity: -3, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read bitmap slow", group: "bitmap", since: "2.8.7", summary: "Returns the position of the first set or clear bit in a byte or bit range.", handler: cmdBitpos},
	{name: "bitop", arity: -4, flagText: "write denyoom", first: 2, last: -1, step: 1, specs: []keySpec{{flags: "OW update", index: 2}, {flags: "RO access", index: 3, lastKey: -1}}, acl: "write bitmap slow", group: "bitmap", since: "2.6.0", summary: "Stores the AND, OR, XOR or NOT of variables' bytes as a plain string.", handler: cmdBitop},
	{name: "bitfield", arity: -2, flagText: "write denyoom", first: 1, last: 1, step: 1, specs: []keySpec{{notes: "This command allows both access and modification of the key", flags: "RW access update variable_flags", index: 1}}, acl: "write bitmap slow", group: "bitmap", since: "3.2.0", summary: "Reads, sets and increments integer fields of any width at any bit offset.", handler: cmdBitfield, keyRefs: bitfieldKeyRefs},
	{name: "bitfield_ro", arity: -2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read bitmap fast", group: "bitmap", since: "6.0.0", summary: "Reads integer fields of any width at any bit offset.", handler: cmdBitfieldRO},

	// generic (keyspace)
	{name: "del", arity: -2, flagText: "write", first: 1, last: -1, step: 1, kflags: "RM delete", acl: "keyspace write slow", group: "generic", since: "1.0.0", summary: "Deletes keys.", handler: cmdDel, flags: flagDeletesKeys},
	{name: "unlink", arity: -2, flagText: "write fast", first: 1, last: -1, step: 1, kflags: "RM delete", acl: "keyspace write fast", group: "generic", since: "4.0.0", summary: "Deletes keys; memory is reclaimed in the background.", handler: cmdDel, flags: flagDeletesKeys},
	{name: "exists", arity: -2, flagText: "readonly fast", first: 1, last: -1, step: 1, kflags: "RO", acl: "keyspace read fast", group: "generic", since: "1.0.0", summary: "Counts how many of the keys exist.", handler: cmdExists},
	{name: "type", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO", acl: "keyspace read fast", group: "generic", since: "1.0.0", summary: "Returns string for every variable, none for a missing key.", handler: cmdType},
	{name: "keys", arity: 2, flagText: "readonly", acl: "keyspace read slow dangerous", tips: "request_policy:all_shards nondeterministic_output_order", group: "generic", since: "1.0.0", summary: "Returns the keys matching a glob pattern.", handler: cmdKeys, flags: flagWalks},
	{name: "scan", arity: -2, flagText: "readonly", acl: "keyspace read slow", tips: "nondeterministic_output request_policy:special", group: "generic", since: "2.8.0", summary: "Iterates the keys, a few slots per call.", handler: cmdScan, flags: flagWalks},
	{name: "randomkey", arity: 1, flagText: "readonly", acl: "keyspace read slow", tips: "request_policy:all_shards nondeterministic_output", group: "generic", since: "1.0.0", summary: "Returns a random key.", handler: cmdRandomkey, flags: flagWalks},
	{name: "touch", arity: -2, flagText: "readonly fast", first: 1, last: -1, step: 1, kflags: "RO", acl: "keyspace read fast", group: "generic", since: "3.2.1", summary: "Counts the keys that exist and marks them used.", handler: cmdTouch, flags: flagTouch},
	{name: "rename", arity: 3, flagText: "write", first: 1, last: 2, step: 1, specs: []keySpec{{flags: "RW access delete", index: 1}, {flags: "OW update", index: 2}}, acl: "keyspace write slow", group: "generic", since: "1.0.0", summary: "Renames a key, replacing the destination.", handler: cmdRename},
	{name: "renamenx", arity: 3, flagText: "write fast", first: 1, last: 2, step: 1, specs: []keySpec{{flags: "RW access delete", index: 1}, {flags: "OW insert", index: 2}}, acl: "keyspace write fast", group: "generic", since: "1.0.0", summary: "Renames a key only when the new name is free.", handler: cmdRenamenx},
	{name: "copy", arity: -3, flagText: "write denyoom", first: 1, last: 2, step: 1, specs: []keySpec{{flags: "RO access", index: 1}, {flags: "OW update", index: 2}}, acl: "keyspace write slow", group: "generic", since: "6.2.0", summary: "Copies a variable in O(1), copy-on-write.", handler: cmdCopy, keys: copyKeys},
	{name: "dump", arity: 2, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "keyspace read slow", group: "generic", since: "2.6.0", summary: "Returns a serialized representation of a variable (numkv's own payload).", handler: cmdDump},
	{name: "restore", arity: -4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "OW update", acl: "keyspace write slow dangerous", group: "generic", since: "2.6.0", summary: "Creates a variable from a DUMP payload.", handler: cmdRestore},
	{name: "restore-asking", arity: -4, flagText: "write denyoom asking", first: 1, last: 1, step: 1, kflags: "OW update", acl: "keyspace write slow dangerous", group: "server", since: "3.0.0", summary: "RESTORE for a slot being imported (MIGRATE sends it).", handler: cmdRestoreAsking},
	{name: "migrate", arity: -6, flagText: "write movablekeys", first: 3, last: 3, step: 1, specs: []keySpec{{flags: "RW access delete", index: 3}, {flags: "RW access delete incomplete", keyword: "KEYS", startFrom: -2, lastKey: -1}}, acl: "keyspace write slow dangerous", group: "generic", since: "2.6.0", summary: "Moves keys to another node: DUMP, RESTORE there, and delete here once acknowledged.", handler: cmdMigrate, keys: migrateLockKeys, keyRefs: migrateKeyRefs},
	{name: "move", arity: 3, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW access update", acl: "keyspace write fast", group: "generic", since: "1.0.0", summary: "Moves a key to another database.", handler: cmdMove, keys: moveKeys},
	{name: "swapdb", arity: 3, flagText: "write fast", acl: "keyspace write fast dangerous", group: "server", since: "4.0.0", summary: "Swaps the contents of two databases.", handler: cmdSwapdb, keys: swapdbKeys},
	{name: "expire", arity: -3, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW update", acl: "keyspace write fast", group: "generic", since: "1.0.0", summary: "Sets a key's time to live in seconds.", handler: cmdExpire},
	{name: "pexpire", arity: -3, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW update", acl: "keyspace write fast", group: "generic", since: "2.6.0", summary: "Sets a key's time to live in milliseconds.", handler: cmdPexpire},
	{name: "expireat", arity: -3, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW update", acl: "keyspace write fast", group: "generic", since: "1.2.0", summary: "Sets a key's expiry as a unix time in seconds.", handler: cmdExpireat},
	{name: "pexpireat", arity: -3, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW update", acl: "keyspace write fast", group: "generic", since: "2.6.0", summary: "Sets a key's expiry as a unix time in milliseconds.", handler: cmdPexpireat},
	{name: "ttl", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "keyspace read fast", group: "generic", since: "1.0.0", summary: "Returns a key's time to live in seconds.", handler: cmdTTL},
	{name: "pttl", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "keyspace read fast", group: "generic", since: "2.6.0", summary: "Returns a key's time to live in milliseconds.", handler: cmdPTTL},
	{name: "expiretime", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "keyspace read fast", group: "generic", since: "7.0.0", summary: "Returns a key's expiry as a unix time in seconds.", handler: cmdExpiretime},
	{name: "pexpiretime", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO access", acl: "keyspace read fast", group: "generic", since: "7.0.0", summary: "Returns a key's expiry as a unix time in milliseconds.", handler: cmdPexpiretime},
	{name: "persist", arity: 2, flagText: "write fast", first: 1, last: 1, step: 1, kflags: "RW update", acl: "keyspace write fast", group: "generic", since: "2.2.0", summary: "Removes a key's expiry.", handler: cmdPersist},
	{name: "object", arity: -2, acl: "slow", group: "generic", since: "2.2.3", summary: "A container for object introspection commands.", sub: []*command{
		{name: "encoding", arity: 3, flagText: "readonly", first: 2, last: 2, step: 1, kflags: "RO", acl: "keyspace read slow", since: "2.2.3", summary: "Returns how Redis would encode the value: int, embstr or raw.", handler: cmdObjectEncoding},
		{name: "freq", arity: 3, flagText: "readonly", first: 2, last: 2, step: 1, kflags: "RO", acl: "keyspace read slow", since: "4.0.0", summary: "Refused as in Redis without an LFU policy.", handler: cmdObjectFreq},
		{name: "idletime", arity: 3, flagText: "readonly", first: 2, last: 2, step: 1, kflags: "RO", acl: "keyspace read slow", since: "2.2.3", summary: "Returns the seconds since the key was last used.", handler: cmdObjectIdletime},
		{name: "refcount", arity: 3, flagText: "readonly", first: 2, last: 2, step: 1, kflags: "RO", acl: "keyspace read slow", since: "2.2.3", summary: "Returns the value's reference count as Redis would.", handler: cmdObjectRefcount},
		{name: "help", arity: 2, flagText: "loading stale", acl: "keyspace slow", since: "6.2.0", summary: "Returns helpful text about the different subcommands.", handler: cmdObjectHelp},
	}},
	{name: "readonly", arity: 1, flagText: "loading stale fast", acl: "fast connection", group: "cluster", since: "3.0.0", summary: "Accepted in cluster mode; there are no replicas to read from.", handler: cmdReadonly},
	{name: "readwrite", arity: 1, flagText: "loading stale fast", acl: "fast connection", group: "cluster", since: "3.0.0", summary: "Accepted in cluster mode, as READONLY.", handler: cmdReadonly},
	{name: "asking", arity: 1, flagText: "fast", acl: "fast connection", group: "cluster", since: "3.0.0", summary: "Lets the next command use a slot this node is importing.", handler: cmdAsking},
	{name: "cluster", arity: -2, acl: "slow", group: "cluster", since: "3.0.0", summary: "A container for Redis Cluster commands.", sub: []*command{
		{name: "info", arity: 2, flagText: "stale", acl: "slow", tips: "nondeterministic_output", since: "3.0.0", summary: "Returns the cluster's state.", handler: clusterCmd(cmdClusterInfo)},
		{name: "myid", arity: 2, flagText: "stale", acl: "slow", since: "3.0.0", summary: "Returns this node's id.", handler: clusterCmd(cmdClusterMyid)},
		{name: "nodes", arity: 2, flagText: "stale", acl: "slow", tips: "nondeterministic_output", since: "3.0.0", summary: "Returns the layout in the nodes.conf line format.", handler: clusterCmd(cmdClusterNodes)},
		{name: "slots", arity: 2, flagText: "stale", acl: "slow", tips: "nondeterministic_output", since: "3.0.0", summary: "Returns the runs of slots and the node serving each.", handler: clusterCmd(cmdClusterSlots)},
		{name: "setslot", arity: -4, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "3.0.0", summary: "Marks a slot importing, migrating or stable, or gives it to a node.", handler: clusterCmd(cmdClusterSetslot)},
		{name: "shards", arity: 2, flagText: "stale", acl: "slow", tips: "nondeterministic_output", since: "7.0.0", summary: "Returns each shard's slots and node.", handler: clusterCmd(cmdClusterShards)},
		{name: "keyslot", arity: 3, flagText: "stale", acl: "slow", since: "3.0.0", summary: "Returns the hash slot of a key.", handler: clusterCmd(cmdClusterKeyslot)},
		{name: "countkeysinslot", arity: 3, flagText: "stale", acl: "slow", since: "3.0.0", summary: "Counts this node's keys in a slot.", handler: clusterCmd(cmdClusterCountkeysinslot)},
		{name: "getkeysinslot", arity: 4, flagText: "stale", acl: "slow", tips: "nondeterministic_output", since: "3.0.0", summary: "Returns up to count of this node's keys in a slot.", handler: clusterCmd(cmdClusterGetkeysinslot)},
		{name: "addslots", arity: -3, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "3.0.0", summary: "Gives slots to this node.", handler: clusterCmd(cmdClusterAddslots)},
		{name: "addslotsrange", arity: -4, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "7.0.0", summary: "Gives ranges of slots to this node.", handler: clusterCmd(cmdClusterAddslotsrange)},
		{name: "delslots", arity: -3, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "3.0.0", summary: "Takes slots from this node.", handler: clusterCmd(cmdClusterDelslots)},
		{name: "meet", arity: -4, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "3.0.0", summary: "Learns the layout of the node at ip:port, and pushes the merged layout to every node.", handler: clusterCmd(cmdClusterMeet)},
		{name: "set-config-epoch", arity: 3, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "3.0.0", summary: "Sets this node's config epoch while it knows no other node.", handler: clusterCmd(cmdClusterSetConfigEpoch)},
		{name: "restore-part", arity: -5, flagText: "write denyoom", first: 2, last: 2, step: 1, kflags: "OW update", acl: "keyspace write slow dangerous", group: "numkv", since: "3.0.0", summary: "numkv's own: one part of a variable MIGRATE sends in parts.", handler: clusterCmd(cmdClusterRestorePart)},
		{name: "pushed", arity: -4, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", group: "numkv", since: "3.0.0", summary: "numkv's own: applies a DELSLOTS or FORGET another node pushed, without pushing it on.", handler: clusterCmd(cmdClusterPushed)},
		{name: "layout", arity: 3, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", group: "numkv", since: "3.0.0", summary: "numkv's own: merges a layout another node pushed (CLUSTER MEET).", handler: clusterCmd(cmdClusterLayout)},
		{name: "help", arity: 2, flagText: "loading stale", acl: "slow", since: "5.0.0", summary: "Returns helpful text about the different subcommands.", handler: clusterCmd(cmdClusterHelp)},
		{name: "forget", arity: 3, flagText: "admin stale no_async_loading", acl: "admin slow dangerous", since: "3.0.0", summary: "Removes a node from the layout.", handler: clusterCmd(cmdClusterForget)},
	}},
	{name: "function", arity: -2, acl: "slow", group: "scripting", since: "7.0.0", summary: "A container for function commands; numkv runs no scripts.", sub: []*command{
		{name: "flush", arity: -2, flagText: "write noscript", acl: "write slow scripting", tips: "request_policy:all_shards response_policy:all_succeeded", since: "7.0.0", summary: "Removes every library: there are none, since numkv runs no scripts.", handler: cmdFunctionFlush},
		{name: "help", arity: 2, flagText: "loading stale", acl: "slow scripting", since: "7.0.0", summary: "Returns helpful text about the different subcommands.", handler: cmdFunctionHelp},
	}},
	{name: "memory", arity: -2, acl: "slow", group: "server", since: "4.0.0", summary: "A container for memory diagnostics commands.", sub: []*command{
		{name: "usage", arity: -3, flagText: "readonly", first: 2, last: 2, step: 1, kflags: "RO", acl: "read slow", since: "4.0.0", summary: "Estimates the memory a key uses.", handler: cmdMemoryUsage},
		{name: "help", arity: 2, flagText: "loading stale", acl: "slow", since: "4.0.0", summary: "Returns helpful text about the different subcommands.", handler: cmdMemoryHelp},
	}},

	// transactions
	{name: "multi", arity: 1, flagText: "noscript loading stale fast allow_busy", acl: "fast transaction", group: "transactions", since: "1.2.0", summary: "Starts a transaction.", handler: cmdMulti, flags: flagNotQueued},
	{name: "exec", arity: 1, flagText: "noscript loading stale skip_slowlog", acl: "slow transaction", group: "transactions", since: "1.2.0", summary: "Runs the queued commands atomically.", handler: cmdExec, flags: flagNotQueued | flagRunsQueue | flagEndsMulti},
	{name: "discard", arity: 1, flagText: "noscript loading stale fast allow_busy", acl: "fast transaction", group: "transactions", since: "2.0.0", summary: "Discards a transaction.", handler: cmdDiscard, flags: flagNotQueued | flagEndsMulti},
	{name: "watch", arity: -2, flagText: "noscript loading stale fast allow_busy", first: 1, last: -1, step: 1, kflags: "RO", acl: "fast transaction", group: "transactions", since: "2.2.0", summary: "Makes the next EXEC fail if one of the keys changes.", handler: cmdWatch, flags: flagNotQueued},
	{name: "unwatch", arity: 1, flagText: "noscript loading stale fast allow_busy", acl: "fast transaction", group: "transactions", since: "2.2.0", summary: "Forgets every watched key.", handler: cmdUnwatch},
	// numkv's array commands. Key positions are ordinary, so cluster clients
	// route them like any single-key Redis command.
	{name: "num.create", arity: -3, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "OW insert", acl: "write slow", group: "numkv", since: "0.1.0", summary: "Creates an empty variable of a dtype and optional row shape.", handler: cmdNumCreate},
	{name: "num.read", arity: -2, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read slow", group: "numkv", since: "0.1.0", summary: "Reads the scalars a selection over every axis (numpy basic indexing) picks, in C order, as bytes or VALUES, optionally cast AS a dtype.", handler: cmdNumRead},
	{name: "num.write", arity: -4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "RW update", acl: "write slow", group: "numkv", since: "0.1.0", summary: "Overwrites elements from an index on, or exactly the scalars a slice or N-d selection picks.", handler: cmdNumWrite},
	{name: "num.insert", arity: -4, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "RW insert", acl: "write slow", group: "numkv", since: "0.1.0", summary: "Inserts elements before an index.", handler: cmdNumInsert},
	{name: "num.append", arity: -3, flagText: "write denyoom", first: 1, last: 1, step: 1, kflags: "RW insert", acl: "write slow", group: "numkv", since: "0.1.0", summary: "Appends elements.", handler: cmdNumAppend},
	{name: "num.remove", arity: 3, flagText: "write", first: 1, last: 1, step: 1, kflags: "RW delete", acl: "write slow", group: "numkv", since: "0.1.0", summary: "Deletes the elements a slice or index of axis 0 selects.", handler: cmdNumRemove},
	{name: "num.len", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO", acl: "read fast", group: "numkv", since: "0.1.0", summary: "Returns the length in elements.", handler: cmdNumLen},
	{name: "num.info", arity: 2, flagText: "readonly fast", first: 1, last: 1, step: 1, kflags: "RO", acl: "read fast", group: "numkv", since: "0.1.0", summary: "Returns a variable's dtype, shape, length and sizes.", handler: cmdNumInfo},
	{name: "num.gather", arity: -3, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read slow", group: "numkv", since: "0.1.0", summary: "Reads the elements at the given indexes, in that order, optionally cast AS another dtype as numpy's astype does.", handler: cmdNumGather},
	{name: "num.reduce", arity: -3, flagText: "readonly", first: 1, last: 1, step: 1, kflags: "RO access", acl: "read slow", group: "numkv", since: "0.1.0", summary: "Reduces a selection with SUM, MEAN, MIN or MAX, whole or along an axis.", handler: cmdNumReduce},
}

var (
	// commandsByLen holds the commands by the length of their name, the
	// first thing lookupCommand compares: cheaper than hashing the name.
	commandsByLen  [32][]*command
	sortedCommands []*command // commandTable sorted by name, as COMMAND lists it
)

func init() {
	for _, cmd := range commandTable {
		finishCommand(cmd, nil)
		commandsByLen[len(cmd.name)] = append(commandsByLen[len(cmd.name)], cmd)
	}
	sortedCommands = slices.Clone(commandTable)
	slices.SortFunc(sortedCommands, func(a, b *command) int { return strings.Compare(a.name, b.name) })
}

func finishCommand(cmd, parent *command) {
	cmd.id = len(commandsByID)
	commandsByID = append(commandsByID, cmd)
	cmd.fullName = cmd.name
	if parent != nil {
		cmd.fullName = parent.name + "|" + cmd.name
		if cmd.group != "numkv" { // a subcommand of numkv's own keeps it
			cmd.group = parent.group
		}
	}
	for _, f := range strings.Fields(cmd.flagText) {
		cmd.flags |= flagNames[f]
	}
	finishSpecs(cmd)
	for _, sc := range cmd.sub {
		finishCommand(sc, cmd)
	}
}

// lookupCommand finds a command by name in any case without allocating.
func lookupCommand(name []byte) *command {
	if len(name) >= len(commandsByLen) {
		return nil
	}
	for _, cmd := range commandsByLen[len(name)] {
		if equalFold(name, cmd.name) {
			return cmd
		}
	}
	return nil
}

// subcommand finds one of cmd's subcommands by name in any case without
// allocating.
func (cmd *command) subcommand(name []byte) *command {
	for _, sc := range cmd.sub {
		if equalFold(name, sc.name) {
			return sc
		}
	}
	return nil
}

// equalFold reports whether b is s, which is lower case, in any ASCII case,
// without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := b[i]; c != s[i] && !(c >= 'A' && c <= 'Z' && c+'a'-'A' == s[i]) {
			return false
		}
	}
	return true
}
