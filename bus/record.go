package bus

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// Headers of a batch message, besides Nats-Msg-Id (the batch ID).
const (
	hdrFile   = "Logproc-File"   // the path given to publish, URL-escaped
	hdrOffset = "Logproc-Offset" // byte offset of the batch in the file
	hdrLine   = "Logproc-Line"   // 1-based number of the batch's first line
	hdrOrder  = "Logproc-Order"  // "run.index": publish run (Unix ns) and file index in it
)

// Keys in the bucket: a batch's record, a published file's manifest.
const (
	batchPrefix = "b."
	filePrefix  = "f."
)

// batch is where a batch comes from, as its headers say.
type batch struct {
	ID     string `json:"id"`
	File   string `json:"file"`
	Offset int64  `json:"offset"`
	Line   int64  `json:"line"`
	// Run and Index order batches as publish sent them: runs by start
	// time, files by their place on the command line, then Offset.
	Run   int64 `json:"run"`
	Index int   `json:"index"`
}

func (b *batch) header() nats.Header {
	h := nats.Header{}
	h.Set(hdrFile, url.PathEscape(b.File))
	h.Set(hdrOffset, strconv.FormatInt(b.Offset, 10))
	h.Set(hdrLine, strconv.FormatInt(b.Line, 10))
	h.Set(hdrOrder, strconv.FormatInt(b.Run, 10)+"."+strconv.Itoa(b.Index))
	return h
}

// batchOf reads a message's headers. A message that lacks them was not
// sent by publish: it is parked, not counted.
func batchOf(h nats.Header) (batch, error) {
	var b batch
	var err error
	if b.ID = h.Get(jetstream.MsgIDHeader); b.ID == "" || !validID(b.ID) {
		return b, fmt.Errorf("no valid %s header (%q): not a batch from logproc publish", jetstream.MsgIDHeader, b.ID)
	}
	if b.File, err = url.PathUnescape(h.Get(hdrFile)); err != nil || b.File == "" {
		return b, fmt.Errorf("header %s=%q: want a file name", hdrFile, h.Get(hdrFile))
	}
	if b.Offset, err = strconv.ParseInt(h.Get(hdrOffset), 10, 64); err != nil || b.Offset < 0 {
		return b, fmt.Errorf("header %s=%q: want an offset", hdrOffset, h.Get(hdrOffset))
	}
	if b.Line, err = strconv.ParseInt(h.Get(hdrLine), 10, 64); err != nil || b.Line < 1 {
		return b, fmt.Errorf("header %s=%q: want a line number", hdrLine, h.Get(hdrLine))
	}
	run, index, _ := strings.Cut(h.Get(hdrOrder), ".")
	if b.Run, err = strconv.ParseInt(run, 10, 64); err != nil {
		return b, fmt.Errorf("header %s=%q: want run.index", hdrOrder, h.Get(hdrOrder))
	}
	if b.Index, err = strconv.Atoi(index); err != nil {
		return b, fmt.Errorf("header %s=%q: want run.index", hdrOrder, h.Get(hdrOrder))
	}
	return b, nil
}

// validID accepts what batchID makes: a file ID and a batch hash, each of
// 24 hexadecimal digits, joined by a dot.
func validID(id string) bool {
	if len(id) != 49 || id[24] != '.' {
		return false
	}
	for i, c := range []byte(id) {
		if i != 24 && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// fileOf is the file ID in a batch ID.
func fileOf(id string) string { return id[:min(len(id), 24)] }

// record is the value stored under a batch's key: its partial result, or
// why it was parked.
type record struct {
	Batch batch `json:"batch"`
	// Result is scan.Result whole, serialized as a struct so that any
	// field agg.Totals grows travels without this package knowing it.
	// MalformedAt holds absolute positions: the batch's file and lines.
	Result scan.Result `json:"result"`
	// Sections are the result sections the consumer computed.
	Sections out.Sections `json:"sections"`
	// Parked says why the batch could not be counted; Result is empty.
	Parked string `json:"parked,omitempty"`
}

// marshal leaves maps unsorted: only report reads a record, and sorting
// each batch's users was a measurable share of consuming it
// (docs/performance.md).
func (r *record) marshal() ([]byte, error) {
	return json.MarshalWithOption(r, json.UnorderedMap(), json.DisableHTMLEscape())
}

func unmarshalRecord(b []byte) (record, error) {
	var r record
	err := json.Unmarshal(b, &r)
	return r, err
}

// manifest is stored under a file's key once every batch of it is in the
// stream: report knows then how many batches to expect.
type manifest struct {
	File    string `json:"file"`
	Size    int64  `json:"size"`
	Batches int    `json:"batches"`
}

// locate makes the positions of a batch's malformed lines absolute: scan
// numbered them from 1 within the batch, read as "stdin".
func locate(at []scan.Position, b *batch) []scan.Position {
	for i := range at {
		at[i] = scan.Position{File: b.File, Line: b.Line - 1 + at[i].Line}
	}
	return at
}
