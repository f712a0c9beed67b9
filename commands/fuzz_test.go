package commands

import (
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink the connection goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fuzzSeeds are requests worth mutating: every command group, options and
// their errors, transactions, inline syntax and protocol errors.
var fuzzSeeds = []string{
	"PING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
	"SET k 10\r\nINCR k\r\nINCRBY k -5\r\nDECRBY k 3\r\nINCRBYFLOAT k 0.5\r\nGET k\r\n",
	"SET k v EX 100 NX GET\r\nGETEX k PXAT 1\r\nGETEX k PERSIST\r\nTTL k\r\n",
	"SETRANGE k 5 abc\r\nGETRANGE k -3 -1\r\nAPPEND k xyz\r\nSTRLEN k\r\nSUBSTR k 0 2\r\n",
	"SETBIT b 7 1\r\nGETBIT b 7\r\nBITCOUNT b 0 -1 BIT\r\nBITCOUNT b 0 0 BYTE\r\n",
	"SETBIT b 7 1\r\nBITPOS b 1 0 -1 BIT\r\nBITOP XOR d b b\r\nBITOP NOT d b\r\nBITFIELD b OVERFLOW FAIL INCRBY i5 #3 100 GET u63 1\r\nBITFIELD_RO b GET i64 0\r\n",
	"MSET a 1 b 2\r\nMSETNX a 1 c 3\r\nMGET a b c\r\nLCS a b IDX MINMATCHLEN 1 WITHMATCHLEN\r\n",
	"SET a 1\r\nRENAME a b\r\nRENAMENX b c\r\nCOPY c d DB 2 REPLACE\r\nMOVE c 3\r\nSWAPDB 0 3\r\nSELECT 3\r\nKEYS *\r\n",
	"SET a 1\r\nEXPIRE a 100 NX\r\nPEXPIRE a 5000 GT\r\nEXPIREAT a 1 LT\r\nPTTL a\r\nEXPIRETIME a\r\nPERSIST a\r\n",
	"SET a 1\r\nSCAN 0 MATCH a* COUNT 2 TYPE string\r\nRANDOMKEY\r\nDBSIZE\r\nTOUCH a\r\n",
	"SET a 1\r\nOBJECT ENCODING a\r\nOBJECT REFCOUNT a\r\nOBJECT IDLETIME a\r\nOBJECT FREQ a\r\nMEMORY USAGE a SAMPLES 0\r\n",
	"WATCH a\r\nSET a 2\r\nMULTI\r\nGET a\r\nKEYS *\r\nSELECT 1\r\nSET x 1\r\nEXEC\r\nDISCARD\r\n",
	"MULTI\r\nSET a\r\nEXEC\r\nMULTI\r\nSWAPDB 0 1\r\nFLUSHALL\r\nSCAN 0\r\nEXEC\r\n",
	"CONFIG GET *\r\nCONFIG SET timeout 5 maxclients 10\r\nCONFIG SET save \"60 1\"\r\nCONFIG RESETSTAT\r\nCONFIG HELP\r\n",
	"HELLO 3\r\nCLIENT SETNAME x\r\nCLIENT INFO\r\nINFO\r\nCOMMAND INFO get\r\nCOMMAND GETKEYS SET a b\r\n",
	"NUM.CREATE v f32 SHAPE 2\r\nNUM.APPEND v VALUES 1 2 3 4\r\nNUM.READ v ::-1 VALUES\r\nNUM.REMOVE v 0\r\n",
	"ECHO \"a\\x41\\n\" 'b\\'c'\r\n",
	"*1\r\n$abc\r\n",
	"*-1\r\n*0\r\n\r\n\n",
	"SET a \"unbalanced\r\n",
	"*2\r\n$4\r\nECHO\r\n:1\r\n",
}

// FuzzDispatch feeds raw bytes to one connection of a fresh in-process
// server, through a net.Pipe, and fails on a panic (including one the
// dispatcher recovered into an error reply) or on a connection that does
// not finish. Crashers go to testdata/fuzz/FuzzDispatch, which a plain
// go test replays.
func FuzzDispatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 || bytes.Contains(bytes.ToLower(in), []byte("proto-max-bulk")) {
			return // a raised bulk limit lets SETBIT and SETRANGE allocate 512 MB
		}
		cfg := DefaultConfig()
		cfg.Port = 0
		cfg.DBFilename = ""
		cfg.Save = ""
		cfg.Databases = 4
		cfg.ProtoMaxBulkLen = 1 << 20
		cfg.ClientQueryBufferLimit = 1 << 20
		cfg.ProtectedMode = false // a net.Pipe's peer is not loopback
		s, err := NewServer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		s.log.w = &logs
		srv, cli := net.Pipe()
		c := newClient(s, srv, 1)
		s.mu.Lock()
		s.clients[c.id] = c
		s.mu.Unlock()
		done := make(chan struct{})
		go func() {
			s.handle(c)
			close(done)
		}()
		go io.Copy(io.Discard, cli)
		cli.SetWriteDeadline(time.Now().Add(5 * time.Second))
		cli.Write(in)
		cli.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the connection did not finish on %q", in)
		}
		if l := logs.String(); strings.Contains(l, "panic in") {
			t.Fatalf("handler panic on %q:\n%s", in, l)
		}
	})
}
