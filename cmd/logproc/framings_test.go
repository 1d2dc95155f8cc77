package main

// The platforms that carry a service's log lines (issue 11, items 1 and 4),
// re-implemented from each platform's own source, cited per function, to
// write the acceptance tests' input. The inner lines come from the real
// libraries (innerLine); the envelopes of OpenTelemetry and CloudWatch
// are marshalled by their real Go modules.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// frameRec is one event a service logged, and so the truth, with what the
// platform adds: its own later time and the stream.
type frameRec struct {
	cliRecord
	msg    string    // "user action", or one long enough to be split
	seen   time.Time // when the platform stamped it: at or a little after
	stderr bool
}

// innerKind is a library's line shape, written by the library itself.
type innerKind int

const (
	slogJSON   innerKind = iota
	slogText             // slog's TextHandler: logfmt
	slogNoTime           // slog's TextHandler with the time dropped by ReplaceAttr
	zapJSON              // zap.NewProduction's encoder
	logrusText           // logrus's TextFormatter: logfmt
	stdLog               // the log package with no flags: no time, no level
)

// innerLevels are the names logproc reports for trace to error; stdLog's
// lines have none.
var innerLevels = map[innerKind][5]string{
	slogJSON:   {"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"},
	slogText:   {"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"},
	slogNoTime: {"DEBUG-4", "DEBUG", "INFO", "WARN", "ERROR"},
	zapJSON:    {"DEBUG", "DEBUG", "INFO", "WARN", "ERROR"},
	logrusText: {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"},
}

// innerTimed says whether a kind's lines carry their own time, which then
// wins over the platform's.
func innerTimed(k innerKind) bool { return k != slogNoTime && k != stdLog }

// innerLines writes each record through its library and returns each
// record's bytes, ending in '\n'.
func innerLines(k innerKind, recs []frameRec) [][]byte {
	var buf bytes.Buffer
	var emit func(r *frameRec)
	switch k {
	case slogJSON, slogText, slogNoTime:
		var h slog.Handler
		switch k {
		case slogJSON:
			h = slog.NewJSONHandler(&buf, nil)
		case slogText:
			h = slog.NewTextHandler(&buf, nil)
		default:
			h = slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if len(groups) == 0 && a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}})
		}
		levels := [...]slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
		emit = func(r *frameRec) {
			rec := slog.NewRecord(r.at, levels[r.level], r.msg, 0)
			if r.user != "" {
				rec.AddAttrs(slog.Any("user", r.userValue()))
			}
			if r.action != "" {
				rec.AddAttrs(slog.String("action", r.action))
			}
			if r.hasLat {
				rec.AddAttrs(slog.Int64("latency_ms", r.latency))
			}
			h.Handle(context.Background(), rec)
		}
	case zapJSON:
		levels := [...]zapcore.Level{zapcore.DebugLevel, zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel}
		var now time.Time
		core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zapcore.DebugLevel)
		zl := zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.WithClock(cliClock{&now}))
		emit = func(r *frameRec) {
			now = r.at
			var fields []zap.Field
			if r.user != "" {
				fields = append(fields, zap.Any("user", r.userValue()))
			}
			if r.action != "" {
				fields = append(fields, zap.String("action", r.action))
			}
			if r.hasLat {
				fields = append(fields, zap.Int64("latency_ms", r.latency))
			}
			zl.Log(levels[r.level], r.msg, fields...)
		}
	case logrusText:
		levels := [...]logrus.Level{logrus.TraceLevel, logrus.DebugLevel, logrus.InfoLevel, logrus.WarnLevel, logrus.ErrorLevel}
		lg := logrus.New()
		lg.SetOutput(&buf)
		lg.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true, TimestampFormat: time.RFC3339Nano})
		lg.SetLevel(logrus.TraceLevel)
		emit = func(r *frameRec) {
			fields := logrus.Fields{}
			if r.user != "" {
				fields["user"] = r.userValue()
			}
			if r.action != "" {
				fields["action"] = r.action
			}
			if r.hasLat {
				fields["latency_ms"] = r.latency
			}
			lg.WithTime(r.at).WithFields(fields).Log(levels[r.level], r.msg)
		}
	case stdLog:
		// A service that formats its own key=value pairs, quoting as
		// slog's TextHandler does, through a logger with no prefix.
		lg := log.New(&buf, "", 0)
		emit = func(r *frameRec) {
			var b strings.Builder
			b.WriteString(r.msg)
			if r.user != "" {
				b.WriteString(" user=" + logfmtValue(r.user))
			}
			if r.action != "" {
				b.WriteString(" action=" + logfmtValue(r.action))
			}
			if r.hasLat {
				b.WriteString(" latency_ms=" + strconv.FormatInt(r.latency, 10))
			}
			lg.Print(b.String())
		}
	}
	lines := make([][]byte, len(recs))
	for i := range recs {
		emit(&recs[i])
		lines[i] = bytes.Clone(buf.Bytes())
		buf.Reset()
	}
	return lines
}

