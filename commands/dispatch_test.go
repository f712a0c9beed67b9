package commands

import (
	"strings"
	"testing"
)

// A panic inside a handler is recovered into an error reply, the slot locks
// it held are released, and the connection goes on serving.
func TestHandlerPanicRecovered(t *testing.T) {
	s, c := mustLocal(t)
	boom := &command{name: "boom", fullName: "boom", arity: 2, first: 1, last: 1, step: 1, flags: flagWrite,
		handler: func(s *Server, c *client, args [][]byte) { panic("kaboom") }}
	c.w.Reset()
	s.run(c, boom, [][]byte{[]byte("boom"), []byte("k")})
	if got := string(c.w.Bytes()); !strings.HasPrefix(got, "-ERR internal error in 'boom': kaboom") {
		t.Fatalf("reply to a panicking handler = %q", got)
	}
	// The write lock of k's slot was released: a write to k goes through.
	if got := c.run("SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET after the panic = %q", got)
	}
}
