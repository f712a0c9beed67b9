package commands

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"numkv/offheap"
)

// Run starts a server with cfg and serves until SIGTERM, SIGINT or
// SHUTDOWN. It returns the process exit code.
func Run(cfg Config) int {
	offheap.SetHugePages(cfg.HugePages)
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
	// rather than refusing connections. SHUTDOWN or a signal meanwhile
	// stops the load and exits without saving.
	s.loading.Store(true)
	s.Serve()
	go s.handleSignals(sig)
	err = s.load()
	// Under shutdownMu, a shutdown either saw loading and saves nothing,
	// or comes after it and saves everything.
	s.shutdownMu.Lock()
	if s.exitRequested() && (err == nil || errors.Is(err, errLoadAborted)) {
		s.shutdownMu.Unlock()
		s.log.notice("Exiting before the end of loading; the snapshot is left as it was.")
		s.Close()
		return 0
	}
	if err != nil {
		s.shutdownMu.Unlock()
		s.log.warn("Fatal error loading the snapshot: %v", err)
		fmt.Fprintf(os.Stderr, "numkv: refusing to start: %v\n", err)
		s.Close()
		return 1
	}
	s.persist.lastSave.Store(time.Now().Unix())
	s.loading.Store(false)
	s.shutdownMu.Unlock()
	if a := s.Addr(); a != nil {
		s.log.notice("numkv %s ready to accept connections on %s", Version, a)
	}
	<-s.exit
	s.Close()
	return 0
}