// criMaxLen is containerd's default max_container_log_line_size.
const criMaxLen = 16 * 1024

// writeCRI writes lines as containerd's CRI logger does, re-implemented
// from containerd/containerd internal/cri/io/logger.go (redirectLogs) at
// c6b9f6378db485fb4bb7fd1cadfcec96dcb00149: "<RFC3339Nano> <stream> <tag>
// <content>\n", the line's '\n' (or "\r\n") dropped; a line longer than
// maxLen goes out as maxLen-byte P pieces and the rest as F, each piece
// stamped when it is written (here seen plus 100 ns a piece). stdout and
// stderr are copied by two goroutines into one file, so with interleave a
// line of the other stream lands between a split line's first piece and
// the rest.
func writeCRI(w io.Writer, recs []frameRec, lines [][]byte, maxLen int, interleave bool) {
	entries := func(i int) [][]byte {
		line := bytes.TrimSuffix(bytes.TrimSuffix(lines[i], []byte("\n")), []byte("\r"))
		stream := "stdout"
		if recs[i].stderr {
			stream = "stderr"
		}
		var out [][]byte
		for piece := 0; ; piece++ {
			tag, n := "F", len(line)
			if maxLen > 0 && len(line) > maxLen {
				tag, n = "P", maxLen
			}
			at := recs[i].seen.Add(time.Duration(piece) * 100)
			e := fmt.Appendf(nil, "%s %s %s ", at.UTC().Format(time.RFC3339Nano), stream, tag)
			e = append(append(e, line[:n]...), '\n')
			out = append(out, e)
			if line = line[n:]; tag == "F" {
				return out
			}
		}
	}
	for i := 0; i < len(lines); i++ {
		es := entries(i)
		if interleave && len(es) > 1 && i+1 < len(lines) && recs[i+1].stderr != recs[i].stderr {
			w.Write(es[0])
			for _, e := range entries(i + 1) {
				w.Write(e)
			}
			es = es[1:]
			i++
		}
		for _, e := range es {
			w.Write(e)
		}
	}
}

// dockerMaxLen is the size of moby's copier buffer: a line that fills it
// with no newline goes out as a partial message.
const dockerMaxLen = 16 * 1024

// writeDockerJSON writes lines as Docker's json-file driver does,
// re-implemented from moby/moby daemon/logger/jsonfilelog/jsonfilelog.go
// (marshalMessage) at 02e3d3cea0816065936772ad3252e7caa728787f,
// jsonlog/jsonlogbytes.go (MarshalJSONBuf) at
// 16db27c89c2551f32b550eb3ad541dfefa7f529d and daemon/logger/copier.go
// (copySrc) at ab0dccf80174fa5eef4583a0235b0bf57bdff8df:
// {"log":…,"stream":…,"time":RFC3339Nano UTC} a line; while 16 KiB or
// more of a line is left, a full buffer goes out as a partial message
// (so a line of exactly 16 KiB ends with a last piece of "\n" alone);
// "log" ends in "\n" only on a message's last piece, and every piece
// carries the first piece's time.
func writeDockerJSON(w io.Writer, recs []frameRec, lines [][]byte) {
	for i, full := range lines {
		line := bytes.TrimSuffix(full, []byte("\n"))
		stream := "stdout"
		if recs[i].stderr {
			stream = "stderr"
		}
		at := recs[i].seen.UTC().Format(time.RFC3339Nano)
		for {
			last := len(line) < dockerMaxLen
			n := min(len(line), dockerMaxLen)
			log := line[:n]
			if last {
				log = append(bytes.Clone(log), '\n')
			}
			var b bytes.Buffer
			b.WriteString(`{"log":`)
			dockerString(&b, log)
			b.WriteString(`,"stream":`)
			dockerString(&b, []byte(stream))
			b.WriteString(`,"time":"` + at + "\"}\n")
			w.Write(b.Bytes())
			if line = line[n:]; last {
				break
			}
		}
	}
}

