package bench

import (
	"context"
	"runtime"
	"testing"

	"github.com/logproc/logproc/gen"
	"github.com/logproc/logproc/scan"
)

// TestScanAllocsDoNotGrow checks that scanning allocates per file, per
// worker, per range and per distinct user, never per line: ten times the
// lines must not take more than 1.2 times the allocations, plus a small
// constant. The user pool is small, so both files name every user.
//
// The constant covers what scheduling varies: whether a worker gets a
// range at all before the others have taken them. A worker that does
// allocates its shard's copy of every user name it sees and its map's
// growth, so the constant allows that much per worker. An allocation per
// line would add 180,000; one per 1,000 lines still 180. make perf-gate
// runs this test.
func TestScanAllocsDoNotGrow(t *testing.T) {
	const (
		smallLines = 20_000
		largeLines = 200_000
		users      = 100
		perWorker  = users + 32 // allocations
		slack      = 64
	)
	small, _ := genFile(t, gen.Logfmt, smallLines, users)
	large, _ := genFile(t, gen.Logfmt, largeLines, users)
	for _, read := range []scan.ReadMode{scan.ReadMmap, scan.ReadPread} {
		for _, workers := range []int{1, 2} {
			mallocs := func(path string) uint64 {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				if _, err := scan.Files(context.Background(), []string{path}, scan.Options{Workers: workers, Read: read}, nil); err != nil {
					t.Fatal(err)
				}
				runtime.ReadMemStats(&after)
				return after.Mallocs - before.Mallocs
			}
			mallocs(small) // first use: package state, sync.Once and the like
			a, b := mallocs(small), mallocs(large)
			t.Logf("read %s, workers=%d: %d allocations for %d lines, %d for %d lines", read, workers, a, smallLines, b, largeLines)
			if limit := a*12/10 + uint64(workers*perWorker+slack); b > limit {
				t.Errorf("read %s, workers=%d: scanning %d lines allocates %d times, %d lines %d times: more than %d; something allocates per line",
					read, workers, largeLines, b, smallLines, a, limit)
			}
		}
	}
}
