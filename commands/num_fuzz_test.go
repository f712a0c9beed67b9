package commands

import (
	"bytes"
	"testing"
)

// FuzzNumArgs feeds one argument to the slice parser, the selection
// parser and the VALUES scalar parser of every dtype. Neither may panic; a parsed slice must
// spell back to itself and resolve within any length; a parsed scalar must
// spell back to the same bytes (NaNs canonical) and pass the dtype-free
// syntax check used for missing keys.
func FuzzNumArgs(f *testing.F) {
	for _, s := range []string{
		"", ":", "::", "::-1", "5:1:-1", "-10:", "3", "-1", "::0", "1:2:3:4",
		"-9223372036854775808::-9223372036854775808", "9223372036854775808",
		"0", "255", "-129", "1.5", "nan", "-inf", "Infinity", "1e400", "0x1p-2", "1_000",
		"(1+2j)", "2J", "(nan+nanj)", "(0-infj)", "1+i", "true", "FALSE", "65520", "3.39617752923046e38",
		"0:32, 10:20, ::2", "..., 0", "5,", "5, -1", "..., ...", "1,2,3,4", ", ", "::-1, ::-2, 1",
	} {
		f.Add(s, uint8(0), uint16(7))
	}
	f.Fuzz(func(t *testing.T, arg string, dtIdx uint8, length uint16) {
		a, msg := parseSlice([]byte(arg))
		switch {
		case msg == "":
			b, msg2 := parseSlice([]byte(a.String()))
			if msg2 != "" || b != a {
				t.Fatalf("slice %q parsed as %+v, spelled %q, parsed back as %+v %q", arg, a, a.String(), b, msg2)
			}
			n := int(length)
			sel, ok := a.resolve(n)
			if !ok {
				break
			}
			if sel.n < 0 || sel.n > n || (sel.n > 0 && (sel.start < 0 || sel.start >= n)) {
				t.Fatalf("slice %q over %d: %+v", arg, n, sel)
			}
			if last := sel.start + (sel.n-1)*sel.step; sel.n > 0 && (last < 0 || last >= n) {
				t.Fatalf("slice %q over %d: %+v ends at %d", arg, n, sel, last)
			}
		case msg != msgStepZero && msg != invalidSlice([]byte(arg)):
			t.Fatalf("slice %q: unexpected error %q", arg, msg)
		}

		// As a selection: parsing never panics, and a parsed selection
		// resolves against a small array and reads within it.
		if sa, msg := parseSelection([]byte(arg)); msg == "" {
			typ := newElemType(dtU8, []int64{3, 2})
			n := int(length % 50)
			if sel, msg := sa.resolve(n, &typ); msg == "" {
				src := make([]byte, n*typ.size)
				got := appendSel(nil, selSource{b: src}, &sel)
				if len(got) != sel.size() {
					t.Fatalf("selection %q over %d: %d bytes, want %d", arg, n, len(got), sel.size())
				}
			}
		}

		dt := dtypes[int(dtIdx)%len(dtypes)]
		p, msg := appendScalar(nil, dt, []byte(arg))
		if msg != "" {
			return
		}
		if len(p) != dt.size {
			t.Fatalf("%s %q: %d bytes", dt.name, arg, len(p))
		}
		if !scalarSyntaxOK([]byte(arg)) {
			t.Fatalf("%s accepts %q but the dtype-free check does not", dt.name, arg)
		}
		text := appendText(nil, dt, p)
		q, msg := appendScalar(nil, dt, text)
		if msg != "" || !bytes.Equal(q, canonicalNaNs(dt, p)) {
			t.Fatalf("%s %q = %x, spelled %q, parsed back as %x %q", dt.name, arg, p, text, q, msg)
		}
	})
}
