package main

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// meter watches a stage from the side: it samples the goroutine count for
// the summary and, when stderr is a terminal and the stage takes longer
// than a second, draws a progress bar (percent, throughput, ETA) or, when
// the size is unknown, a spinner with counts. The stage itself only
// publishes atomics; the meter never slows it.
type meter struct {
	out   io.Writer // nil: draw nothing
	peak  atomic.Int64
	stop  chan struct{}
	done  sync.WaitGroup
	gauge gauge
}

// A gauge is how far a stage is: done of total units (bytes, or lines when
// unit is not "B"); total 0 means unknown.
type gauge struct {
	label string
	unit  string
	total int64
	done  func() int64
}

// isTerminal reports whether w is a terminal: where a summary for people
// and a repainted progress bar belong.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newMeter draws on stderr when it is a terminal, unless quiet or
// NO_COLOR (https://no-color.org) asks for plain output.
func newMeter(stderr io.Writer, quiet bool) *meter {
	m := &meter{}
	if !quiet && os.Getenv("NO_COLOR") == "" && isTerminal(stderr) {
		m.out = stderr
	}
	return m
}

// start begins watching a stage.
func (m *meter) start(g gauge) {
	m.gauge = g
	m.stop = make(chan struct{})
	m.done.Add(1)
	go m.watch(time.Now())
}

func (m *meter) watch(began time.Time) {
	defer m.done.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	// The bar is made now, for its clock, and shown after a second: a
	// short stage draws nothing.
	var bar *progressbar.ProgressBar
	shown := &gate{w: m.out}
	if m.out != nil {
		bar = m.newBar(shown)
	}
	lastDraw := began
	for {
		m.sample()
		select {
		case <-m.stop:
			if bar != nil {
				bar.Finish() // stops its spinner's goroutine; the line is erased below
				if shown.open.Swap(false) {
					io.WriteString(m.out, "\r\033[K")
				}
			}
			return
		case now := <-tick.C:
			if m.out == nil || now.Sub(began) < time.Second || now.Sub(lastDraw) < 200*time.Millisecond {
				continue
			}
			shown.open.Store(true)
			bar.Set64(m.gauge.done())
			lastDraw = now
		}
	}
}

// gate passes writes to w once open, and drops them before.
type gate struct {
	w    io.Writer
	open atomic.Bool // a spinner draws from a goroutine of its own too
}

func (g *gate) Write(p []byte) (int, error) {
	if !g.open.Load() {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (m *meter) newBar(w io.Writer) *progressbar.ProgressBar {
	g := m.gauge
	max := g.total
	if max <= 0 {
		max = -1 // a spinner
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(g.label),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionThrottle(0), // the meter paces it
	}
	if g.unit == "B" {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(g.unit))
	}
	bar := progressbar.NewOptions64(max, opts...)
	bar.Add64(0) // starts its clocks, which it would start at the first draw
	return bar
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

// end stops watching and erases the progress bar.
func (m *meter) end() {
	m.sample()
	close(m.stop)
	m.done.Wait()
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

// plural formats n things: "1 line", "2 lines", "1,000 lines". what is
// the singular; words ending in s, x or ch take "es".
func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") || strings.HasSuffix(what, "x") || strings.HasSuffix(what, "ch") {
		return count(n) + " " + what + "es"
	}
	return count(n) + " " + what + "s"
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
