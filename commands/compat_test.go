package commands

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateCompat = flag.Bool("update-compat", false, "rewrite redis-compat.md's command rows from the command table, keeping status and notes")

const compatPath = "../redis-compat.md"

// compatRow is one command row of redis-compat.md:
// | `NAME` | arity | flags | status | differences from Redis |
type compatRow struct{ name, arity, flags, status, notes string }

func readCompat(t *testing.T) (head, tail []string, rows map[string]compatRow, order []string) {
	t.Helper()
	f, err := os.Open(compatPath)
	if err != nil {
		t.Fatalf("redis-compat.md: %v", err)
	}
	defer f.Close()
	rows = map[string]compatRow{}
	sc := bufio.NewScanner(f)
	state := 0 // 0 before the command table, 1 in it, 2 after it
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && strings.HasPrefix(line, "| command |"):
			state = 1
			head = append(head, line)
		case state == 1 && strings.HasPrefix(line, "|---"):
			head = append(head, line)
		case state == 1 && strings.HasPrefix(line, "| `"):
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			if len(cells) != 5 {
				t.Fatalf("redis-compat.md: malformed row %q", line)
			}
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			name := strings.Trim(cells[0], "`")
			rows[name] = compatRow{name, cells[1], cells[2], cells[3], cells[4]}
			order = append(order, name)
		case state == 1:
			state = 2
			tail = append(tail, line)
		case state == 0:
			head = append(head, line)
		default:
			tail = append(tail, line)
		}
	}
	return head, tail, rows, order
}

// allCommands lists every command and subcommand the table serves, in the
// order the doc lists them: by name.
func allCommands() []*command {
	var out []*command
	for _, c := range sortedCommands {
		out = append(out, c)
		out = append(out, c.sub...)
	}
	return out
}

func docName(c *command) string { return strings.ToUpper(strings.ReplaceAll(c.fullName, "|", " ")) }

// TestCompatDoc fails when redis-compat.md lacks a row for a command of the
// table, keeps a row for a command the table does not have, or states an
// arity or flags other than the table's. -update-compat rewrites those two
// columns from the table.
func TestCompatDoc(t *testing.T) {
	head, tail, rows, _ := readCompat(t)
	var want []string
	for _, c := range allCommands() {
		name := docName(c)
		r, ok := rows[name]
		arity := fmt.Sprint(c.arity)
		flags := strings.ReplaceAll(c.flagText, " ", ", ")
		if !ok {
			r = compatRow{name: name, status: "supported"}
			if !*updateCompat {
				t.Errorf("redis-compat.md has no row for %s", name)
			}
		} else if r.arity != arity || r.flags != flags {
			if !*updateCompat {
				t.Errorf("redis-compat.md row %s says arity %s, flags %q; the table says %s, %q", name, r.arity, r.flags, arity, flags)
			}
		}
		delete(rows, name)
		want = append(want, fmt.Sprintf("| `%s` | %s | %s | %s | %s |", name, arity, flags, r.status, r.notes))
	}
	for name := range rows {
		if !*updateCompat {
			t.Errorf("redis-compat.md has a row for %s, which the command table does not serve", name)
		}
	}
	if *updateCompat {
		out := strings.Join(head, "\n") + "\n" + strings.Join(want, "\n") + "\n" + strings.Join(tail, "\n") + "\n"
		if err := os.WriteFile(compatPath, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
