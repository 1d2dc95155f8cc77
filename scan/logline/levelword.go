package logline

import (
	"encoding/binary"

	"github.com/logproc/logproc/internal/record"
)

// levelMul sends each of slog's levels, read as one word with the " msg"
// that follows it on a line of slog's shape, to its slot in
// record.LevelNames: nextSlogTail checks a level with one multiplication
// and one compare.
const levelMul = 0x2804d8c04de3388b

// levelWords holds those words at their slots.
var levelWords = func() (t [len(record.LevelNames)]uint64) {
	for slot, name := range record.LevelNames {
		var b [8]byte
		copy(b[:], name+` msg="`)
		w := binary.LittleEndian.Uint64(b[:])
		if w*levelMul>>62 != uint64(slot) {
			panic("logline: levelMul does not put " + name + " in its slot")
		}
		t[slot] = w
	}
	return t
}()
