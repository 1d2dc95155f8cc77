package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// machine describes where the numbers were measured.
type machine struct {
	NProc     int
	CPU       string
	Memory    int64 // bytes
	Kernel    string
	GoVersion string // logproc's, from its build info
	Mawk      string
	// Load is the 1, 5 and 15 minute load averages when the rounds
	// started and when they ended: on a shared machine, how much the
	// neighbours ran too.
	Load [2]string
	// CPUPressure is the share of the rounds' wall time during which some
	// runnable task waited for a CPU (Linux PSI, /proc/pressure/cpu), or
	// -1 where the kernel does not report it. Our own tools add to it
	// when they run more threads than there are CPUs.
	CPUPressure float64
}

// cpuStall returns the "some" total of /proc/pressure/cpu: the time in
// which at least one runnable task waited for a CPU, since boot.
func cpuStall() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "total="); ok && strings.HasPrefix(line, "some") {
			us, err := strconv.ParseInt(v, 10, 64)
			return time.Duration(us) * time.Microsecond, err == nil
		}
	}
	return 0, false
}

// loadAverage returns the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func describeMachine(ctx context.Context, logproc string) machine {
	m := machine{
		NProc:     runtime.NumCPU(),
		CPU:       procField("/proc/cpuinfo", "model name"),
		Kernel:    "unknown",
		GoVersion: runtime.Version() + " (compare's; logproc's build info unreadable)",
		Mawk:      "unknown",
	}
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.Memory = kb << 10
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if bi, err := buildinfo.ReadFile(logproc); err == nil {
		m.GoVersion = bi.GoVersion
	}
	if out, err := exec.CommandContext(ctx, "mawk", "-W", "version").Output(); err == nil {
		m.Mawk, _, _ = strings.Cut(string(out), "\n")
	}
	return m
}

