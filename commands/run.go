package commands

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Run starts a server with cfg and serves until SIGTERM, SIGINT or
// SHUTDOWN. It returns the process exit code.
func Run(cfg Config) int {
	s, err := NewServer(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "numkv: %v\n", err)
		return 1
	}
	if err := s.Listen(); err != nil {
		fmt.Fprintf(os.Stderr, "numkv: %v\n", err)
		return 1
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	s.Serve()
	if a := s.Addr(); a != nil {
		s.log.notice("numkv %s ready to accept connections on %s", Version, a)
	}
	return s.waitShutdown(sig)
}

// CheckFile verifies a snapshot file offline and prints a summary to w. It
// returns the process exit code.
func CheckFile(path string, w io.Writer) int {
	fmt.Fprintf(w, "numkv check: not implemented yet for %s\n", path)
	return 1
}
