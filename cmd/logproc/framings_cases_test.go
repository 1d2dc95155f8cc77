package main

// Issue 11's acceptance tests for the platform framings and envelopes:
// each file written by a framing of framings_test.go around lines the real
// libraries wrote, scanned by the binary with no flag but -window, and
// checked against the records as logged.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// frameTol: zap's float seconds are within 500 ns of the truth, and a
// split record's pieces are stamped up to 300 ns after its first.
const frameTol = 500 * time.Nanosecond

func criFile(name string, k innerKind, recs []frameRec, interleave bool) framedFile {
	return framedInner(name, k, recs, func(w io.Writer, recs []frameRec, lines [][]byte) error {
		writeCRI(w, recs, lines, criMaxLen, interleave)
		return nil
	})
}

func dockerFile(name string, k innerKind, recs []frameRec) framedFile {
	return framedInner(name, k, recs, func(w io.Writer, recs []frameRec, lines [][]byte) error {
		writeDockerJSON(w, recs, lines)
		return nil
	})
}

// exactLength gives recs[i] a message of x's that makes its line, as k's
// library writes it, exactly size bytes before its '\n': when size is a
// multiple of 16 KiB, Docker ends it with a piece of "\n" alone.
func exactLength(k innerKind, recs []frameRec, i, size int) []frameRec {
	r := recs[i]
	r.msg = strings.Repeat("x", size)
	r.msg = strings.Repeat("x", 2*size-(len(innerLines(k, []frameRec{r})[0])-1))
	if n := len(innerLines(k, []frameRec{r})[0]) - 1; n != size {
		panic(fmt.Sprintf("a line of %d bytes, not %d", n, size))
	}
	recs[i] = r
	return recs
}

func timestampedFile(name string, k innerKind, recs []frameRec) framedFile {
	return framedInner(name, k, recs, func(w io.Writer, recs []frameRec, lines [][]byte) error {
		writeTimestamped(w, recs, lines)
		return nil
	})
}

// journaldFile: with inner slog text, stdout's PRIORITY is 6 and stderr's
// 3, and the line's own level must win; with inner lines of the log
// package, which have no level, PRIORITY gives it, NOTICE and CRITICAL
// included.
func journaldFile(name string, k innerKind, recs []frameRec) framedFile {
	prio := make([]int, len(recs))
	for i, r := range recs {
		switch {
		case k != stdLog && r.stderr:
			prio[i] = 3
		case k != stdLog:
			prio[i] = 6
		case r.level == 2 && i%7 == 0:
			prio[i] = 5
		case r.level == 4 && i%5 == 0:
			prio[i] = 2
		default:
			prio[i] = [5]int{7, 7, 6, 4, 3}[r.level]
		}
	}
	f := framedInner(name, k, recs, func(w io.Writer, recs []frameRec, lines [][]byte) error {
		writeJournalJSON(w, recs, lines, prio)
		return nil
	})
	if k == stdLog {
		f.level = func(i int) string { return syslogNames[prio[i]] }
	}
	return f
}

func otlpFile(name string, recs []frameRec) framedFile {
	var batch []int
	for left, i := len(recs), 0; left > 0; i++ {
		n := min(left, []int{1, 3, 7, 2, 5}[i%5])
		batch = append(batch, n)
		left -= n
	}
	return framedFile{
		name:  name,
		recs:  recs,
		write: func(w io.Writer) error { return writeOTLP(w, recs, batch) },
		level: func(i int) string { return otelLevels[recs[i].level] },
		timed: true,
	}
}

func cloudWatchFile(name string, recs []frameRec) framedFile {
	var batch []int
	for left, i := len(recs), 0; left > 0; i++ {
		n := min(left, []int{4, 1, 5, 2}[i%4])
		batch = append(batch, n)
		left -= n
	}
	return framedInner(name, slogJSON, recs, func(w io.Writer, recs []frameRec, lines [][]byte) error {
		return writeCloudWatchSubscription(w, recs, lines, batch)
	})
}

