package logline

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// wordAt returns the eight bytes of s from s[i], little-endian. Past the end
// of s it reads spaces, which end a key and a bare value: a search that
// finds one there stops at len(s).
func wordAt(s []byte, i int) uint64 {
	if i+8 <= len(s) {
		return binary.LittleEndian.Uint64(s[i : i+8])
	}
	return wordAtEnd(s, i)
}

// wordAtEnd is wordAt for the last word of s, len(s)-8 < i <= len(s). It
// is kept out of line so that wordAt, which runs for every word, stays small
// enough to be inlined.
//
//go:noinline
func wordAtEnd(s []byte, i int) uint64 {
	const spaces = 0x2020202020202020
	if len(s) >= 8 {
		past := uint(i+8-len(s)) * 8 // the bits of the word past the end
		return binary.LittleEndian.Uint64(s[len(s)-8:])>>past | spaces<<(64-past)
	}
	w := uint64(spaces)
	for j := len(s) - 1; j >= i; j-- {
		w = w<<8 | uint64(s[j])
	}
	return w
}

// byteMask sets the high bit of the first byte of w (in memory order) that
// equals c. It may set the high bit of later bytes as well: only the first
// mark is exact.
func byteMask(w uint64, c byte) uint64 {
	x := w ^ lowBits*uint64(c)
	return (x - lowBits) &^ x & highBits
}

// keyStops marks the first SP, "=" or DQUOTE in w, as byteMask does. SP
// (0x20) and DQUOTE (0x22) differ only in bit 1, and no other byte becomes
// 0x22 when bit 1 is set, so one test finds both.
func keyStops(w uint64) uint64 {
	return byteMask(w|0x0202020202020202, '"') | byteMask(w, '=')
}

// firstMarked returns the index of the byte holding the first mark of m.
func firstMarked(m uint64) int { return bits.TrailingZeros64(m) / 8 }

// closingQuote returns the index of the '"' that ends the quoted string whose
// content starts at s[i], or -1 if there is none. s[i-1] is the opening quote.
func closingQuote(s []byte, i int) int {
	q := bytes.IndexByte(s[i:], '"')
	if q < 0 {
		return -1
	}
	q += i
	if s[q-1] != '\\' { // s[q-1] is the opening quote when the string is empty
		return q
	}
	return closingQuoteSlow(s, q)
}

// closingQuoteSlow goes on from s[q], a quote with a backslash before it. A
// run of backslashes starts after a byte that is not one, so its parity says
// whether it escapes the quote.
func closingQuoteSlow(s []byte, q int) int {
	for {
		run := 0
		for s[q-1-run] == '\\' { // stops at the opening quote at the latest
			run++
		}
		if run%2 == 0 {
			return q
		}
		next := bytes.IndexByte(s[q+1:], '"')
		if next < 0 {
			return -1
		}
		q += 1 + next
	}
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)
