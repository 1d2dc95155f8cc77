// Package record holds what a parsed log line gives the counters: the
// parser (scan/logline) fills a Record and agg counts it, so that agg
// stays at the bottom of the imports and needs no parser to build.
package record

// Record is what a parser takes from a line. Its slices point into the line
// or into the parser's scratch buffer: valid until the parser's next call.
type Record struct {
	Level  []byte // raw level value, unquoted; never empty for an Event
	User   []byte // unquoted user value; empty when the line names no user (or user="")
	Action []byte // unquoted action value; empty when there is none or it is not taken
	// Latency is in nanoseconds and Time in Unix nanoseconds; each is
	// valid when Has says so.
	Latency int64
	Time    int64
	Has     Has
	// Slot is Level's index in LevelNames when Has holds KnownLevel
	// (slog's fast path, which reads the level as one word), so agg
	// need not match the name again.
	Slot uint8
	// Millis is Latency in whole milliseconds when Has holds WholeMillis
	// (slog's fast path, which reads them), so agg need not divide.
	Millis uint32
}

// Has says which of a Record's numbers hold a value, and which fields were
// there but held no value that could be read.
type Has uint8

const (
	HasLatency Has = 1 << iota
	HasTime
	BadLatency // the latency key held neither a number nor a duration
	BadTime    // the time key held neither an RFC 3339 time nor an epoch number
	// WholeMillis, only with HasLatency: Millis holds Latency / 1e6, exact.
	// Parsers may leave it unset for any latency.
	WholeMillis
	// KnownLevel: Slot holds Level's index in LevelNames. Parsers may
	// leave it unset for any level.
	KnownLevel
)

// LevelNames are slog's levels in the order of Record.Slot.
var LevelNames = [4]string{"DEBUG", "INFO", "WARN", "ERROR"}
