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
