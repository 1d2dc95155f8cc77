package main

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// Layout of the chart, in SVG user units.
const (
	chartWidth  = 980
	chartLeft   = 330 // tool names end here and the bars start
	chartRight  = 150 // room for the value labels
	chartTop    = 64
	chartRowH   = 24
	chartGroupH = 34
	chartBarH   = 14
)

// svg is a bar chart of the median wall times, one bar per tool, on a log
// scale so that floor's tenths of a second and naive's minutes both show.
// A whisker spans the min–max of the rounds.
func (r report) svg() string {
	lo, hi := r.Rows[0].Min, r.Rows[0].Max
	for _, row := range r.Rows {
		lo, hi = min(lo, row.Min), max(hi, row.Max)
	}
	decLo := math.Floor(math.Log10(max(lo.Seconds(), 1e-4)))
	decHi := math.Ceil(math.Log10(max(hi.Seconds(), 1e-4)))
	if decHi <= decLo {
		decHi = decLo + 1
	}
	plotW := float64(chartWidth - chartLeft - chartRight)
	x := func(d time.Duration) float64 {
		v := math.Log10(max(d.Seconds(), 1e-4))
		return chartLeft + (v-decLo)/(decHi-decLo)*plotW
	}

	height := chartTop + len(r.Rows)*chartRowH + len(r.groups())*chartGroupH + 50
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="12" y="24" font-size="16" font-weight="bold">%s</text>`+"\n",
		esc(fmt.Sprintf("logproc bench: median wall time, %s lines (%.2f GB)", thousands(r.Dataset.Records), float64(r.Dataset.Bytes)/1e9)))
	fmt.Fprintf(&b, `<text x="12" y="44" fill="#555">%s</text>`+"\n",
		esc(fmt.Sprintf("%d interleaved rounds, whiskers min–max, log scale, (×) = time / the grey reference's; %d × %s, %s, %s",
			r.Config.Rounds, r.Machine.NProc, r.Machine.CPU, r.Machine.GoVersion, r.Started.UTC().Format("2006-01-02"))))

	plotBottom := height - 40
	// Grid: a line per decade, fainter ones at 2× and 5×.
	for dec := decLo; dec <= decHi; dec++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, dec)
			if math.Log10(v) > decHi+1e-9 {
				break
			}
			px := x(time.Duration(v * float64(time.Second)))
			color := "#ddd"
			if m == 1 {
				color = "#aaa"
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s s</text>`+"\n",
					px, plotBottom+16, esc(trimFloat(v)))
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", px, chartTop, px, plotBottom, color)
		}
	}

	y := chartTop
	for _, g := range r.groups() {
		y += chartGroupH
		fmt.Fprintf(&b, `<text x="12" y="%d" font-weight="bold">%s</text>`+"\n", y-10, esc(groupTitles[g]))
		for _, row := range r.Rows {
			if row.Group != g {
				continue
			}
			cy := y + chartRowH/2
			fill := "#e08a2c"
			switch {
			case row.Ref:
				fill = "#8c8c8c"
			case strings.HasPrefix(row.Name, "logproc"):
				fill = "#2c6fbb"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", chartLeft-8, cy+4, esc(row.Name))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n",
				chartLeft, cy-chartBarH/2, max(x(row.Median)-chartLeft, 1), chartBarH, fill)
			x0, x1 := x(row.Min), x(row.Max)
			fmt.Fprintf(&b, `<path d="M%.1f %dV%dM%.1f %dH%.1fM%.1f %dV%d" stroke="black" fill="none"/>`+"\n",
				x0, cy-4, cy+4, x0, cy, x1, x1, cy-4, cy+4)
			label := fmt.Sprintf("%.3f s", row.Median.Seconds())
			if !row.Ref {
				label += fmt.Sprintf(" (%.2f×)", row.Ratio)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", max(x1, x(row.Median))+6, cy+4, esc(label))
			y += chartRowH
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// trimFloat writes v without trailing zeros: 0.01, 0.2, 5, 100.
func trimFloat(v float64) string {
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
