package logline

import "encoding/binary"

//go:generate go test -run ^TestNextEscapedGenerated$ -update-escaped

// The word tests of nextEscaped (next_escaped.go): a line of slog's shape
// read where it lies inside a JSON string (Docker's log), not unescaped
// into a buffer first.

// outsideTime marks the bytes of w outside '+' to 'Z', which hold every
// byte of a time slog writes and no quote, backslash or high byte. Only
// whether any is marked is exact.
func outsideTime(w uint64) uint64 {
	return ((w - lowBits*'+') | (w + lowBits*(0x7F-'Z')) | w) & highBits
}

// escEnd marks, for a value read in a JSON string, the bytes that end it
// (SP, and the '\n' and control bytes, as belowBang marks) and those it may
// not hold: '!' and the quote (the string's end), a backslash (an escape,
// which the value would not hold once unescaped) and a byte of 0x80 or
// more (which unescaping may make U+FFFD). The backslash is the byte
// that w^'\\' makes 0, which that word less one marks (the bytes it wraps,
// 0x81 and up, are marked anyway): one subtraction, not byteMask's
// three operations. Its first mark is exact: only marked bytes borrow.
func escEnd(w uint64) uint64 {
	return ((w - lowBits*'#') | ((w ^ lowBits*'\\') - lowBits) | w) & highBits
}

// escMsgMark is nextEscaped's search for the msg's closing \" past its
// first 24 bytes, from b[i]: the index of the first backslash, quote or
// '\n' (or '*' or STX, as quoteOrNewline marks), or -1.
func escMsgMark(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := le64(b[i:])
		if m := escMsgStops(w); m != 0 {
			return i + firstMarked(m)
		}
	}
	return -1
}

// escMsgStops marks the bytes of w that stop the escaped read of a msg: a
// backslash and those quoteOrNewline marks (DQUOTE, '\n', '*', STX). Both
// tests are of a byte made 0, less one; a byte of 0x80 and up, which that
// also marks, is unmarked by &^w and borrows from none. Its first mark is
// exact: only marked bytes borrow.
func escMsgStops(w uint64) uint64 {
	x := (w | lowBits*0x28) ^ lowBits*0x2A
	y := w ^ lowBits*'\\'
	return ((x - lowBits) | (y - lowBits)) &^ w & highBits
}

// escLineEnd says that b[k:] starts with \n", a line's end in a JSON string.
// It reads four bytes, one past the quote: a JSON string's end is followed
// by the rest of its object.
func escLineEnd(b []byte, k int) bool {
	return k+4 <= len(b) && binary.LittleEndian.Uint32(b[k:])&(1<<24-1) == '\\'|'n'<<8|'"'<<16
}

// escLineRest returns the index after the \n" that ends, inside a JSON
// string, the line whose rest starts at b[i], when no other backslash, no
// quote and no raw '\n' comes before it; else -1.
func escLineRest(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := le64(b[i:])
		if m := byteMask(w, '\\') | byteMask(w, '"') | byteMask(w, '\n'); m != 0 {
			i += firstMarked(m)
			if escLineEnd(b, i) {
				return i + len(`\n"`)
			}
			return -1
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '\\' || c == '"' || c == '\n' {
			if escLineEnd(b, i) {
				return i + len(`\n"`)
			}
			return -1
		}
	}
	return -1
}
