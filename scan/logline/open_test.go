package logline

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// openRecordsRef is OpenRecords as it was first written: every line read
// back, each by dockerHead or criHead. OpenRecords must agree with it.
func openRecordsRef(b []byte) bool {
	var p Parser
	seen := [numStreams]bool{}
	end := len(b)
	if end > 0 && b[end-1] == '\n' {
		end--
	}
	for end > 0 {
		start := bytes.LastIndexByte(b[:end], '\n') + 1
		if start == 0 {
			return false
		}
		line := trimCR(b[start:end])
		var h frameHead
		var ok bool
		if len(line) > 0 && line[0] == '{' {
			h, ok = p.dockerHead(line)
		} else if len(line) > 0 && isDigit(line[0]) {
			h, ok = p.criHead(line)
		}
		if !ok {
			return false
		}
		if !seen[h.stream] {
			if h.partial {
				return true
			}
			seen[h.stream] = true
			if seen[streamOut] && seen[streamErr] {
				return false
			}
		}
		end = start - 1
	}
	return false
}

// openLines are lines of every kind OpenRecords tells apart, Docker's
// with each sort of escape at the log's end.
var openLines = []string{
	"2026-11-26T08:00:00.1Z stdout F level=INFO user=a",
	"2026-11-26T08:00:00.2Z stdout P level=INFO us",
	"2026-11-26T08:00:00.3Z stderr F level=WARN user=b",
	"2026-11-26T08:00:00.4Z stderr P level=WARN us",
	`{"log":"level=INFO msg=\"a b\" user=a\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}`,
	`{"log":"level=INFO us","stream":"stdout","time":"2026-11-26T08:00:00.6Z"}`,
	`{"log":"level=WARN user=b\n","stream":"stderr","time":"2026-11-26T08:00:00.5Z"}`,
	`{"log":"level=WARN us","stream":"stderr","time":"2026-11-26T08:00:00.6Z"}`,
	`{"log":"{\"level\":\"INFO\",\"msg\":\"a\\\"b\"}\n","stream":"stdout","time":"2026-11-26T08:00:00.5Z"}`,
	`{"log":"ends in a backslash and n \\n","stream":"stdout","time":"t"}`,
	`{"log":"ends in a newline escaped as \u000a","stream":"stdout","time":"t"}`,
	`{"log":"a bad \u00zz escape\n","stream":"stdout","time":"t"}`,
	`{"log":"a bad \q escape\n","stream":"stderr","time":"t"}`,
	`{"log":"no closing quote\n}`,
	`{"log":"attrs between\n","stream":"stderr","attrs":{"a":"b"},"time":"t"}`,
	`{"log":"é and tabs\t\n","stream":"stdout","time":"t"}`,
	`{"log":"with CR\n","stream":"stdout","time":"t"}` + "\r",
	"time=2026-11-26T08:00:00.7Z level=INFO msg=x user=a",
	"",
	"2026-11-26 not a CRI line",
	`{"log":"a stdout line that names stderr\n","stream":"stdout","time":"t"}`,
	"2026-11-26T08:00:00.1Z stdout F says stderr",
	`{"log":"no stream","time":"t"}`,
}

// TestOpenRecordsReference: OpenRecords agrees with openRecordsRef on
// random runs of lines of every kind, long enough that the forward read
// (openAfter) answers most of them.
func TestOpenRecordsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 16))
	var b strings.Builder
	for trial := range 30_000 {
		b.Reset()
		if r.IntN(3) > 0 {
			b.WriteString("cut line head\n")
		}
		// Mostly one kind of stream, as real files are, so the read goes
		// past openBackLines.
		kinds := openLines
		if r.IntN(2) == 0 {
			lo := r.IntN(len(openLines))
			kinds = openLines[lo : lo+1+r.IntN(len(openLines)-lo)]
		}
		for range r.IntN(3 * openBackLines) {
			b.WriteString(kinds[r.IntN(len(kinds))])
			b.WriteByte('\n')
		}
		data := []byte(b.String())
		if r.IntN(4) == 0 && len(data) > 0 {
			data = data[:len(data)-1] // the last line has no '\n'
		}
		if got, want := OpenRecords(data), openRecordsRef(data); got != want {
			t.Fatalf("trial %d: OpenRecords(%q) = %v, want %v", trial, data, got, want)
		}
		// Its first line whole: as if a '\n' came before it.
		if got, want := OpenRecordsWhole(data), openRecordsRef(append([]byte{'\n'}, data...)); got != want {
			t.Fatalf("trial %d: OpenRecordsWhole(%q) = %v, want %v", trial, data, got, want)
		}
	}
}

// FuzzOpenRecords: OpenRecords agrees with openRecordsRef on any bytes.
func FuzzOpenRecords(f *testing.F) {
	f.Add([]byte("x\n" + strings.Join(openLines, "\n")))
	f.Add([]byte("x\n" + strings.Repeat(openLines[1]+"\n"+openLines[0]+"\n", 4) + openLines[4]))
	f.Add([]byte("x\n" + openLines[3] + "\n" + strings.Repeat(openLines[4]+"\n", 6)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := OpenRecords(data), openRecordsRef(data); got != want {
			t.Fatalf("OpenRecords(%q) = %v, want %v", data, got, want)
		}
		if got, want := OpenRecordsWhole(data), openRecordsRef(append([]byte{'\n'}, data...)); got != want {
			t.Fatalf("OpenRecordsWhole(%q) = %v, want %v", data, got, want)
		}
	})
}

// FuzzDockerPiece: where dockerPiece is sure, it reads a line as
// dockerHead does.
func FuzzDockerPiece(f *testing.F) {
	for _, l := range openLines {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var p Parser
		stream, partial, ok, sure := dockerPiece(line)
		if !sure {
			if !bytes.Contains(line, []byte(`\u`)) {
				t.Fatalf("dockerPiece(%q) is not sure, with no \\u", line)
			}
			return
		}
		h, hok := p.dockerHead(line)
		if ok != hok || ok && (stream != h.stream || partial != h.partial) {
			t.Fatalf("dockerPiece(%q) = %d %v %v, dockerHead %d %v %v", line, stream, partial, ok, h.stream, h.partial, hok)
		}
	})
}
