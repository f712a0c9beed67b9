package commands

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"numkv/offheap"
	"numkv/snapshotio"
)

// Run starts a server with cfg and serves until SIGTERM, SIGINT or
// SHUTDOWN. It returns the process exit code.
func Run(cfg Config) int {
	if cfg.Port == 0 && cfg.UnixSocket == "" && cfg.TLSPort == 0 {
		// As Redis: a process that serves no one is a mistake. (A Server
		// alone may: its Listen picks a free port, for tests.)
		fmt.Fprintln(os.Stderr, "numkv: configured to not listen anywhere (--port 0, and no --unixsocket or --tls-port)")
		return 1
	}
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
	if s.cl != nil {
		if err := s.verifyClusterData(); err != nil {
			s.shutdownMu.Unlock()
			fmt.Fprintf(os.Stderr, "numkv: refusing to start: writing the cluster layout: %v\n", err)
			s.Close()
			return 1
		}
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

// shutdown saves when asked and persistence is on, then asks Run to stop.
// If the save fails it returns the error and the server serves on, unless
// force: then it exits anyway, leaving the previous snapshot in place.
//
// While the snapshot is still loading it never saves, whatever it was
// asked, as Redis does: the keyspace is only part of the file, and saving it
// would replace the snapshot with less.
func (s *Server) shutdown(save, force bool) error {
	s.shutdownMu.Lock()
	defer s.shutdownMu.Unlock()
	if s.closing.Load() || s.exitRequested() {
		return nil
	}
	if s.loading.Load() {
		s.log.warn("Shutdown requested while loading the snapshot: exiting without saving.")
		s.exitOnce.Do(func() { close(s.exit) })
		return nil
	}
	if s.persist.inProgress.Load() {
		// Wait for the background save; the final save below supersedes it.
		s.saveMu.Lock()
		s.saveMu.Unlock()
	}
	if save && s.cfg.DBFilename != "" {
		s.log.notice("Saving the final snapshot before exiting.")
		if err := s.finalSave(); err != nil {
			if !force {
				s.log.warn("Error trying to save the DB, can't exit.")
				return err
			}
			s.log.warn("Error trying to save the DB. Exit anyway.")
		}
	}
	s.log.notice("numkv is now ready to exit, bye bye...")
	s.exitOnce.Do(func() { close(s.exit) })
	return nil
}

// exitRequested reports whether SHUTDOWN or a signal has asked Run to stop.
func (s *Server) exitRequested() bool {
	select {
	case <-s.exit:
		return true
	default:
		return false
	}
}

// finalSave is the save before exiting. Unlike SAVE, it keeps every slot
// locked from the cut until the file is written, so that no write is
// acknowledged after the cut and then lost at exit: clients wait, as they
// do while Redis's SHUTDOWN saves. On success it closes every connection
// before it releases the locks, so that a command that was waiting for them
// runs with nobody to acknowledge it to. On failure the server serves on.
func (s *Server) finalSave() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	snap, dirty, pause := s.cutLocked()
	defer s.tab.UnlockAll()
	if err := s.finishSave(snap, true, dirty, pause, false); err != nil {
		return err
	}
	s.disconnectAll()
	return nil
}

// disconnectAll stops listening and closes every connection, without the
// rest of Close, which waits for the cron, which may wait for a slot lock.
func (s *Server) disconnectAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ln := range s.listeners {
		ln.Close()
	}
	for _, c := range s.clients {
		c.nc.Close()
	}
}

// handleSignals turns SIGTERM and SIGINT into a shutdown with a save. A
// save that fails leaves the server running, as in Redis; the next signal
// tries again. A SIGINT while that shutdown still runs (a second Ctrl-C
// during a long final save) exits at once without saving, as Redis does:
// the snapshot on disk stays the previous complete one, and the unfinished
// temporary file goes.
func (s *Server) handleSignals(sig <-chan os.Signal) {
	var busy atomic.Bool
	for g := range sig {
		if busy.Load() {
			if g == syscall.SIGINT {
				s.log.warn("You insist... exiting now.")
				s.removeTemps(snapshotio.OwnTemps)
				s.forceExit(1) // not a clean shutdown
			}
			continue
		}
		s.log.notice("Received %s scheduling shutdown...", signalName(g))
		busy.Store(true)
		go func() {
			defer busy.Store(false)
			s.shutdown(true, false)
		}()
	}
}

// signalName is Redis's name for the shutdown signals.
func signalName(g os.Signal) string {
	switch g {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return g.String()
}

// saveRulesDue reports whether a --save rule asks for a save now.
func (s *Server) saveRulesDue(now time.Time) bool {
	rules, _ := parseSaveRules(s.saveRules())
	dirty := s.persist.dirty.Load()
	since := now.Unix() - s.persist.lastSave.Load()
	if s.persist.lastSaveFailed.Load() && now.Unix()-s.persist.lastTry.Load() < 5 {
		return false // after a failure, retry no sooner than Redis does
	}
	for _, r := range rules {
		if dirty >= r.changes && since >= r.secs && dirty > 0 {
			return true
		}
	}
	return false
}

// saveCron starts a background save when a --save rule is due or a BGSAVE
// SCHEDULE waits; never with persistence off, while loading, while a
// background save runs or once exiting.
func (s *Server) saveCron(now time.Time) {
	if s.cfg.DBFilename == "" || s.loading.Load() || s.persist.inProgress.Load() || s.exitRequested() {
		return
	}
	scheduled := s.persist.scheduled.Swap(false)
	if scheduled || s.saveRulesDue(now) {
		s.persist.lastTry.Store(now.Unix())
		if !s.bgsave(false) && scheduled {
			s.persist.scheduled.Store(true) // a SAVE is running: try again next tick
		}
	}
}

// cron runs the periodic work every 100 ms, Redis's default hz: it moves
// the commands' clock on, runs active expiry, gives back to the system the
// pages freed over a second ago, and runs the save rules (saveCron).
func (s *Server) cron() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			tick()
			s.expireCycle()
			// Evictions a command's time limit cut short go on here, so
			// that an idle server still gets back under maxmemory (Redis's
			// evictionTimeProc).
			if m := s.maxMemory(); m > 0 && !s.loading.Load() {
				s.evict(m)
			}
			// Pages freed over a second ago and kept for reuse go back to
			// the system, so that RSS follows a FLUSHALL down.
			offheap.TrimRetained(time.Second)
			// And the free pages inside spans still in use: what evicting
			// or deleting keys at random leaves scattered.
			offheap.Scavenge(16)
			s.saveCron(now)
			s.inst.sample(now, [3]int64{s.cmdsTotal.Load(), s.netIn.Load(), s.netOut.Load()})
		}
	}
}
