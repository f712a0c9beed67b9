package commands

import (
	"fmt"
	"strings"
	"testing"
)

// eachCommand calls f for every command of the table and every subcommand.
func eachCommand(f func(cmd *command)) {
	for _, cmd := range commandTable {
		f(cmd)
		for _, sc := range cmd.sub {
			f(sc)
		}
	}
}

// TestCommandFlags checks that a command's Redis bits are exactly those of
// its flagText, that numkv's own bits are none of Redis's, and that COMMAND
// INFO replies flagText and nothing of the own bits.
func TestCommandFlags(t *testing.T) {
	for name, f := range flagNames {
		if f&ownFlags != 0 {
			t.Errorf("Redis flag %q shares a bit with numkv's own flags", name)
		}
	}
	_, c := mustLocal(t)
	eachCommand(func(cmd *command) {
		var redis cmdFlag
		for _, f := range strings.Fields(cmd.flagText) {
			redis |= flagNames[f]
		}
		if got := cmd.flags &^ ownFlags; got != redis {
			t.Errorf("%s: Redis bits %#x, flagText %q gives %#x", cmd.fullName, got, cmd.flagText, redis)
		}
		if cmd.flags&flagRunsQueue != 0 && cmd.flags&(flagNotQueued|flagEndsMulti) != flagNotQueued|flagEndsMulti {
			t.Errorf("%s runs the queue, so it must run at once inside MULTI and end it", cmd.fullName)
		}
		info, ok := parseReply(c.run("COMMAND", "INFO", cmd.fullName)).([]any)
		if !ok || len(info) != 1 {
			t.Fatalf("COMMAND INFO %s: %v", cmd.fullName, info)
		}
		if got, want := fmt.Sprint(info[0].([]any)[2]), fmt.Sprint(strings.Fields(cmd.flagText)); got != want {
			t.Errorf("COMMAND INFO %s replies flags %s, want %s", cmd.fullName, got, want)
		}
	})
}

// TestSubcommandLookup: subcommands are found in any ASCII case, and only
// in ASCII case as Redis's strcasecmp does (the Kelvin sign lower-cases to
// 'k' in Unicode, not in Redis), without allocating.
func TestSubcommandLookup(t *testing.T) {
	for _, top := range commandTable {
		for _, sc := range top.sub {
			for _, name := range []string{sc.name, strings.ToUpper(sc.name)} {
				if got := top.subcommand([]byte(name)); got != sc {
					t.Errorf("%s: subcommand(%q) = %v", sc.fullName, name, got)
				}
			}
			if got := findCommand([]byte(strings.ToUpper(sc.fullName))); got != sc {
				t.Errorf("findCommand(%q) = %v", strings.ToUpper(sc.fullName), got)
			}
		}
	}
	command := findCommand([]byte("command"))
	for _, name := range []string{"get\u212aeys", "getkey", "getkeys ", ""} {
		if got := command.subcommand([]byte(name)); got != nil {
			t.Errorf("subcommand(%q) = %s, want none", name, got.fullName)
		}
	}
	for _, name := range []string{"command|nosuch", "get|x", "nosuch", "|get", "command|getkeys|x"} {
		if got := findCommand([]byte(name)); got != nil {
			t.Errorf("findCommand(%q) = %s, want none", name, got.fullName)
		}
	}
	name := []byte("GETKEYS")
	if n := testing.AllocsPerRun(100, func() { command.subcommand(name) }); n != 0 {
		t.Errorf("subcommand allocates %.1f times", n)
	}
}