// dockerString quotes s as moby's ffjsonWriteJSONBytesAsString does: HTML
// characters as \u00XX, bytes that are not UTF-8 as \ufffd, U+2028/9
// escaped.
func dockerString(b *bytes.Buffer, s []byte) {
	b.WriteByte('"')
	for len(s) > 0 {
		c, size := utf8.DecodeRune(s)
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(c))
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			fmt.Fprintf(b, `\u%04x`, c)
		case c == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case c == '\u2028' || c == '\u2029':
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.Write(s[:size])
		}
		s = s[size:]
	}
	b.WriteByte('"')
}

// writeTimestamped writes lines as `kubectl logs --timestamps` and `docker
// logs -t` print them, re-implemented from kubernetes/kubernetes
// pkg/kubelet/kuberuntime/logs/logs.go (logWriter.write) at
// 04791b4906602ffda5ccf9bc4c84d3329f1d7080: the time in RFC3339NanoFixed
// (nine digits always), a space, the line. Split lines are left out by the
// callers: kubelet prefixes every piece, so they are not whole lines.
func writeTimestamped(w io.Writer, recs []frameRec, lines [][]byte) {
	const rfc3339NanoFixed = "2006-01-02T15:04:05.000000000Z07:00"
	for i, line := range lines {
		io.WriteString(w, recs[i].seen.UTC().Format(rfc3339NanoFixed)+" ")
		w.Write(line)
	}
}

// syslogNames are the level names logproc reports for PRIORITY 0 to 7.
var syslogNames = [8]string{"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG"}

// writeJournalJSON writes entries as `journalctl -o json` does,
// re-implemented from systemd/systemd src/shared/logs-show.c
// (journal_entry_to_json, output_json) at
// ce06aadd043448884aeb2f062347b32fc56eb461: one compact object a line,
// every value a string, __REALTIME_TIMESTAMP in microseconds, the entry's
// fields in the journal's (hash) order, so MESSAGE sits among them.
// MESSAGE is the line without its '\n', as journald's stdout stream keeps
// it; prio is each entry's PRIORITY.
func writeJournalJSON(w io.Writer, recs []frameRec, lines [][]byte, prio []int) {
	boot := "5f0c1d2e3a4b49c8a1b2c3d4e5f60718"
	for i, line := range lines {
		us := recs[i].seen.UnixMicro()
		fields := [][2]string{
			{"__CURSOR", fmt.Sprintf("s=0a1b2c3d4e5f40718293a4b5c6d7e8f9;i=%x;b=%s;m=%x;t=%x;x=%x", 4096+i, boot, us%1e9, us, i*7919)},
			{"__REALTIME_TIMESTAMP", strconv.FormatInt(us, 10)},
			{"__MONOTONIC_TIMESTAMP", strconv.FormatInt(us%1e9, 10)},
			{"_BOOT_ID", boot},
			{"__SEQNUM", strconv.Itoa(4096 + i)},
			{"__SEQNUM_ID", "0a1b2c3d4e5f40718293a4b5c6d7e8f9"},
			{"_TRANSPORT", "stdout"},
			{"PRIORITY", strconv.Itoa(prio[i])},
			{"SYSLOG_IDENTIFIER", "shop"},
			{"MESSAGE", string(bytes.TrimSuffix(line, []byte("\n")))},
			{"_PID", "4242"},
			{"_COMM", "shop"},
			{"_SYSTEMD_UNIT", "shop.service"},
			{"SYSLOG_FACILITY", "3"},
		}
		var b bytes.Buffer
		b.WriteByte('{')
		for j, f := range fields {
			if j > 0 {
				b.WriteByte(',')
			}
			b.Write(jsonStringNoHTML(f[0]))
			b.WriteByte(':')
			b.Write(jsonStringNoHTML(f[1]))
		}
		b.WriteString("}\n")
		w.Write(b.Bytes())
	}
}

// jsonStringNoHTML quotes s as sd-json does: control characters escaped,
// other UTF-8 kept as it is.
func jsonStringNoHTML(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// otelSeverity is how the OTLP records carry each level: odd records give
// severityText and severityNumber, even ones the number alone, moved
// within its band of four so the band is what counts.
func otelSeverity(r *frameRec, i int) (text string, num plog.SeverityNumber) {
	base := [5]plog.SeverityNumber{plog.SeverityNumberTrace, plog.SeverityNumberDebug, plog.SeverityNumberInfo, plog.SeverityNumberWarn, plog.SeverityNumberError}[r.level]
	if i%2 == 1 {
		return [5]string{"trace", "Debug", "INFO", "WARNING", "error"}[r.level], base
	}
	return "", base + plog.SeverityNumber(i%4)
}

// otelLevels are the names logproc reports for trace to error, from the
// text or the number's band alike.
var otelLevels = [5]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}