func cloudWatchS3File(name string, recs []frameRec) framedFile {
	return framedInner(name, slogNoTime, recs, func(w io.Writer, recs []frameRec, lines [][]byte) error {
		return writeCloudWatchS3(w, recs, lines)
	})
}

// scanFramed runs logproc scan -window 1m -o - with the extra arguments in
// dir, feeding stdin when it is not nil, and returns stdout.
func scanFramed(t *testing.T, dir string, stdin io.Reader, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"scan", "-window", "1m", "-o", "-"}, args...)...)
	cmd.Dir = dir
	// The race runtime sleeps a second at exit by default: 20 runs here.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"}
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("running logproc: %v", err)
		}
		t.Fatalf("logproc scan %s: exit %d: %s", strings.Join(args, " "), exit.ExitCode(), stderr.String())
	}
	return stdout.String()
}

// TestScanFramings: one platform's file at a time, then several at once.
func TestScanFramings(t *testing.T) {
	cases := []struct {
		name string
		file func() framedFile
	}{
		// No framing: what the framings must give, read as today.
		{"plain/slog-json", func() framedFile {
			return framedInner("slog.log", slogJSON, frameRecs(300, 20, 16), func(w io.Writer, _ []frameRec, lines [][]byte) error {
				_, err := w.Write(bytes.Join(lines, nil))
				return err
			})
		}},
		{"cri/slog-json", func() framedFile { return criFile("cri-slog-json.log", slogJSON, frameRecs(300, 20, 1), false) }},
		{"cri/slog-text", func() framedFile { return criFile("cri-slog-text.log", slogText, frameRecs(300, 20, 2), false) }},
		{"cri/zap-json", func() framedFile { return criFile("cri-zap.log", zapJSON, frameRecs(300, 20, 3), false) }},
		// The inner lines have no time: the CRI time is the record's.
		{"cri/slog-text-no-time", func() framedFile {
			return criFile("cri-slog-notime.log", slogNoTime, frameRecs(300, 20, 4), false)
		}},
		// The log package with no flags: no level, no time.
		{"cri/log-no-level", func() framedFile {
			return criFile("cri-stdlog.log", stdLog, withUsers(frameRecs(300, 20, 5)), false)
		}},
		// A stderr line between a stdout line's P pieces and its F.
		{"cri/stderr-between-pieces", func() framedFile {
			return criFile("cri-interleaved.log", slogJSON, frameRecs(300, 4, 6), true)
		}},
		{"docker/slog-json", func() framedFile {
			return dockerFile("docker-slog-json.log", slogJSON, exactLength(slogJSON, frameRecs(300, 20, 7), 150, 2*dockerMaxLen))
		}},
		{"docker/logfmt", func() framedFile {
			return dockerFile("docker-logfmt.log", logrusText, exactLength(logrusText, frameRecs(300, 20, 8), 150, dockerMaxLen))
		}},
		{"kubectl-timestamps/slog-json", func() framedFile {
			return timestampedFile("kubectl-slog-json.log", slogJSON, frameRecs(300, 0, 9))
		}},
		{"docker-logs-t/slog-text-no-time", func() framedFile {
			return timestampedFile("docker-t-notime.log", slogNoTime, frameRecs(300, 0, 10))
		}},
		{"journald/slog-text", func() framedFile { return journaldFile("journal-slog.json", slogText, frameRecs(300, 0, 11)) }},
		{"journald/priority-only", func() framedFile {
			return journaldFile("journal-prio.json", stdLog, withUsers(frameRecs(300, 0, 12)))
		}},
		{"otlp", func() framedFile { return otlpFile("otel-logs.json", frameRecs(300, 0, 13)) }},
		{"cloudwatch/subscription", func() framedFile { return cloudWatchFile("cloudwatch.json", frameRecs(300, 0, 14)) }},
		{"cloudwatch/s3-export", func() framedFile { return cloudWatchS3File("000000.gz", frameRecs(300, 0, 15)) }},
	}
	var all []framedFile
	for _, c := range cases {
		f := c.file()
		all = append(all, f)
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tr := writeFramed(t, dir, f)
			checkFramed(t, c.name, scanFramed(t, dir, nil, f.name), tr, frameTol)
		})
	}
	t.Run("mixed", func(t *testing.T) {
		dir := t.TempDir()
		tr := writeFramed(t, dir, all...)
		checkFramed(t, "mixed", scanFramed(t, dir, nil, tr.files...), tr, frameTol)
	})
}

