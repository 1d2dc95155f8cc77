package scan

// How a mapped file's ranges reach the parser. A file is always mapped
// (Split and long lines read it there), but its bytes can be parsed in
// place in the mapping, or copied by pread into each worker's window.
// Which costs less depends on the machine: where the hypervisor fills its
// own page tables on a page's first touch (the project's build machines),
// touching a fresh mapping costs more than pread's copy; elsewhere in place
// was the faster (docs/performance.md has both). ReadAuto times the two
// once a process.

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// ReadMode says how the ranges of a mapped file are read.
type ReadMode string

const (
	// ReadAuto chooses ReadMmap or ReadPread for the process, by timing
	// both on the first file of at least probeMin bytes; smaller files
	// before it are read in place.
	ReadAuto ReadMode = "auto"
	// ReadMmap parses the ranges in place in the mapping.
	ReadMmap ReadMode = "mmap"
	// ReadPread copies each range, a window at a time, with pread.
	ReadPread ReadMode = "pread"
)

// ParseReadMode returns the mode s names; "" is ReadAuto.
func ParseReadMode(s string) (ReadMode, error) {
	switch m := ReadMode(s); m {
	case "":
		return ReadAuto, nil
	case ReadAuto, ReadMmap, ReadPread:
		return m, nil
	}
	return "", fmt.Errorf("unknown read mode %q (want auto, mmap or pread)", s)
}

// probeMin is the smallest file whose reading the probe decides: below
// it the probe would cost more than the choice can save.
const probeMin = 8 << 20

// probeBytes is how much of the file one timing touches or reads (32
// pages of 4 KiB): long enough that the clock's resolution does not matter.
const probeBytes = 128 << 10

// chosen is ReadAuto's choice for the process, once made.
var chosen struct {
	sync.Mutex
	mode ReadMode // "" until a file of probeMin bytes was probed
}

// resolve returns the mode to read the file f, mapped as m, with: mode
// itself unless it is ReadAuto.
func (mode ReadMode) resolve(m []byte, f *os.File) ReadMode {
	if mode != ReadAuto && mode != "" {
		return mode
	}
	chosen.Lock()
	defer chosen.Unlock()
	if chosen.mode != "" {
		return chosen.mode
	}
	if len(m) < probeMin {
		return ReadMmap
	}
	chosen.mode = ReadMmap
	if touch, read, ok := probe(m, f); ok && preadCheaper(touch, read) {
		chosen.mode = ReadPread
	}
	return chosen.mode
}

// probe times, in three places of m (at a quarter, half and three
// quarters), a first touch of each page of probeBytes of it and a pread
// of the probeBytes after them from f. ok is false when a read fails: the
// scan that follows will say why.
func probe(m []byte, f *os.File) (touch, read [3]time.Duration, ok bool) {
	// A file truncated since it was mapped faults: no choice then.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	buf := make([]byte, probeBytes)
	page := os.Getpagesize()
	var sink byte
	for i := range touch {
		off := (len(m) * (i + 1) / 4) &^ (page - 1)
		if off+2*probeBytes > len(m) {
			return touch, read, false
		}
		start := time.Now()
		for p := off; p < off+probeBytes; p += page {
			sink += m[p]
		}
		touch[i] = time.Since(start)
		start = time.Now()
		if n, err := f.ReadAt(buf, int64(off+probeBytes)); n < len(buf) || err != nil {
			return touch, read, false
		}
		read[i] = time.Since(start)
	}
	probeSink = sink
	return touch, read, true
}

// probeSink keeps the touches from being optimised away.
var probeSink byte

// preadCheaper says whether copying a file's bytes costs less than
// touching its mapping's pages, from three timings of each: the fastest
// of each, as a timing is only ever made slower by what else runs.
func preadCheaper(touch, read [3]time.Duration) bool {
	return min(touch[0], touch[1], touch[2]) > min(read[0], read[1], read[2])
}
