package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportDirection fails the build when an import breaks the house's
// dependency direction: main -> commands -> (memtree, shardlock,
// snapshotio, keytab, offheap, resp, cluster), the leaves importing only the
// standard library (and klauspost/compress and x/sys/unix in snapshotio,
// x/sys/unix in offheap, tidwall/redcon's RESP2 framing in resp), with three edges
// between leaves: keytab, memtree and resp (for large request buffers)
// build on offheap.
func TestImportDirection(t *testing.T) {
	allowed := map[string]func(path string) bool{
		"offheap":   func(p string) bool { return p == "golang.org/x/sys/unix" },
		"keytab":    func(p string) bool { return p == "numkv/offheap" },
		"memtree":   func(p string) bool { return p == "numkv/offheap" },
		"shardlock": func(p string) bool { return false },
		"cluster":   func(p string) bool { return false },
		"snapshotio": func(p string) bool {
			return strings.HasPrefix(p, "github.com/klauspost/compress") || p == "golang.org/x/sys/unix"
		},
		"resp": func(p string) bool { return p == "github.com/tidwall/redcon" || p == "numkv/offheap" },
		"commands": func(p string) bool {
			return p == "numkv/memtree" || p == "numkv/shardlock" || p == "numkv/snapshotio" || p == "numkv/cluster" ||
				p == "numkv/keytab" || p == "numkv/offheap" || p == "numkv/resp" ||
				!strings.HasPrefix(p, "numkv")
		},
	}
	for dir, ok := range allowed {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Errorf("package %s has no Go files", dir)
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				std := !strings.Contains(strings.Split(p, "/")[0], ".") && !strings.HasPrefix(p, "numkv")
				if !std && !ok(p) {
					t.Errorf("%s imports %s, which breaks the dependency direction", f, p)
				}
			}
		}
	}
	// A new package must take a place in the direction before it lands.
	dirs, _ := filepath.Glob("*/*.go")
	seen := map[string]bool{}
	for _, f := range dirs {
		d := filepath.Dir(f)
		if _, known := allowed[d]; !known && d != "tests" && !seen[d] {
			seen[d] = true
			t.Errorf("package %s is not in the dependency direction: add it to allowed", d)
		}
	}
	// main only parses flags: it may import commands and pflag.
	af, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range af.Imports {
		p := strings.Trim(imp.Path.Value, `"`)
		if strings.Contains(p, ".") && p != "github.com/spf13/pflag" || strings.HasPrefix(p, "numkv/") && p != "numkv/commands" {
			t.Errorf("main.go imports %s", p)
		}
	}
}
