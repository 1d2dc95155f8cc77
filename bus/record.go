package bus

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/agg"
	"github.com/logproc/logproc/out"
	"github.com/logproc/logproc/scan"
)

// recordVersion is the layout of records and manifests in the bucket; a
// report refuses a value of another version rather than misread it.
// Version 1 stored records as JSON; 2 packs them (packValue); 3 packs
// their latency histograms in binary; 4 is 3 in a job whose batches by
// value may be compressed, which a consumer of version 3 would count as
// lines: its records are refused, not added; 5 hashes files and batches
// by reference by their leaves (leaves.go): a manifest of 4 names its
// file by another hash, and would let the same bytes count twice.
const recordVersion = 5

// Headers of a batch message, besides Nats-Msg-Id (the batch ID).
const (
	hdrFile   = "Logproc-File"   // the path given to publish, URL-escaped
	hdrOffset = "Logproc-Offset" // byte offset of the batch in the file
	hdrLine   = "Logproc-Line"   // 1-based number of the batch's first line
	hdrOrder  = "Logproc-Order"  // "run.index": publish run (Unix ns) and file index in it
	// A batch sent by reference has no bytes: where to read them, how
	// many, and the sum they must have (refSum).
	hdrRef    = "Logproc-Ref" // absolute path, URL-escaped
	hdrLength = "Logproc-Length"
	hdrSum    = "Logproc-Sum"
)

// Keys in the bucket: a batch's record, a published segment's manifest.
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
	// Ref, Length and Sum are set for a batch sent by reference.
	Ref    string `json:"ref,omitempty"`
	Length int64  `json:"length,omitempty"`
	Sum    string `json:"sum,omitempty"`
}

func (b *batch) header() nats.Header {
	h := nats.Header{}
	h.Set(hdrFile, url.PathEscape(b.File))
	h.Set(hdrOffset, strconv.FormatInt(b.Offset, 10))
	h.Set(hdrLine, strconv.FormatInt(b.Line, 10))
	h.Set(hdrOrder, strconv.FormatInt(b.Run, 10)+"."+strconv.Itoa(b.Index))
	if b.Ref != "" {
		h.Set(hdrRef, url.PathEscape(b.Ref))
		h.Set(hdrLength, strconv.FormatInt(b.Length, 10))
		h.Set(hdrSum, b.Sum)
	}
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
	if ref := h.Get(hdrRef); ref != "" {
		if b.Ref, err = url.PathUnescape(ref); err != nil {
			return b, fmt.Errorf("header %s=%q: want a path", hdrRef, ref)
		}
		if b.Length, err = strconv.ParseInt(h.Get(hdrLength), 10, 64); err != nil || b.Length < 1 {
			return b, fmt.Errorf("header %s=%q: want a length", hdrLength, h.Get(hdrLength))
		}
		if b.Sum = h.Get(hdrSum); !validRefSum(b.Sum) {
			return b, fmt.Errorf("header %s=%q: want %s and a HighwayHash-256 in hex", hdrSum, b.Sum, refSumPrefix)
		}
	}
	return b, nil
}

// segIDLen is the length of a segment ID: 24 hexadecimal digits.
const segIDLen = 24

// batchID names batch i of a segment: the segment's ID, a dot and i. It is
// the message ID and, after "b.", the key of the batch's record, so that
// report checks each batch a manifest lists by its key.
func batchID(seg string, i int) string { return seg + "." + strconv.Itoa(i) }

// validID accepts what batchID makes.
func validID(id string) bool {
	if len(id) < segIDLen+2 || len(id) > segIDLen+10 || id[segIDLen] != '.' {
		return false
	}
	for i, c := range []byte(id) {
		switch {
		case i < segIDLen && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f'):
			return false
		case i > segIDLen && !(c >= '0' && c <= '9'):
			return false
		}
	}
	return true
}

// segmentOf is the segment ID in a batch ID.
func segmentOf(id string) string { return id[:min(len(id), segIDLen)] }

// record is the value stored under a batch's key: its partial result, or
// why it was parked.
type record struct {
	V     int   `json:"v"`
	Batch batch `json:"batch"`
	// Result is the batch's counts; any field agg.Totals grows travels
	// with it without this package knowing it.
	Result result `json:"result"`
	// Sections are the result sections the consumer computed.
	Sections out.Sections `json:"sections"`
	// NoRecord is set when no line of the batch is a record: its lines
	// are counted as malformed, and report decides per file whether the
	// file is a log at all.
	NoRecord *noRecord `json:"no_record,omitempty"`
	// Parked says why the batch could not be counted; Result is empty.
	Parked string `json:"parked,omitempty"`
}

// result is a batch's part of a scan.Result.
type result struct {
	Totals agg.Totals `json:"totals"`
	Bytes  int64      `json:"bytes"`
	// MalformedAt are absolute: the batch's file and lines.
	MalformedAt []position `json:"malformed_at,omitempty"`
	// Formats counts the batch's lines by the form they were read as
	// (logline.FormatNames), for the results' formats of its file.
	Formats map[string]int64 `json:"formats,omitempty"`
}

