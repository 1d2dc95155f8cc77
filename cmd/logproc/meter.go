package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// meter watches a stage from the side: it samples the goroutine count for
// the summary and, when stderr is a terminal and the stage takes longer
// than a second, repaints one progress line. The stage itself only
// publishes atomics; the meter never slows it.
type meter struct {
	out      io.Writer // nil: draw nothing
	peak     atomic.Int64
	stop     chan struct{}
	done     sync.WaitGroup
	drawn    bool
	progress func() string
}

// isTerminal reports whether w is a character device (a terminal), the
// only place a repainted progress line belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newMeter(stderr io.Writer, quiet bool) *meter {
	m := &meter{}
	if !quiet && isTerminal(stderr) {
		m.out = stderr
	}
	return m
}

// start begins watching a stage; progress describes how far it is.
func (m *meter) start(progress func() string) {
	m.progress = progress
	m.stop = make(chan struct{})
	m.done.Add(1)
	go m.watch(time.Now())
}

func (m *meter) watch(began time.Time) {
	defer m.done.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	lastDraw := began
	for {
		m.sample()
		select {
		case <-m.stop:
			return
		case now := <-tick.C:
			if m.out != nil && now.Sub(began) > time.Second && now.Sub(lastDraw) >= 200*time.Millisecond {
				fmt.Fprintf(m.out, "\r\033[K%s", m.progress())
				m.drawn = true
				lastDraw = now
			}
		}
	}
}

func (m *meter) sample() {
	n := int64(runtime.NumGoroutine())
	for {
		p := m.peak.Load()
		if n <= p || m.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// end stops watching and erases the progress line.
func (m *meter) end() {
	m.sample()
	close(m.stop)
	m.done.Wait()
	if m.drawn {
		fmt.Fprint(m.out, "\r\033[K")
		m.drawn = false
	}
}

// percent formats done of total as a percentage, or "" when total is unknown.
func percent(done, total int64) string {
	if total <= 0 {
		return ""
	}
	return strconv.FormatInt(min(100, done*100/total), 10) + "%"
}

// count formats n with thousands separators: 1234567 → 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	b := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		b = append(b, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// size formats a byte count in decimal units: 1234567 → 1.2 MB.
func size(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, suffix := float64(n), "kMGTP"
	i := -1
	for f >= unit && i < len(suffix)-1 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + string(suffix[i]) + "B"
}

// rate formats what was done per second: lines/s or bytes/s.
func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// seconds formats a duration as seconds with enough digits to compare runs.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}