// procField returns the value of the first "key : value" line of a /proc
// file, or "unknown".
func procField(path, key string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// report is everything make bench prints and writes.
type report struct {
	Machine machine
	Config  Config
	Dataset dataset
	Rows    []row
	Started time.Time
	Elapsed time.Duration
}

var groupTitles = map[string]string{
	groupScan:    "Counting the dataset (warm page cache)",
	groupGen:     "Writing as many bytes",
	groupRewrite: "Writing as many bytes over the last run's file (no delete, no sync between runs)",
}

// groups are the groups that have rows, in order: -only may leave some
// empty.
func (r report) groups() []string {
	var have []string
	for _, g := range groups {
		for _, row := range r.Rows {
			if row.Group == g {
				have = append(have, g)
				break
			}
		}
	}
	return have
}

// header is the table's first line; ratio names the group's reference.
func header(ratio string) []string {
	return []string{"tool", "median s", "min–max s", "lines/s", "GB/s", ratio, "user s", "sys s", "peak RSS"}
}

// cells is the table of one group: the header, then a line per tool.
func (r report) cells(group string) [][]string {
	var refName string
	for _, row := range r.Rows {
		if row.Group == group && row.Ref {
			refName = row.Name
		}
	}
	t := [][]string{header("× " + refName)}
	for _, row := range r.Rows {
		if row.Group != group {
			continue
		}
		sec := row.Median.Seconds()
		lines := fmt.Sprintf("%.1f M", float64(r.Dataset.Records)/sec/1e6)
		if strings.HasPrefix(row.Name, "dd") {
			lines = "—" // dd writes zeros, not lines
		}
		ratio := fmt.Sprintf("%.2f", row.Ratio)
		if row.Ref {
			ratio = "1 (ref)"
		}
		t = append(t, []string{
			row.Name,
			fmt.Sprintf("%.3f", sec),
			fmt.Sprintf("%.3f–%.3f", row.Min.Seconds(), row.Max.Seconds()),
			lines,
			fmt.Sprintf("%.2f", float64(r.Dataset.Bytes)/sec/1e9),
			ratio,
			fmt.Sprintf("%.2f", row.User.Seconds()),
			fmt.Sprintf("%.2f", row.Sys.Seconds()),
			fmt.Sprintf("%.0f MiB", float64(row.MaxRSS)/(1<<20)),
		})
	}
	return t
}

func (r report) find(name string) (row, bool) {
	for _, row := range r.Rows {
		if row.Name == name {
			return row, true
		}
	}
	return row{}, false
}

// findPrefix returns the first row whose name starts with prefix.
func (r report) findPrefix(prefix string) (row, bool) {
	for _, row := range r.Rows {
		if strings.HasPrefix(row.Name, prefix) {
			return row, true
		}
	}
	return row{}, false
}

// findings are the ratios a reader looks for first.
func (r report) findings() []string {
	w := strconv.Itoa(r.Config.Workers)
	var f []string
	if p := r.Machine.CPUPressure; p > 0.2 {
		f = append(f, fmt.Sprintf("Neighbours: for %.0f %% of the run some task waited for a CPU, so the times are inflated "+
			"and spread; the ratios, from interleaved rounds, hold up better than the absolute numbers. "+
			"Rerun on a quiet machine for numbers to quote.", p*100))
	}
	scanN, okN := r.find("logproc scan -workers " + w)
	scan1, ok1 := r.find("logproc scan -workers 1")
	if okN && ok1 && w != "1" {
		f = append(f, fmt.Sprintf("logproc scan, 1 → %s workers: speed-up %.2f× (%.3f s → %.3f s).",
			w, scan1.Median.Seconds()/scanN.Median.Seconds(), scan1.Median.Seconds(), scanN.Median.Seconds()))
	}
	if all, ok := r.find("logproc scan -workers " + w + " -metrics all"); ok && okN {
		f = append(f, fmt.Sprintf("Every metric (actions, latency percentiles, time range) costs %.2f× the time of the seed's counters alone (%.3f s → %.3f s).",
			all.Median.Seconds()/scanN.Median.Seconds(), scanN.Median.Seconds(), all.Median.Seconds()))
	}
	for _, other := range []string{"naive", "mawk", "wc -l", "floor"} {
		if o, ok := r.findPrefix(other); ok && okN {
			f = append(f, relative(scanN, o))
		}
	}
	if g, ok := r.find("logproc gen -workers " + w); ok {
		for _, name := range []string{"dd (no sync)", "dd conv=fsync"} {
			if d, ok := r.find(name); ok {
				f = append(f, relative(g, d))
			}
		}
	}
	g, okG := r.find("logproc gen -workers " + w + " over its last output")
	if d, ok := r.find("dd over its last output (no sync)"); ok && okG {
		f = append(f, relative(g, d)+fmt.Sprintf(" System time: %.2f s against %.2f s.", g.Sys.Seconds(), d.Sys.Seconds()))
	}
	return f
}

// relative says how a's median compares with b's, in words.
func relative(a, b row) string {
	ratio := a.Median.Seconds() / b.Median.Seconds()
	if ratio < 1 {
		return fmt.Sprintf("%s is %.2f× faster than %s.", a.Name, 1/ratio, b.Name)
	}
	return fmt.Sprintf("%s takes %.2f× the time of %s.", a.Name, ratio, b.Name)
}

// notes say how to read the numbers.
func (r report) notes() []string {
	gb := float64(r.Dataset.Bytes) / 1e9
	cache := fmt.Sprintf("The dataset (%.2f GB) fits in memory (%.1f GiB) and was read once before round 1, "+
		"so every scan-group tool reads it from the page cache: those rows measure CPU and memory, not the disk.",
		gb, float64(r.Machine.Memory)/(1<<30))
	if r.Machine.Memory > 0 && r.Dataset.Bytes > r.Machine.Memory/2 {
		cache = fmt.Sprintf("The dataset (%.2f GB) is more than half the memory (%.1f GiB): "+
			"part of it is read from disk in every run, and the scan rows include disk time.",
			gb, float64(r.Machine.Memory)/(1<<30))
	}
	return []string{
		fmt.Sprintf("%d rounds; in each, every tool ran once, the order rotated by one tool per round "+
			"(round-robin), so noise from neighbours spreads over all tools. Median and min–max of wall time, fork to exit.", r.Config.Rounds),
		cache,
		"logproc gen writes through the page cache and renames its file into place without an fsync (-fsync asks for one), so " +
			"`dd (no sync)` (no conv=fdatasync) does the same work and is the gen group's reference; `dd conv=fsync` " +
			"shows what flushing to the disk would add. Both dd runs write exactly the dataset's byte count " +
			"(`iflag=count_bytes`). Outputs are deleted after every run, then sync(2), untimed.",
		"Peak RSS is the process's ru_maxrss. Pages of a memory-mapped file count as resident once touched, so " +
			"logproc scan and floor, which map the whole file, report up to the file's size without allocating it.",
		"user s and sys s are the median user and system times: their sum above the wall time means the tool ran in parallel.",
		"The last table's tools write over their own output of a moment ago: before each timed run, sync(2), then an " +
			"untimed run of the same tool, with no delete and no sync(2) after it: what rerunning logproc gen (make run) " +
			"back to back meets, with no other tool's writes in flight.",
		"Every answer agreed, in every round: logproc scan's JSON and naive's with the generator's truth (every field); " +
			"mawk's level counts, users' line counts, lines without a user, blank and malformed lines with the truth; " +
			"wc -l and floor with the line count; logproc gen's output with the dataset (size, first and last MiB).",
	}
}

func (r report) describe() [][2]string {
	ds := r.Dataset
	reused := "generated for this run"
	if ds.Reused {
		reused = "reused"
	}
	return [][2]string{
		{"date", r.Started.UTC().Format("2006-01-02 15:04 MST")},
		{"CPUs (nproc)", strconv.Itoa(r.Machine.NProc)},
		{"CPU", r.Machine.CPU},
		{"memory", fmt.Sprintf("%.1f GiB", float64(r.Machine.Memory)/(1<<30))},
		{"kernel", r.Machine.Kernel},
		{"Go (logproc)", r.Machine.GoVersion},
		{"mawk", r.Machine.Mawk},
		{"dataset", fmt.Sprintf("%s: %s lines, %s bytes (%.2f GB), %d users, seed %d, %s (%s)",
			ds.Path, thousands(ds.Records), thousands(ds.Bytes), float64(ds.Bytes)/1e9, ds.Users, ds.Seed, ds.Format, reused)},
		{"rounds", fmt.Sprintf("%d, interleaved; %.0f s in all", r.Config.Rounds, r.Elapsed.Seconds())},
		{"load average", fmt.Sprintf("%s at the start, %s at the end (1, 5, 15 min; %d CPUs)", r.Machine.Load[0], r.Machine.Load[1], r.Machine.NProc)},
		{"CPU pressure", pressure(r.Machine.CPUPressure)},
	}
}

// text is the report for a terminal.
func (r report) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nlogproc bench\n")
	for _, kv := range r.describe() {
		fmt.Fprintf(&b, "  %-13s %s\n", kv[0]+":", kv[1])
	}
	for _, g := range r.groups() {
		fmt.Fprintf(&b, "\n%s\n", groupTitles[g])
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, line := range r.cells(g) {
			// Left-align the tool's name by padding it ourselves.
			fmt.Fprintf(tw, "  %-46s\t%s\t\n", line[0], strings.Join(line[1:], "\t"))
		}
		tw.Flush()
	}
	b.WriteString("\n")
	for _, f := range r.findings() {
		fmt.Fprintf(&b, "  * %s\n", f)
	}
	b.WriteString("\n")
	return b.String()
}

