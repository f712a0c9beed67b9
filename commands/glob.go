package commands

// globMatch reports whether str matches the glob pattern exactly as Redis
// 7.0's stringmatchlen does, for KEYS, SCAN MATCH, CONFIG GET and COMMAND
// LIST FILTERBY PATTERN:
//
//   - '*' any run of bytes, '?' one byte;
//   - '[abc]', '[^abc]', '[a-z]' (a reversed range is swapped), '\x' inside
//     a class; an unterminated class ends at the end of the pattern;
//   - '\x' matches x; a trailing '\' matches itself;
//   - bytes, not runes: '?' takes one byte of a UTF-8 character, and a range
//     compares bytes as C's signed char, so 0x80-0xff sort below '\0';
//   - nocase folds ASCII letters only.
//
// The port keeps Redis's cut-off for nested stars (skipLongerMatches), so a
// hostile pattern such as "a*a*a*a*b" costs O(len(pattern)*len(str)) rather
// than exponential time.
//
// github.com/tidwall/match is not used: it has no bracket classes, matches
// '?' against a whole UTF-8 rune rather than a byte, and fails a pattern
// ending in '\', so its answers differ from Redis's (see glob_test.go).
func globMatch(pattern, str []byte, nocase bool) bool {
	skip := false
	return globImpl(pattern, str, nocase, &skip)
}

// globMatchString is globMatch for string keys, without copying.
func globMatchString(pattern []byte, str string, nocase bool) bool {
	skip := false
	return globImpl(pattern, []byte(str), nocase, &skip)
}

// signed reads b as C's (signed) char, as Redis compares class ranges.
func signed(b byte) int { return int(int8(b)) }

func lower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// globImpl is stringmatchlen_impl, line for line. The C code may read one
// byte past the pattern (the sds terminator); at returns 0 there.
func globImpl(pat, str []byte, nocase bool, skipLonger *bool) bool {
	at := func(i int) byte {
		if i < len(pat) {
			return pat[i]
		}
		return 0
	}
	p, s := 0, 0
	for p < len(pat) && s < len(str) {
		switch pat[p] {
		case '*':
			for at(p+1) == '*' {
				p++
			}
			if len(pat)-p == 1 {
				return true
			}
			for s < len(str) {
				if globImpl(pat[p+1:], str[s:], nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s++
			}
			// No match for the rest of the pattern anywhere in the rest of
			// the string: an earlier star trying a longer run cannot help.
			*skipLonger = true
			return false
		case '?':
			s++
		case '[':
			p++
			not := at(p) == '^'
			if not {
				p++
			}
			match := false
			for {
				if at(p) == '\\' && len(pat)-p >= 2 {
					p++
					if pat[p] == str[s] {
						match = true
					}
				} else if at(p) == ']' {
					break
				} else if p >= len(pat) {
					p-- // unterminated: the class ends with the pattern
					break
				} else if len(pat)-p >= 3 && pat[p+1] == '-' {
					start, end, c := signed(pat[p]), signed(pat[p+2]), signed(str[s])
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lower(start), lower(end), lower(c)
					}
					p += 2
					if c >= start && c <= end {
						match = true
					}
				} else if nocase {
					if lower(signed(pat[p])) == lower(signed(str[s])) {
						match = true
					}
				} else if pat[p] == str[s] {
					match = true
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s++
		case '\\':
			if len(pat)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if nocase {
				if lower(signed(pat[p])) != lower(signed(str[s])) {
					return false
				}
			} else if pat[p] != str[s] {
				return false
			}
			s++
		}
		p++
		if s == len(str) {
			for at(p) == '*' {
				p++
			}
			break
		}
	}
	return p == len(pat) && s == len(str)
}
