package commands

import (
	"math/big"
	"strings"
)

// INCRBYFLOAT computes in C's long double, which on amd64 Linux (where
// Debian's Redis runs) is the x87 80-bit extended format: a 64-bit
// mantissa and a 15-bit exponent. Its replies ("10.6" for 10.5 + 0.1) are
// what that format rounds to, and float64 would answer "10.59999999999999964"
// instead, so the arithmetic is emulated with math/big at 64 bits.

const (
	ldPrec   = 64     // mantissa bits of the x87 extended format
	ldMaxExp = 16384  // largest exponent in big.Float's convention (0.5 <= mant < 1)
	ldMinExp = -16381 // smallest normal exponent; below it precision shrinks
	ldMaxLen = 5*1024 - 1
)

// parseLongDouble parses b as Redis's string2ld (strtold, then: no leading
// space, every byte consumed, no NaN, no overflow, no underflow to zero).
// Infinities are accepted, as strtold accepts "inf".
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) > ldMaxLen {
		return nil, false
	}
	s := string(b)
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	z := new(big.Float).SetPrec(ldPrec)
	switch l := strings.ToLower(s); {
	case l == "inf" || l == "infinity":
		return z.SetInf(neg), true
	case len(l) > 2 && l[0] == '0' && l[1] == 'x':
		return parseHexLD(z, l[2:], neg)
	}
	return parseDecLD(z, s, neg)
}

// parseDecLD parses digits[.digits][e[+-]digits] (at least one digit in the
// mantissa), rounded once, correctly, to the extended format.
func parseDecLD(z *big.Float, s string, neg bool) (*big.Float, bool) {
	var digits []byte
	i, seen, frac := 0, false, 0
	dot := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seen = true
			if len(digits) > 0 || c != '0' {
				digits = append(digits, c)
			}
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			goto mantissaDone
		}
	}
mantissaDone:
	if !seen {
		return nil, false
	}
	exp := int64(0)
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return nil, false
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return nil, false
		}
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return nil, false
			}
			if exp < 1e9 {
				exp = exp*10 + int64(s[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if len(digits) == 0 {
		z.SetInt64(0)
		if neg {
			z.Neg(z)
		}
		return z, true
	}
	exp -= int64(frac)
	// The value is digits * 10^exp, about 10^(len(digits)+exp).
	if mag := int64(len(digits)) + exp; mag > 4940 {
		return nil, false // overflow: strtold returns HUGE_VALL, ERANGE
	} else if mag < -4960 {
		return nil, false // underflow to zero, ERANGE
	}
	var n big.Int
	n.SetString(string(digits), 10)
	if exp < 0 {
		var p big.Int
		p.Exp(big.NewInt(10), big.NewInt(-exp), nil)
		z = roundLDQuo(&n, &p)
	} else {
		if exp > 0 {
			var p big.Int
			p.Exp(big.NewInt(10), big.NewInt(exp), nil)
			n.Mul(&n, &p)
		}
		z.SetInt(&n) // one correct rounding to 64 bits
	}
	if neg {
		z.Neg(z)
	}
	return roundLD(z)
}

// roundLDQuo returns n/d rounded to the extended format, with denormals.
func roundLDQuo(n, d *big.Int) *big.Float {
	var a, b big.Float
	a.SetInt(n)
	b.SetInt(d)
	// Estimate the exponent to know how many bits a denormal keeps.
	e := n.BitLen() - d.BitLen()
	prec := uint(ldPrec)
	if e < ldMinExp {
		keep := ldPrec - (ldMinExp - e)
		if keep < 1 {
			keep = 1
		}
		prec = uint(keep)
	}
	z := new(big.Float).SetPrec(prec)
	z.Quo(&a, &b)
	return z
}

// parseHexLD parses strtold's hexadecimal form after "0x":
// hexdigits[.hexdigits][p[+-]digits].
func parseHexLD(z *big.Float, s string, neg bool) (*big.Float, bool) {
	i, seen := 0, false
	dot := false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' {
			seen = true
		} else if c == '.' && !dot {
			dot = true
		} else {
			break
		}
	}
	if !seen {
		return nil, false
	}
	mant := s[:i]
	exp := "0"
	if i < len(s) {
		if s[i] != 'p' {
			return nil, false
		}
		rest := s[i+1:]
		j := 0
		if j < len(rest) && (rest[j] == '+' || rest[j] == '-') {
			j++
		}
		if j == len(rest) {
			return nil, false
		}
		for k := j; k < len(rest); k++ {
			if rest[k] < '0' || rest[k] > '9' {
				return nil, false
			}
		}
		exp = rest
		if len(strings.TrimLeft(rest[j:], "0")) > 7 {
			if rest[0] == '-' {
				return nil, false // underflow to zero
			}
			if strings.Trim(mant, "0.") != "" {
				return nil, false // overflow
			}
			exp = "0"
		}
	}
	x, _, err := new(big.Float).SetPrec(4*uint(len(mant)+1)).Parse("0x"+mant+"p"+exp, 0)
	if err != nil {
		return nil, false
	}
	if x.Sign() == 0 {
		z.SetInt64(0)
		if neg {
			z.Neg(z)
		}
		return z, true
	}
	if neg {
		x.Neg(x)
	}
	return roundLD(x)
}

// roundLD rounds x to the extended format: 64 bits of mantissa, fewer in
// the denormal range, and reports false on overflow or underflow to zero,
// which strtold flags with ERANGE.
func roundLD(x *big.Float) (*big.Float, bool) {
	if x.IsInf() || x.Sign() == 0 {
		return x, true
	}
	e := x.MantExp(nil)
	prec := ldPrec
	if e < ldMinExp {
		prec -= ldMinExp - e
		if prec < 1 {
			return nil, false
		}
	}
	z := new(big.Float).SetPrec(uint(prec)).Set(x)
	if z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z.SetPrec(ldPrec), true
}

// addLD returns a+b in the extended format, or ok=false when the sum is
// infinite (or NaN: inf + -inf), which INCRBYFLOAT refuses.
func addLD(a, b *big.Float) (sum *big.Float, ok bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false
	}
	z := new(big.Float).SetPrec(ldPrec)
	z.Add(a, b)
	if z.Sign() == 0 {
		return z, true
	}
	// A denormal sum is rounded a second time at the precision left;
	// sums that small do not occur in practice.
	return roundLD(z)
}

// formatLD spells x as Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf",
// trailing zeros and a trailing '.' removed, "-0" turned into "0".
func formatLD(x *big.Float) string {
	s := x.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