// markdown is the report for bench/results/latest.md.
func (r report) markdown() string {
	var b strings.Builder
	b.WriteString("# logproc bench: latest results\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (bench/cmd/compare) with BENCH_RECORDS=%d BENCH_ROUNDS=%d.\n\n",
		r.Config.Records, r.Config.Rounds)
	b.WriteString("| | |\n| --- | --- |\n")
	for _, kv := range r.describe() {
		fmt.Fprintf(&b, "| %s | %s |\n", kv[0], mdEscape(kv[1]))
	}
	for _, g := range r.groups() {
		fmt.Fprintf(&b, "\n## %s\n\n", groupTitles[g])
		for i, line := range r.cells(g) {
			for j := range line {
				line[j] = mdEscape(line[j])
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(line, " | "))
			if i == 0 {
				b.WriteString("| --- |" + strings.Repeat(" ---: |", len(line)-1) + "\n")
			}
		}
	}
	b.WriteString("\n## Findings\n\n")
	for _, f := range r.findings() {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	b.WriteString("\n## How to read it\n\n")
	for _, n := range r.notes() {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString("\n![median wall time per tool, log scale](latest.svg)\n")
	return b.String()
}

func pressure(p float64) string {
	if p < 0 {
		return "not reported by this kernel"
	}
	return fmt.Sprintf("%.0f %% of the rounds' wall time some runnable task waited for a CPU (PSI)", p*100)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
