package commands

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
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
	// Listen first and load while clients get LOADING, as Redis does,
	// rather than refusing connections.
	s.loading.Store(true)
	s.Serve()
	if err := s.load(); err != nil {
		s.log.warn("Fatal error loading the snapshot: %v", err)
		fmt.Fprintf(os.Stderr, "numkv: refusing to start: %v\n", err)
		s.Close()
		return 1
	}
	s.persist.lastSave.Store(time.Now().Unix())
	s.loading.Store(false)
	if a := s.Addr(); a != nil {
		s.log.notice("numkv %s ready to accept connections on %s", Version, a)
	}
	return s.waitShutdown(sig)
}