// TestScanCRIThenPlain: one file that is a CRI part and then a plain slog
// part, a few MB so that ranges fall in each: detection must be per chunk.
func TestScanCRIThenPlain(t *testing.T) {
	dir := t.TempDir()
	recs := frameRecs(20000, 0, 21)
	cri, plain := criFile("a", slogJSON, recs[:12000], false), framedInner("b", slogText, recs[12000:], func(w io.Writer, _ []frameRec, lines [][]byte) error {
		for _, l := range lines {
			w.Write(l)
		}
		return nil
	})
	both := framedFile{
		name: "cri-then-plain.log",
		recs: recs,
		write: func(w io.Writer) error {
			cri.write(w)
			return plain.write(w)
		},
		level: func(i int) string { return innerLevels[slogJSON][recs[i].level] },
		timed: true,
	}
	tr := writeFramed(t, dir, both)
	if fi, err := os.Stat(filepath.Join(dir, both.name)); err != nil || fi.Size() < 2<<20 {
		t.Fatalf("the file must span several 1 MiB ranges: %v, %v", fi, err)
	}
	checkFramed(t, "cri then plain", scanFramed(t, dir, nil, both.name), tr, frameTol)
}

// TestScanCRIPiecesAcrossRanges: a CRI file of a few MB whose P pieces
// straddle the range cuts gives the truth, and the same results, with 1, 2
// and 7 workers, read instead of mapped, and from stdin.
func TestScanCRIPiecesAcrossRanges(t *testing.T) {
	dir := t.TempDir()
	f := criFile("pods.log", slogJSON, frameRecs(800, 8, 31), false)
	tr := writeFramed(t, dir, f)
	data, err := os.ReadFile(filepath.Join(dir, f.name))
	if err != nil {
		t.Fatal(err)
	}
	// scan.Split cuts after the line holding size*i/n, n = size / 1 MiB
	// ranges at most: at least one such line must be a P piece.
	size := int64(len(data))
	n := size >> 20
	straddles := 0
	for i := int64(1); i < n; i++ {
		at := size * i / n
		start := bytes.LastIndexByte(data[:at], '\n') + 1
		line, _, _ := bytes.Cut(data[start:], []byte("\n"))
		if fields := bytes.SplitN(line, []byte(" "), 4); len(fields) == 4 && string(fields[2]) == "P" {
			straddles++
		}
	}
	if n < 3 || straddles == 0 {
		t.Fatalf("%d bytes, %d ranges, %d cut inside P/F sequences; want at least 3 ranges and one cut inside", size, n, straddles)
	}

	runs := []struct {
		name  string
		stdin bool
		args  []string
	}{
		{"workers 1", false, []string{"-workers", "1", f.name}},
		{"workers 2", false, []string{"-workers", "2", f.name}},
		{"workers 7", false, []string{"-workers", "7", f.name}},
		{"no-mmap", false, []string{"-no-mmap", "-workers", "7", f.name}},
		{"mmap", false, []string{"-read", "mmap", "-workers", "7", f.name}},
		{"pread", false, []string{"-read", "pread", "-workers", "7", f.name}},
		{"stdin", true, []string{"-workers", "7", "-"}},
	}
	var want []byte
	for _, r := range runs {
		var stdin io.Reader
		trr := tr
		if r.stdin {
			stdin = bytes.NewReader(data)
			cp := *tr
			cp.files = []string{"stdin"} // as results name standard input
			trr = &cp
		}
		out := scanFramed(t, dir, stdin, r.args...)
		checkFramed(t, r.name, out, trr, frameTol)
		// The same bytes but for which file the format was read from.
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		delete(m, "formats")
		got, _ := json.Marshal(m)
		if want == nil {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s: results differ from %s's:\n%s\nwant\n%s", r.name, runs[0].name, got, want)
		}
	}
}
