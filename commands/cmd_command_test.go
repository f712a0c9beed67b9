package commands

import (
	"fmt"
	"testing"
)

// TestCommandIntrospection checks COMMAND COUNT against the table and
// COMMAND GETKEYS's replies and errors, as redis-server 7.0.15 gives them.
func TestCommandIntrospection(t *testing.T) {
	c := mustConn(t)
	runExchanges(t, c, []exchange{
		{"COMMAND COUNT", intReply(len(topCommands()))},
		{"COMMAND GETKEYS mset a 1 b 2", bulks("a", "b")},
		{"COMMAND GETKEYS nosuch a", errReply(msgInvalidCommand)},
		{"COMMAND GETKEYS get", errReply(fmt.Sprintf(msgWrongArgs, "command|getkeys"))},
		{"COMMAND GETKEYS get a b", errReply(msgGetkeysArity)},
		{"COMMAND GETKEYS ping x", errReply(msgNoKeyArguments)},
		{"COMMAND INFO nosuch", "*1\r\n$-1\r\n"},
	})
}

// TestGetkeysAndFlags checks COMMAND GETKEYSANDFLAGS against the flags
// redis-server 7.0.15 replies (the differential test compares the rest),
// and GETKEYS with more keys than Redis's 256-key first buffer.
func TestGetkeysAndFlags(t *testing.T) {
	c := mustConn(t)
	pair := func(k, f1, f2 string) string {
		return fmt.Sprintf("*2\r\n$%d\r\n%s\r\n*2\r\n+%s\r\n+%s\r\n", len(k), k, f1, f2)
	}
	runExchanges(t, c, []exchange{
		{"COMMAND GETKEYSANDFLAGS set k1 v1", "*1\r\n" + pair("k1", "OW", "update")},
		{"COMMAND GETKEYSANDFLAGS set k1 v1 get", "*1\r\n*2\r\n$2\r\nk1\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"},
		{"COMMAND GETKEYSANDFLAGS mset k1 v1 k2 v2", "*2\r\n" + pair("k1", "OW", "update") + pair("k2", "OW", "update")},
		{"COMMAND GETKEYSANDFLAGS del a", "*1\r\n" + pair("a", "RM", "delete")},
		{"COMMAND GETKEYSANDFLAGS copy a b", "*2\r\n" + pair("a", "RO", "access") + pair("b", "OW", "update")},
		{"COMMAND GETKEYS migrate h 1 k 0 10 keys a b", errReply(msgInvalidArguments)},
		{"COMMAND GETKEYS memory usage k", bulks("k")},
		{"COMMAND GETKEYS memory help", errReply(msgNoKeyArguments)},
		{"COMMAND GETKEYS memory nosuch", errReply(msgInvalidCommand)},
	})
	args := []string{"COMMAND", "GETKEYS", "DEL"}
	var want []string
	for i := 0; i < 300; i++ {
		k := fmt.Sprintf("key%d", i)
		args, want = append(args, k), append(want, k)
	}
	if got := c.do(args...); got != bulks(want...) {
		t.Errorf("GETKEYS DEL with 300 keys: %.80q...", got)
	}
}
