package memtree

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// vma is one mapping of /proc/self/smaps.
type vma struct {
	lo, hi uintptr
	flags  []string
	huge   int // AnonHugePages, kB
}

func readSmaps(t *testing.T) []vma {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vma
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				out = append(out, vma{lo: uintptr(l), hi: uintptr(h)})
				continue
			}
		}
		if len(out) == 0 {
			continue
		}
		switch fields[0] {
		case "VmFlags:":
			out[len(out)-1].flags = fields[1:]
		case "AnonHugePages:":
			out[len(out)-1].huge, _ = strconv.Atoi(fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHugePageAdvice checks that every chunk of a tree lies in a mapping
// marked for transparent huge pages (VmFlags "hg"), where the kernel has
// them at all.
func TestHugePageAdvice(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Logf("this kernel has no transparent huge pages (%v): checking only that allocation works", err)
	}
	var tr Tree
	p := make([]byte, 1<<20)
	for i := range 16 {
		p[0] = byte(i)
		tr.Append(p)
	}
	maps := readSmaps(t)
	thp := true
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		thp = false
	}
	chunks, huge := 0, 0
	tr.Chunks(0, tr.Len(), func(c []byte) bool {
		chunks++
		addr := uintptr(unsafe.Pointer(unsafe.SliceData(c)))
		for _, m := range maps {
			if addr >= m.lo && addr < m.hi {
				for _, f := range m.flags {
					if f == "hg" {
						huge++
						return true
					}
				}
				return true
			}
		}
		t.Errorf("chunk at %#x is in no mapping", addr)
		return true
	})
	if thp && huge != chunks {
		t.Fatalf("%d of %d chunks lie in mappings advised for huge pages", huge, chunks)
	}
	total := 0
	for _, m := range maps {
		total += m.huge
	}
	t.Logf("%d chunks, %d advised; the process has %d kB in huge pages", chunks, huge, total)
}