// writeOTLP writes records as the OpenTelemetry collector's file exporter
// does with format json, following open-telemetry/
// opentelemetry-collector-contrib exporter/fileexporter/file_writer.go
// (exportMessageAsLine) at 07120cc8cefe9dff02d2ce3cd35e172eb183757a: one
// ExportLogsServiceRequest marshalled by pdata's plog.JSONMarshaler, then
// '\n'. Line j holds batch[j] records, over two resources when it has more
// than two; user, action and latency_ms are attributes, the latency
// sometimes a double.
func writeOTLP(w io.Writer, recs []frameRec, batch []int) error {
	m := &plog.JSONMarshaler{}
	i := 0
	for _, n := range batch {
		ld := plog.NewLogs()
		var sl plog.ScopeLogs
		for k := range n {
			if k == 0 || k == 2 {
				rl := ld.ResourceLogs().AppendEmpty()
				rl.Resource().Attributes().PutStr("service.name", "shop")
				rl.Resource().Attributes().PutInt("process.pid", int64(4242+k))
				sl = rl.ScopeLogs().AppendEmpty()
				sl.Scope().SetName("github.com/example/shop")
			}
			r := &recs[i]
			lr := sl.LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.NewTimestampFromTime(r.at))
			lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(r.seen))
			text, num := otelSeverity(r, i)
			lr.SetSeverityText(text)
			lr.SetSeverityNumber(num)
			lr.Body().SetStr(r.msg)
			attrs := lr.Attributes()
			if r.user != "" {
				if r.numeric {
					n, _ := strconv.ParseInt(r.user, 10, 64)
					attrs.PutInt("user", n)
				} else {
					attrs.PutStr("user", r.user)
				}
			}
			if r.action != "" {
				attrs.PutStr("action", r.action)
			}
			if r.hasLat {
				if i%3 == 0 {
					attrs.PutDouble("latency_ms", float64(r.latency))
				} else {
					attrs.PutInt("latency_ms", r.latency)
				}
			}
			i++
		}
		b, err := m.MarshalLogs(ld)
		if err != nil {
			return err
		}
		w.Write(append(b, '\n'))
	}
	return nil
}

// writeCloudWatchSubscription writes records as CloudWatch Logs
// subscription payloads, one decoded payload a line, marshalled from
// aws-lambda-go's events.CloudwatchLogsData by encoding/json (so '<' is
// \u003c): batch[j] log events a payload, each message a line without its
// '\n', each timestamp the ingestion time in milliseconds.
func writeCloudWatchSubscription(w io.Writer, recs []frameRec, lines [][]byte, batch []int) error {
	i := 0
	for j, n := range batch {
		d := events.CloudwatchLogsData{
			MessageType:         "DATA_MESSAGE",
			Owner:               "123456789012",
			LogGroup:            "/ecs/shop",
			LogStream:           fmt.Sprintf("ecs/shop/%032x", j),
			SubscriptionFilters: []string{"logproc"},
		}
		for range n {
			d.LogEvents = append(d.LogEvents, events.CloudwatchLogsLogEvent{
				ID:        fmt.Sprintf("%056d", 3.7e7+i),
				Timestamp: recs[i].seen.UnixMilli(),
				Message:   string(bytes.TrimSuffix(lines[i], []byte("\n"))),
			})
			i++
		}
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		w.Write(append(b, '\n'))
	}
	return nil
}

// writeCloudWatchS3 writes lines gzipped as a CloudWatch Logs export to
// S3 holds them ("Exporting log data to Amazon S3", AWS CloudWatch Logs
// user guide): "<RFC 3339 UTC, milliseconds> <message>\n".
func writeCloudWatchS3(w io.Writer, recs []frameRec, lines [][]byte) error {
	zw := gzip.NewWriter(w)
	for i, line := range lines {
		io.WriteString(zw, recs[i].seen.UTC().Format("2006-01-02T15:04:05.000Z07:00")+" ")
		zw.Write(line)
	}
	return zw.Close()
}
