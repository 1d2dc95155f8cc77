package bus

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/logproc/logproc/out"
)

// BenchmarkTimeline shows where end to end goes beyond scan: per round,
// scan with 2 workers, then timeEndToEnd's run (a consumer with 2 workers
// pulling, publish, report -wait), noting when each batch is taken and
// its record written, each poll of WaitReport, and when publish and the
// report return; it prints each round's wall and CPU time, when the first
// batch was taken (the survey's end), and with TIMELINE_SHOW=1 the last
// round's events. TIMELINE_FILE is the log (required), TIMELINE_ROUNDS
// the rounds (default 3), TIMELINE_BY=value sends batches by value, and
// TIMELINE_RAW=1 sends them uncompressed.
//
//	TIMELINE_FILE=bench/data/bus-5000000.log go test -run '^$' -bench '^BenchmarkTimeline$' -benchtime 1x ./bus/
func BenchmarkTimeline(b *testing.B) {
	path := os.Getenv("TIMELINE_FILE")
	if path == "" {
		b.Skip("TIMELINE_FILE names no log to publish")
	}
	ts := startTestServer(b)
	o, _, want := scanOracle(b, path)
	byValue := os.Getenv("TIMELINE_BY") == "value"
	rounds := envInt(b, "TIMELINE_ROUNDS", 3)
	for r := range rounds {
		sc := timeScan(b, path, withWorkers(o, 2))
		name := "TL" + strconv.Itoa(r)
		pub := ts.connectTo(b, "publish", name, name)
		c := ts.connectTo(b, "consume", name, name)
		var tl timeline
		co := ConsumeOptions{Workers: 2, Scan: o, Sections: out.AllSections(),
			beforeCount: func(bt batch) { tl.note("take " + bt.ID) },
			afterWrite:  func(bt batch) { tl.note("wrote " + bt.ID) }}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { Consume(ctx, c, co) })
		waitConsumer(b, c)
		tl.start()
		w := startWatch()
		if _, err := Publish(context.Background(), pub, []string{path}, PublishOptions{ByReference: !byValue, Uncompressed: os.Getenv("TIMELINE_RAW") != ""}); err != nil {
			b.Fatal(err)
		}
		tl.note("publish returned")
		snap, err := WaitReport(context.Background(), pub, 200*time.Millisecond, func(s Status) { tl.note("poll: " + s.String()) })
		sp := w.stop()
		tl.note("report")
		cancel()
		wg.Wait()
		dropJob(pub, name)
		if err != nil {
			b.Fatal(err)
		}
		checkReport(b, snap, want)
		if os.Getenv("TIMELINE_SHOW") != "" && r == rounds-1 {
			for _, e := range tl.events {
				fmt.Printf("%7.3f %s\n", e.at.Seconds(), e.what)
			}
		}
		fmt.Printf("round %d: scan %.3f s, CPU %.3f s; end to end %.3f s, CPU %.3f s, first batch taken at %.3f s\n",
			r, sc.wall.Seconds(), sc.cpu.Seconds(), sp.wall.Seconds(), sp.cpu.Seconds(), tl.first().Seconds())
	}
}

// timeline is events noted from several goroutines, timed from start.
type timeline struct {
	mu     sync.Mutex
	began  time.Time
	events []event
}

type event struct {
	at   time.Duration
	what string
}

func (t *timeline) start() {
	t.mu.Lock()
	t.began = time.Now()
	t.mu.Unlock()
}

func (t *timeline) note(what string) {
	t.mu.Lock()
	t.events = append(t.events, event{time.Since(t.began), what})
	t.mu.Unlock()
}

// first is when the first batch was taken.
func (t *timeline) first() time.Duration {
	for _, e := range t.events {
		if len(e.what) > 5 && e.what[:5] == "take " {
			return e.at
		}
	}
	return 0
}
