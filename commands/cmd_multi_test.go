package commands

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"numkv/shardlock"
)

// TestExecAtomic moves units between two keys in different slots inside
// transactions (some with a keyspace walker, some swapping databases
// twice) while other clients read both keys, in transactions and with
// MGET: no reader may see the total change. Run with -race.
func TestExecAtomic(t *testing.T) {
	_, addr := mustNumkv(t)
	setup := mustDial(t, addr)
	setup.do("MSET", "a", "1000", "b", "0")
	if shardlock.HashSlot([]byte("a")) == shardlock.HashSlot([]byte("b")) {
		t.Fatal("a and b share a slot; pick other keys")
	}
	n := 150
	if testing.Short() {
		n = 40
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for w := 0; w < 3; w++ {
		c := mustDial(t, addr)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				cmds := [][]string{{"MULTI"}, {"DECRBY", "a", "1"}, {"INCRBY", "b", "1"}, {"EXEC"}}
				// A few transactions take every slot (KEYS) or every slot
				// of two databases (SWAPDB): slow under -race, so rare.
				switch {
				case i%25 == 1:
					cmds = [][]string{{"MULTI"}, {"DECRBY", "a", "1"}, {"KEYS", "*"}, {"INCRBY", "b", "1"}, {"EXEC"}}
				case i%25 == 2:
					cmds = [][]string{{"MULTI"}, {"DECRBY", "a", "1"}, {"SWAPDB", "0", "1"}, {"SWAPDB", "1", "0"}, {"INCRBY", "b", "1"}, {"EXEC"}}
				}
				r, err := c.pipeline(cmds)
				if err != nil {
					errs <- err.Error()
					return
				}
				if last := r[len(r)-1]; !strings.HasPrefix(last, "*") {
					errs <- "EXEC: " + last
					return
				}
			}
		}(w)
	}
	for rd := 0; rd < 3; rd++ {
		c := mustDial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				var a, b any
				if i%2 == 0 {
					r, err := c.pipeline([][]string{{"MULTI"}, {"GET", "a"}, {"GET", "b"}, {"EXEC"}})
					if err != nil {
						errs <- err.Error()
						return
					}
					v, _ := parseReply(r[3]).([]any)
					if len(v) != 2 {
						errs <- "EXEC: " + r[3]
						return
					}
					a, b = v[0], v[1]
				} else {
					v, _ := parseReply(c.do("MGET", "a", "b")).([]any)
					a, b = v[0], v[1]
				}
				x, _ := strconv.Atoi(fmt.Sprint(a))
				y, _ := strconv.Atoi(fmt.Sprint(b))
				if x+y != 1000 {
					errs <- fmt.Sprintf("saw a=%v b=%v", a, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := setup.do("MGET", "a", "b"); got != fmt.Sprintf("*2\r\n$3\r\n%d\r\n$3\r\n%d\r\n", 1000-3*n, 3*n) {
		t.Errorf("final a, b: %q", got)
	}
}

// TestWatchCounter increments one counter from several clients with the
// optimistic pattern (WATCH, GET, MULTI, SET, EXEC, retry on a null
// reply): no increment may be lost or doubled.
func TestWatchCounter(t *testing.T) {
	_, addr := mustNumkv(t)
	mustDial(t, addr).do("SET", "counter", "0")
	const clients = 4
	n := 60
	if testing.Short() {
		n = 15
	}
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for w := 0; w < clients; w++ {
		c := mustDial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < n; {
				c.do("WATCH", "counter")
				v, _ := strconv.Atoi(fmt.Sprint(parseReply(c.do("GET", "counter"))))
				r, err := c.pipeline([][]string{{"MULTI"}, {"SET", "counter", strconv.Itoa(v + 1)}, {"EXEC"}})
				if err != nil {
					errs <- err.Error()
					return
				}
				switch r[2] {
				case "*-1\r\n":
				case "*1\r\n+OK\r\n":
					done++
				default:
					errs <- "EXEC: " + r[2]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	total := strconv.Itoa(clients * n)
	if got, want := mustDial(t, addr).do("GET", "counter"), fmt.Sprintf("$%d\r\n%s\r\n", len(total), total); got != want {
		t.Errorf("counter = %q, want %q", got, want)
	}
}

// TestWatchRegistryEmpties checks that entries leave the registry with
// EXEC and with the client, so touched is back to one atomic load.
func TestWatchRegistryEmpties(t *testing.T) {
	s, c := mustLocal(t)
	c.run("WATCH", "a", "b", "a")
	if s.watch.n.Load() != 2 {
		t.Fatalf("%d entries after WATCH a b a, want 2", s.watch.n.Load())
	}
	c.run("MULTI")
	c.run("EXEC")
	if s.watch.n.Load() != 0 {
		t.Errorf("%d entries left after EXEC", s.watch.n.Load())
	}
	c.run("WATCH", "a")
	c.unwatchAll() // what a closing connection does
	if s.watch.n.Load() != 0 || len(s.watch.m[0]) != 0 {
		t.Errorf("registry not empty after the client left: %d", s.watch.n.Load())
	}
}

// TestAllocateBeforeLock moves keys into databases never used before while
// another goroutine takes every slot in a loop, as the snapshot cut does:
// allocating a database with a slot already locked would deadlock.
func TestAllocateBeforeLock(t *testing.T) {
	for round := 0; round < 5; round++ {
		s, c := mustLocal(t)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					s.tab.LockAll()
					s.tab.UnlockAll()
				}
			}
		}()
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			for db := 1; db < 16; db++ {
				c.run("SET", "k", "1")
				c.run("MOVE", "k", strconv.Itoa(db))
				c.run("COPY", "j", "j", "DB", strconv.Itoa(db))
			}
		}()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Fatal("MOVE into new databases deadlocked with LockAll")
		}
		close(stop)
		<-done
	}
}
