package commands

import (
	"strings"
	"testing"

	"github.com/tidwall/match"
)

// Generated from redis-server 7.0.15: KEYS pattern over globKeys.
var globKeys = []string{
	"", "a", "abc", "aXc", "x", "ax", "bx", "cx",
	"]", "-", "\\", "a\\", "\\a", "a*", "hello", "hallo",
	"h?llo", "hillo", "\xc3\xa9", "\x80", "\xff", "\x00", "A", "B",
	"aaaaaaaaab", "aaaaaaaaaa", "[", "!", "x[", "ab[c", "abc[", "a[",
	"ab", "ac", "a]", "a^",
}

var globCases = []struct{ pat, want string }{
	{"*", "111111111111111111111111111111111111"},
	{"a*", "011101000001010000000000110001111111"},
	{"*a", "010000000000100000000000010000000000"},
	{"a?c", "001100000000000000000000000000000000"},
	{"?", "010010001110000000011111001100000000"},
	{"??", "000001110001110000100000000010011111"},
	{"[abc]", "010000000000000000000000000000000000"},
	{"[^abc]", "000010001110000000011111001100000000"},
	{"[a-c]x", "000001110000000000000000000000000000"},
	{"[c-a]x", "000001110000000000000000000000000000"},
	{"[a-]", "010000001000000000000000000000000000"},
	{"[a-", "010000000100000000000000000000000000"},
	{"[", "000000000000000000000000000000000000"},
	{"[]", "000000000000000000000000000000000000"},
	{"[]]", "000000000000000000000000000000000000"},
	{"[^]", "010010001110000000011111001100000000"},
	{"a\\", "000000000001000000000000000000000000"},
	{"\\a", "010000000000000000000000000000000000"},
	{"a\\*", "000000000000010000000000000000000000"},
	{"[\\]]", "000000001000000000000000000000000000"},
	{"[\\-]", "000000000100000000000000000000000000"},
	{"h[ae]llo", "000000000000001100000000000000000000"},
	{"h*llo", "000000000000001111000000000000000000"},
	{"h\\?llo", "000000000000000010000000000000000000"},
	{"*a*a*a*b", "000000000000000000000000100000000000"},
	{"[\x80-\xff]", "000000000000000000011000000000000000"},
	{"[a-\xff]", "010000001110000000001111001100000000"},
	{"\xc3?", "000000000000000000100000000000000000"},
	{"?\xa9", "000000000000000000100000000000000000"},
	{"[A-Z]", "000000000000000000000011000000000000"},
	{"**", "011111111111111111111111111111111111"},
	{"a**", "011101000001010000000000110001111111"},
	{"*[", "000000000000000000000000000000000000"},
	{"[!a]", "010000000000000000000000000100000000"},
	{"[a\\", "010000000010000000000000000000000000"},
	{"x[^", "000000000000000000000000000010000000"},
	{"[\\", "000000000010000000000000000000000000"},
	{"ab[c", "001000000000000000000000000000000000"},
	{"a[b-", "000000000000000000000000000000001000"},
	{"a[b-]", "000000000000000000000000000000001011"},
}

func TestGlobMatchRedis(t *testing.T) {
	for _, c := range globCases {
		var got strings.Builder
		for _, k := range globKeys {
			// KEYS and SCAN treat a lone "*" as "everything", before the
			// matcher (which would not match the empty key).
			if c.pat == "*" || globMatch([]byte(c.pat), []byte(k), false) {
				got.WriteByte('1')
			} else {
				got.WriteByte('0')
			}
		}
		if got.String() != c.want {
			for i, k := range globKeys {
				if got.String()[i] != c.want[i] {
					t.Errorf("globMatch(%q, %q) = %c, Redis says %c", c.pat, k, got.String()[i], c.want[i])
				}
			}
		}
	}
}

func TestGlobMatchNocase(t *testing.T) {
	for _, c := range []struct {
		pat, str string
		want     bool
	}{
		{"MAXMEMORY", "maxmemory", true},
		{"max*", "MAXMEMORY", true},
		{"[A-Z]", "q", true},
		{"[a-z]", "Q", true},
		{"[^A]", "a", false},
		{"\\A", "a", true},    // an escaped letter still folds outside a class
		{"[\\A]", "a", false}, // but not inside one, as in Redis
		{"\xc3", "\xe3", false},
	} {
		if got := globMatch([]byte(c.pat), []byte(c.str), true); got != c.want {
			t.Errorf("globMatch(%q, %q, nocase) = %v, want %v", c.pat, c.str, got, c.want)
		}
	}
}

// A pattern of many stars must not take exponential time.
func TestGlobMatchNestedStars(t *testing.T) {
	pat := []byte(strings.Repeat("a*", 40) + "b")
	str := []byte(strings.Repeat("a", 4000))
	if globMatch(pat, str, false) {
		t.Fatal("matched")
	}
}

// TestTidwallMatchDiffers records why KEYS and SCAN do not use
// github.com/tidwall/match: on these inputs its answer is not Redis's.
func TestTidwallMatchDiffers(t *testing.T) {
	for _, c := range []struct{ pat, str string }{
		{"[abc]", "a"},        // no bracket classes
		{"?", "\xc3\xa9"},     // '?' takes a whole rune, Redis one byte
		{"??", "\xc3\xa9"},    //
		{"a\\", "a\\"},        // a trailing backslash matches itself in Redis
		{"h[ae]llo", "hello"}, //
	} {
		redis := globMatch([]byte(c.pat), []byte(c.str), false)
		if match.Match(c.str, c.pat) == redis {
			t.Errorf("tidwall/match now agrees with Redis on (%q, %q): revisit the choice in glob.go", c.pat, c.str)
		}
	}
}

func FuzzGlobMatch(f *testing.F) {
	for _, c := range globCases {
		f.Add([]byte(c.pat), []byte("abc"))
	}
	f.Fuzz(func(t *testing.T, pat, str []byte) {
		if len(pat) > 64 || len(str) > 256 {
			return
		}
		globMatch(pat, str, false)
		globMatch(pat, str, true)
	})
}

func BenchmarkGlob(b *testing.B) {
	key := "user:1000:profile:settings"
	for _, pat := range []string{"user:*:settings", "user:1???:*", "*:[ps]*"} {
		b.Run(pat, func(b *testing.B) {
			p := []byte(pat)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				globMatchString(p, key, false)
			}
		})
		b.Run("tidwall/"+pat, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				match.Match(key, pat)
			}
		})
	}
}