// TestCommandReplies covers the COMMAND replies the differential test
// cannot compare with Redis, whose table is not numkv's: each lists the
// table, top-level commands sorted by name, each followed by its
// subcommands in table order.
func TestCommandReplies(t *testing.T) {
	_, c := mustLocal(t)
	if got, want := c.run("COMMAND", "COUNT"), fmt.Sprintf(":%d\r\n", len(commandTable)); got != want {
		t.Errorf("COMMAND COUNT = %q, want %q", got, want)
	}
	var names, tops []any
	for _, cmd := range sortedCommands {
		tops = append(tops, cmd.fullName)
		names = append(names, cmd.fullName)
		for _, sc := range cmd.sub {
			names = append(names, sc.fullName)
		}
	}
	if got := parseReply(c.run("COMMAND", "LIST")); fmt.Sprint(got) != fmt.Sprint(names) {
		t.Errorf("COMMAND LIST = %v, want %v", got, names)
	}
	if got := parseReply(c.run("COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*")).([]any); len(got) != len(findCommand([]byte("client")).sub) {
		t.Errorf("COMMAND LIST FILTERBY PATTERN client|* = %v", got)
	}
	for _, args := range [][]string{{"COMMAND"}, {"COMMAND", "INFO"}} {
		reply := parseReply(c.run(args...)).([]any)
		var got []any
		for _, e := range reply {
			got = append(got, e.([]any)[0])
		}
		if fmt.Sprint(got) != fmt.Sprint(tops) {
			t.Errorf("%s lists %v, want %v", strings.Join(args, " "), got, tops)
		}
	}
	docs := parseReply(c.run("COMMAND", "DOCS")).([]any)
	var got []any
	for i := 0; i < len(docs); i += 2 {
		got = append(got, docs[i])
	}
	if fmt.Sprint(got) != fmt.Sprint(tops) {
		t.Errorf("COMMAND DOCS lists %v, want %v", got, tops)
	}
	want := "*2\r\n$9\r\nclient|id\r\n*6\r\n$7\r\nsummary\r\n$35\r\nReturns the connection's unique id.\r\n" +
		"$5\r\nsince\r\n$5\r\n5.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n"
	if got := c.run("COMMAND", "DOCS", "CLIENT|ID", "nosuch"); got != want {
		t.Errorf("COMMAND DOCS CLIENT|ID nosuch = %q, want %q", got, want)
	}
}

// TestNewerClientSubcommands covers CLIENT SETINFO and CLIENT NO-TOUCH,
// which Redis 7.2 added and the reference, 7.0, refuses: the replies follow
// 7.2's source (clientSetinfoCommand, clientCommand).
func TestNewerClientSubcommands(t *testing.T) {
	_, c := mustLocal(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"CLIENT", "SETINFO", "LIB-NAME", "go-redis"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-ver", "9.0"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-name", "a b"}, "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETINFO", "nosuch", "x"}, "-ERR Unrecognized option 'nosuch'\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-name"}, "-ERR wrong number of arguments for 'client|setinfo' command\r\n"},
		{[]string{"CLIENT", "NO-TOUCH", "ON"}, "+OK\r\n"},
		{[]string{"CLIENT", "NO-TOUCH", "off"}, "+OK\r\n"},
		{[]string{"CLIENT", "NO-TOUCH", "x"}, "-ERR syntax error\r\n"},
	} {
		if got := c.run(tc.args...); got != tc.want {
			t.Errorf("%s = %q, want %q", strings.Join(tc.args, " "), got, tc.want)
		}
	}
	if info := c.run("CLIENT", "INFO"); !strings.Contains(info, " lib-name=go-redis lib-ver=9.0\n") {
		t.Errorf("CLIENT INFO after SETINFO = %q", info)
	}
}

// TestMemoryHelp: numkv's MEMORY HELP lists only the subcommands it has,
// so it differs from Redis's on purpose.
func TestMemoryHelp(t *testing.T) {
	_, c := mustLocal(t)
	want := "*6\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n" +
		"+USAGE <key> [SAMPLES <count>]\r\n" +
		"+    Return memory in bytes used by <key> and its value. Nested values are\r\n" +
		"+    sampled up to <count> times (default: 5, 0 means sample all).\r\n" +
		"+HELP\r\n+    Prints this help.\r\n"
	if got := c.run("memory", "help"); got != want {
		t.Errorf("MEMORY HELP = %q, want %q", got, want)
	}
}

// TestHelpListsSubcommands: every container's HELP names each of its
// subcommands at the start of a line, in Redis's shape (a header, the
// lines, HELP last).
func TestHelpListsSubcommands(t *testing.T) {
	_, c := mustLocal(t)
	for _, cmd := range commandTable {
		if cmd.subcommand([]byte("help")) == nil {
			continue
		}
		if cmd.name == "cluster" {
			continue // TestClusterHelp: it needs cluster mode
		}
		checkHelp(t, cmd, c.run(cmd.name, "help"))
	}
}

func checkHelp(t *testing.T, cmd *command, got string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[1], "+"+strings.ToUpper(cmd.name)+" <subcommand>") || lines[len(lines)-2] != "+HELP" {
		t.Errorf("%s HELP: %q", cmd.name, got)
		return
	}
	for _, sc := range cmd.sub {
		name := "+" + strings.ToUpper(sc.name)
		found := false
		for _, l := range lines[2:] {
			if l == name || strings.HasPrefix(l, name+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s HELP does not list %s", cmd.name, sc.name)
		}
	}
}
