package logline

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAppendJSONTextBlocks puts escapes, quotes and non-ASCII bytes at
// every place of jsonUnescape's 16-byte blocks and of the word loop after
// them, and checks each string against encoding/json.
func TestAppendJSONTextBlocks(t *testing.T) {
	checkAppendJSONText(t, 90, 20000)
	checkAppendJSONText(t, 300, 5000) // several of jsonUnescape's blocks to a string
}

func checkAppendJSONText(t *testing.T, maxLen, n int) {
	t.Helper()
	pieces := []string{"a", "bcdefgh", `\"`, `\\`, `\n`, `\/`, `\u00e9`, "é", `\x`, `"`, "ijklmnopqrstuvwxyz0123"}
	r := rand.New(rand.NewPCG(1, uint64(maxLen)))
	for range n {
		var b strings.Builder
		b.WriteByte('"')
		for b.Len() < 1+r.IntN(maxLen) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		b.WriteString(`"tail`)
		quoted := b.String()
		end := closingOf(quoted)
		var want string
		err := json.Unmarshal([]byte(quoted[:end+1]), &want)
		got, gotEnd := appendJSONText([]byte("pre"), []byte(quoted), 1)
		switch {
		case err != nil && gotEnd >= 0:
			t.Fatalf("%q: end %d, want a refusal (encoding/json: %v)", quoted, gotEnd, err)
		case err == nil && (gotEnd != end || string(got) != "pre"+want):
			t.Fatalf("%q: got %q at %d, want %q at %d", quoted, got, gotEnd, "pre"+want, end)
		}
	}
}

// TestJSONUnescapeTwin checks jsonUnescape against a byte loop written
// from its contract on logs dense in \", as a JSON line in json-file is,
// with the other marks among them at every place of its 16-byte blocks:
// it writes the unescaped bytes of what it read, stops at an escape's
// end, and only at the mark where the byte loop stops or where fewer than
// 16 bytes of src are left.
func TestJSONUnescapeTwin(t *testing.T) {
	pieces := []string{`\"`, `\"`, `\"`, "a", "bc", "defghij", `\\`, `\n`, `\/`, `\u00e9`, "é", `\x`, `"`, `\`}
	r := rand.New(rand.NewPCG(2, 3))
	dst, want := make([]byte, 400), make([]byte, 400)
	wroteAt := make([]int, 400)
	for range 50000 {
		var b strings.Builder
		for n := r.IntN(120); b.Len() < n; {
			if r.IntN(8) == 0 {
				b.WriteString(pieces[3+r.IntN(len(pieces)-3)])
			} else {
				b.WriteString(pieces[r.IntN(4)])
			}
		}
		src := []byte(b.String())
		gr, gw := jsonUnescape(dst, src)
		stop := unescapeByBytes(want, wroteAt, src)
		if gr > stop || wroteAt[gr] != gw || string(dst[:gw]) != string(want[:gw]) || gr != stop && gr+16 <= len(src) {
			t.Fatalf("%q: read %d wrote %q, the byte loop stops at %d", src, gr, dst[:gw], stop)
		}
	}
}

// unescapeByBytes unescapes src into dst a byte at a time up to its first
// quote, byte of 0x80 or more or escape of more than one letter, and
// returns where it stopped; wroteAt[i] is how many bytes it had written
// at src[i], or -1 when i is inside an escape.
func unescapeByBytes(dst []byte, wroteAt []int, src []byte) int {
	read, written := 0, 0
	for ; read < len(src); written++ {
		wroteAt[read] = written
		c := src[read]
		switch {
		case c == '"' || c >= 0x80:
			return read
		case c == '\\':
			if read+1 >= len(src) || jsonEscapes[src[read+1]] == 0 {
				return read
			}
			dst[written] = jsonEscapes[src[read+1]]
			wroteAt[read+1] = -1
			read += 2
		default:
			dst[written] = c
			read++
		}
	}
	wroteAt[read] = written
	return read
}