type position struct {
	File string `json:"file"`
	Line int64  `json:"line"`
}

// noRecord is scan.NotLogError without the path, which the batch has.
type noRecord struct {
	Malformed int64  `json:"malformed"`
	Long      int64  `json:"long"`
	Seen      string `json:"seen"`
}

// resultOf keeps what a record needs of a batch's scan, its malformed
// lines made absolute: scan numbered them from 1 within the batch.
func resultOf(res *scan.Result, b *batch) result {
	r := result{Totals: res.Totals, Bytes: res.Bytes}
	for _, forms := range res.Formats { // one input: the batch
		for form, n := range forms {
			if r.Formats == nil {
				r.Formats = make(map[string]int64, len(forms))
			}
			r.Formats[form] += n
		}
	}
	for _, p := range res.MalformedAt {
		r.MalformedAt = append(r.MalformedAt, position{File: b.File, Line: b.Line - 1 + p.Line})
	}
	return r
}

// marshal packs the record (see packValue): its users, from Users or
// UserList, as a binary list, its latency histograms in agg's binary
// form, the rest as JSON, all of it compressed.
func (r *record) marshal() ([]byte, error) {
	r.V = recordVersion
	return packTotals(r, &r.Result.Totals)
}

// unmarshalRecord reads a record, its users into Result.Totals.Users.
func unmarshalRecord(val []byte) (record, error) {
	r, users, err := decodeRecord(val)
	if err == nil {
		err = addUsers(&r.Result.Totals.Users, users)
	}
	return r, err
}

// decodeRecord reads a record but its users, whose section it returns
// for addUsers to add where they are wanted: report adds every batch's
// users to one map, with no map per record. A record of another version,
// or of the JSON layout of version 1, is refused.
func decodeRecord(val []byte) (record, []byte, error) {
	var r record
	users, err := unpackTotals(val, &r, &r.Result.Totals)
	if errors.Is(err, errNotPacked) {
		var old struct {
			V int `json:"v"`
		}
		if decodeJSON(val, &old) == nil {
			return r, nil, versionError("record", old.V)
		}
		return r, nil, errors.New("record: neither a packed record nor JSON")
	}
	if err != nil {
		return r, nil, fmt.Errorf("record: %w", err)
	}
	return r, users, nil
}

// manifest is stored under a segment's key before its first batch is
// published: report knows from it which batches to expect. A segment is
// the bytes [From, To) of a file whose bytes [0, To) hash to Hash; the
// segment before it (Parent) holds [.., From), so a growing file is
// published as a chain of segments and no byte twice.
type manifest struct {
	V    int    `json:"v"`
	File string `json:"file"` // the path given to the publish that made it
	From int64  `json:"from"`
	To   int64  `json:"to"`
	// Hash is the hash (fileHash) of the file's bytes [0, To), in hex;
	// Head the hash of its bytes up to the last multiple of leafSize at
	// or before To, which a survey compares first.
	Hash   string `json:"hash"`
	Head   string `json:"head"`
	Parent string `json:"parent,omitempty"`
	// Grid is the batch size the segment was cut with: batch i+1 starts
	// at the first line that starts at or after batch i's start + Grid.
	Grid    int64 `json:"grid"`
	Batches int   `json:"batches"`
	// FirstLine is the number of the line at From, counting from 1.
	FirstLine int64 `json:"first_line"`
	// Final is set when To is the file's end and not a line's: the last
	// line, with no newline, was counted; the file cannot grow on.
	Final bool `json:"final,omitempty"`
	// Complete is set once every batch is in the stream.
	Complete bool `json:"complete"`
	// Ref is set when the batches are sent by reference: consumers read
	// the bytes from the file itself.
	Ref bool `json:"ref,omitempty"`
	// Run and Index are the publish that made it, to order malformed lines.
	Run   int64 `json:"run"`
	Index int   `json:"index"`
	// Cut is how its batches end: cutRecords, the only way since version 6.
	Cut string `json:"cut,omitempty"`
}

// manifestVersion is the layout of manifests. 6 added Cut (batches cut by
// records, not lines); 7 names files by leaves summed with xxh3, not
// HighwayHash, so a file published under 6 would not be known by its hash
// and would count twice: a manifest of another version is refused.
const manifestVersion = 7

// cutRecords cuts batches where a line starts and no CRI or Docker record
// is open (scan.NextRecordStart), so that a record in pieces is one
// batch's, and counts as scan counts it.
const cutRecords = "records"

func (m *manifest) marshal() ([]byte, error) {
	if m.V == 0 {
		m.V = manifestVersion
	}
	return json.Marshal(m)
}

func unmarshalManifest(b []byte) (manifest, error) {
	var m manifest
	if err := decodeJSON(b, &m); err != nil {
		return m, err
	}
	if m.V != manifestVersion {
		return m, &otherVersionError{"manifest", m.V, fmt.Sprintf("version %d", manifestVersion)}
	}
	return m, nil
}
