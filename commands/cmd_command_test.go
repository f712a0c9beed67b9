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
