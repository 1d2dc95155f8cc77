package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/scan"
)

// DefaultBatchSize is the size publish aims at for a batch where the
// server takes messages of twice that (the embedded one does): big enough
// that a batch's fixed costs (a message, a scan, a key-value write of
// every user's counts) are small next to parsing it, and a batch S2
// cannot shrink still fits a message. On a server with a smaller
// max_payload (1 MB by default), a batch is half of it.
const DefaultBatchSize = 16 << 20

// DefaultRefBatchSize is the batch size by reference: no bytes pass
// through the server, so a batch may be big; a record's size grows with
// its users, not with its bytes.
const DefaultRefBatchSize = 32 << 20

// BatchSizeFor is the batch size publish uses when none is given, for a
// server that takes messages of up to maxPayload bytes.
func BatchSizeFor(maxPayload int64) int64 { return min(DefaultBatchSize, maxPayload/2) }

// headerRoom is what a batch's headers take at most, besides the file name.
const headerRoom = 512

// inflight is how many batches publish sends before it waits for the
// oldest one's acknowledgement, and inflightBytes how many bytes of
// messages: enough to keep a link busy, few enough that the memory they
// hold stays small (16 batches of 16 MiB that S2 could not shrink would
// hold 256 MiB).
const (
	inflight      = 16
	inflightBytes = 64 << 20
)

// PublishOptions say how to cut files into batches.
type PublishOptions struct {
	// BatchSize is the size a batch aims at; 0 means BatchSizeFor the
	// server. A
	// batch is longer by up to one line, since lines are never cut. It
	// cuts the bytes published for the first time only: what was
	// published before keeps the cutting its manifest records.
	BatchSize int64
	// Final publishes a last line that has no newline too. Without it
	// that line is held back, as the line a growing log is writing, and
	// the next publish continues from the line's start.
	Final bool
	// ByReference sends no bytes: each batch names its file (by absolute
	// path), offset, length and sum (refSum), and consumers read it from the
	// file, which they must reach at the same path (a shared mount).
	// Segments published before keep the mode they were published in.
	ByReference bool
	// Uncompressed sends a batch by value as it is. By default it goes
	// compressed (S2) when that makes it smaller: the server stores and
	// delivers a fraction of the bytes (a sixth of logproc gen's), and
	// consumers of an older logproc cannot read it (report refuses their
	// records, see recordVersion).
	Uncompressed bool
	// Read says how the file's bytes are read to sum, cut and send: in
	// place in its mapping or copied with pread, as scan.Options.Read;
	// zero is scan.ReadAuto.
	Read scan.ReadMode
	// Progress, when set, counts the bytes of the files dealt with so far:
	// sent, or found published before, or held back; a progress bar reads it.
	Progress *atomic.Int64

	// afterBatch, when set, runs after each batch is sent: tests cut a
	// publish short there.
	afterBatch func()
	// pieceSize, when set, is the size of a batch's pieces by value in
	// place of batchPieceSize: tests cut small batches into pieces.
	pieceSize int
}

// PublishStats is what Publish did.
type PublishStats struct {
	Files   int
	Batches int   // batches sent
	Stored  int   // of them, new to the stream
	Bytes   int64 // in all batches sent
	Lines   int64 // in all batches sent
	// Known is the bytes of the files published before, by this path or
	// another with the same content: not sent again.
	Known int64
	// HeldBack is the bytes of last lines with no newline, not sent.
	HeldBack int64
}

// Duplicates is the number of batches the stream already had.
func (s PublishStats) Duplicates() int { return s.Batches - s.Stored }

// Publish publishes each file's bytes not published before, as a segment:
// its manifest first, then its batches, in order. A file's identity is a
// hash of its content: a copy is counted once, a grown file continues
// where its last publish ended, an edited one is a new file. A segment
// whose publish did not finish (an error, SIGINT) is published again,
// whole, by the next publish of the file; JetStream's duplicate window and
// the consumers' create-only records drop what came twice. Files must be
// regular files: a stream or a .gz file has no offsets to name batches by.
func Publish(ctx context.Context, b *Bus, paths []string, o PublishOptions) (PublishStats, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = BatchSizeFor(b.MaxPayload())
		if o.ByReference {
			o.BatchSize = DefaultRefBatchSize
		}
	}
	known, err := Retry(ctx, time.Now().Add(publishRetry), b.manifests)
	if err != nil {
		return PublishStats{}, err
	}
	run := time.Now().UnixNano()
	var st PublishStats
	for i, path := range paths {
		p := filePublisher{b: b, ctx: ctx, path: path, known: known, o: o, run: run, index: i, st: &st}
		if err := p.publish(); err != nil {
			return st, err
		}
		st.Files++
	}
	return st, nil
}

// filePublisher publishes one file.
type filePublisher struct {
	b      *Bus
	ctx    context.Context
	path   string
	f      *os.File
	fb     *fileBytes // f's bytes, in place where it maps
	known  map[string]manifest
	o      PublishOptions
	run    int64
	index  int
	st     *PublishStats
	limit  int64 // the longest batch the server takes
	enc    batchEncoder
	leaves *leafTable // the survey's
	ps     *pieceSummer
}

func (p *filePublisher) publish() error {
	f, err := os.Open(p.path)
	if err != nil {
		return err
	}
	defer f.Close()
	p.f = f
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return fmt.Errorf("%s: is a directory, not a log file", p.path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file; publish names batches by file offset, so it reads regular files only (no pipes or standard input)", p.path)
	}
	p.limit = p.b.MaxPayload() - headerRoom - int64(len(p.path))*3
	p.fb = &fileBytes{r: f}
	if m, err := scan.Map(p.path); err == nil {
		defer m.Close()
		// In place only where touching the mapping costs less than pread
		// copies (scan's readmode.go), and the file opened, not one that
		// took its path since.
		if now, err := os.Stat(p.path); err == nil && os.SameFile(fi, now) && m.ReadsInPlace(p.o.Read) {
			p.fb.m = m
		}
	}
	sv, err := surveyFile(p.ctx, p.fb, fi.Size(), p.known, runtime.GOMAXPROCS(0))
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	p.leaves = sv.leaves
	from, parent, line := int64(0), "", int64(1)
	if sv.match != "" {
		m := p.known[sv.match]
		if m.Final && sv.size > m.To {
			return fmt.Errorf("%s: its first %d bytes were published with their unterminated last line (publish -final), and it has grown since; 'logproc reset' starts the job over", p.path, m.To)
		}
		from, parent, line = m.To, sv.match, sv.linesAtMatch+1
		// Segments of the chain whose publish did not finish go again
		// first: their batches are in this file's bytes, which match.
		if err := p.repair(sv.match); err != nil {
			return err
		}
	}
	to, hash := sv.end, sv.endHash
	if p.o.Final && sv.size > sv.end {
		to, hash = sv.size, sv.sizeHash
	}
	p.st.Known += from
	p.st.HeldBack += sv.size - max(to, from)
	p.progress(from + sv.size - max(to, from))
	if to <= from {
		return nil // nothing new
	}
	head, err := headOf(sv.leaves, to)
	if err != nil {
		return err
	}
	m := manifest{File: p.path, From: from, To: to, Hash: hexHash(hash), Head: hexHash(head), Parent: parent, Grid: p.o.BatchSize,
		FirstLine: line, Final: to == sv.size && sv.size > sv.end, Run: p.run, Index: p.index, Ref: p.o.ByReference, Cut: cutRecords}
	return p.segment(segmentID(hash, from), m, true)
}

// repair publishes again every segment of the chain ending in id that
// is not complete.
func (p *filePublisher) repair(id string) error {
	for seen := 0; id != "" && seen < 1<<20; seen++ {
		m, ok := p.known[id]
		if !ok {
			return fmt.Errorf("%s: segment %s is not in bucket %s, though a later one names it: the bucket was changed by hand; 'logproc reset' starts the job over", p.path, id, p.b.opts.Bucket)
		}
		if !m.Complete {
			if err := p.segment(id, m, false); err != nil {
				return err
			}
		}
		id = m.Parent
	}
	return nil
}

// segment cuts a segment into batches, checks every batch fits a message,
// records its manifest (when new and no one was first), publishes the
// batches and marks the manifest complete.
func (p *filePublisher) segment(id string, m manifest, create bool) error {
	ranges, err := m.batches(p.f)
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	for _, r := range ranges {
		if r.Len() > p.limit && !m.Ref {
			return fmt.Errorf("%s: the batch at offset %d is %d bytes (a line, or a CRI or Docker record in pieces, longer than -batch-size?) and the server takes at most %d in a message; nothing of the file's bytes from offset %d was published", p.path, r.Start, r.Len(), p.b.MaxPayload(), m.From)
		}
	}
	m.Batches = len(ranges)
	if create {
		val, err := m.marshal()
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(p.ctx, publishRetry)
		err = createOnce(cctx, p.b.kv, filePrefix+id, val)
		cancel()
		if errors.Is(err, jetstream.ErrKeyExists) {
			// Another publish of the same bytes was first: its cutting
			// names the batches.
			e, gerr := p.b.kv.Get(p.ctx, filePrefix+id)
			if gerr != nil {
				return fmt.Errorf("%s: read segment %s from bucket %s: %w", p.path, id, p.b.opts.Bucket, gerr)
			}
			if m, err = unmarshalManifest(e.Value()); err != nil {
				return fmt.Errorf("%s: bucket %s: key %s%s: %w", p.path, p.b.opts.Bucket, filePrefix, id, err)
			}
			if m.Complete {
				return nil
			}
			return p.segment(id, m, false)
		}
		if err != nil {
			return fmt.Errorf("%s: record segment %s in bucket %s: %w", p.path, id, p.b.opts.Bucket, err)
		}
	}
	abs := ""
	if m.Ref {
		if abs, err = filepath.Abs(p.path); err != nil {
			return fmt.Errorf("%s: %w", p.path, err)
		}
	}
	pub := publisher{b: p.b, ctx: p.ctx}
	line := m.FirstLine
	for i, r := range ranges {
		bt := batch{ID: batchID(id, i), File: m.File, Offset: r.Start, Line: line, Run: m.Run, Index: m.Index}
		msg := &nats.Msg{Subject: p.b.subject}
		var n int64
		var encoding string
		if m.Ref {
			sum, lines, err := p.refSum(r)
			if err != nil {
				return err
			}
			bt.Ref, bt.Length, bt.Sum, n = abs, r.Len(), sum, lines
		} else {
			if msg.Data, encoding, n, err = p.batchBytes(r); err != nil {
				return err
			}
		}
		msg.Header = bt.header()
		if encoding != "" {
			msg.Header.Set(hdrEncoding, encoding)
		}
		if err := pub.send(msg, bt.ID); err != nil {
			return fmt.Errorf("%s: publish the batch at offset %d: %w (publish again to finish)", p.path, r.Start, err)
		}
		line += n
		p.st.Lines += n
		p.st.Batches++
		p.st.Bytes += r.Len()
		p.progress(r.Len())
		if p.o.afterBatch != nil {
			p.o.afterBatch()
		}
	}
	if err := pub.flush(); err != nil {
		return fmt.Errorf("%s: %w (publish again to finish)", p.path, err)
	}
	p.st.Stored += pub.stored
	if m.Final && m.To > m.From {
		p.st.Lines++ // the last line, with no newline
	}
	m.Complete = true
	val, err := m.marshal()
	if err != nil {
		return err
	}
	// Put again and again is harmless: the same complete manifest.
	if err := retryFor(p.ctx, publishRetry, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		defer cancel()
		_, err := p.b.kv.Put(actx, filePrefix+id, val)
		return err
	}); err != nil {
		return fmt.Errorf("%s: mark segment %s complete in bucket %s: %w (publish again to finish)", p.path, id, p.b.opts.Bucket, err)
	}
	p.known[id] = m
	return nil
}

// batchBytes reads a batch by value and counts its lines: the message's
// data (compressed unless Uncompressed, in the encoding returned), which
// the message keeps until acknowledged. Compression reads the batch a
// piece at a time, in place where the file is read in its mapping.
func (p *filePublisher) batchBytes(r scan.Range) (data []byte, encoding string, lines int64, err error) {
	if p.o.Uncompressed {
		raw := make([]byte, r.Len())
		if n, err := p.f.ReadAt(raw, r.Start); n < len(raw) {
			if err == nil || errors.Is(err, io.EOF) {
				// Never publish the zeros of a short read as the file's lines.
				return nil, "", 0, fmt.Errorf("%s: offset %d: the file shrank while it was read", p.path, r.Start+int64(n))
			}
			return nil, "", 0, fmt.Errorf("%s: read %d bytes at offset %d: %w", p.path, len(raw), r.Start, err)
		}
		return raw, "", int64(countLines(raw)), nil
	}
	size := batchPieceSize
	if p.o.pieceSize > 0 {
		size = p.o.pieceSize
	}
	if data, encoding, lines, err = p.enc.encode(p.fb, r.Start, r.Len(), size); err != nil {
		return nil, "", 0, fmt.Errorf("%s: batch at offset %d: %w", p.path, r.Start, err)
	}
	return data, encoding, lines, nil
}

// refSum sums a batch sent by reference and counts its lines: from the
// survey's sums of the leaves it covers whole, and the bytes of its two
// ends.
func (p *filePublisher) refSum(r scan.Range) (string, int64, error) {
	if p.ps == nil {
		var err error
		if p.ps, err = newPieceSummer(p.fb, true); err != nil {
			return "", 0, err
		}
	}
	sum, lines, err := p.leaves.batchSum(p.ps, r.Start, r.End)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", p.path, err)
	}
	return sum, lines, nil
}

func (p *filePublisher) progress(n int64) {
	if p.o.Progress != nil {
		p.o.Progress.Add(n)
	}
}

// batches is the segment's batches, cut as its manifest says.
func (m *manifest) batches(f io.ReaderAt) ([]scan.Range, error) {
	return cut(f, m.From, m.To, m.Grid)
}

// cut cuts [from, to) into batches on a grid: each batch starts where a
// line starts and no CRI or Docker record is open (as scan cuts ranges,
// else a record in pieces would count as two), at the first such place at
// or after the previous batch's start + grid. The cutting depends on the
// bytes, from and grid only, never on who publishes, so the same segment
// always has the same batches.
func cut(f io.ReaderAt, from, to, grid int64) ([]scan.Range, error) {
	var ranges []scan.Range
	for start := from; start < to; {
		end := to
		if start+grid < to {
			var err error
			if end, err = scan.NextRecordStart(f, start+grid-1, to); err != nil {
				return nil, err
			}
		}
		ranges = append(ranges, scan.Range{Start: start, End: end})
		start = end
	}
	return ranges, nil
}

func countLines(b []byte) int { return bytes.Count(b, []byte{'\n'}) }

// publisher keeps up to inflight asynchronous publishes going and retries
// those that fail, with the same message ID, so a retry stores nothing
// twice.
type publisher struct {
	b       *Bus
	ctx     context.Context
	pending []pendingMsg
	bytes   int64 // of the pending messages' data
	stored  int
}

type pendingMsg struct {
	msg *nats.Msg
	id  string
	ack jetstream.PubAckFuture
}

func (p *publisher) send(m *nats.Msg, id string) error {
	for len(p.pending) == inflight || (len(p.pending) > 0 && p.bytes+int64(len(m.Data)) > inflightBytes) {
		if err := p.wait(p.pending[0]); err != nil {
			return err
		}
		p.bytes -= int64(len(p.pending[0].msg.Data))
		p.pending = p.pending[1:]
	}
	p.bytes += int64(len(m.Data))
	ack, err := p.b.js.PublishMsgAsync(m, jetstream.WithMsgID(id))
	if err != nil {
		ack = nil // wait publishes it again
	}
	p.pending = append(p.pending, pendingMsg{msg: m, id: id, ack: ack})
	return nil
}

func (p *publisher) flush() error {
	for _, pm := range p.pending {
		if err := p.wait(pm); err != nil {
			return err
		}
	}
	p.pending, p.bytes = p.pending[:0], 0
	return nil
}

// wait waits for one publish's acknowledgement and, when there is none
// (the server restarted, a leader moved), publishes it again, with back-off,
// until the context ends.
func (p *publisher) wait(pm pendingMsg) error {
	var err error
	if pm.ack != nil {
		select {
		case a := <-pm.ack.Ok():
			p.count(a)
			return nil
		case err = <-pm.ack.Err():
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
	}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		a, perr := p.b.js.PublishMsg(ctx, &nats.Msg{Subject: pm.msg.Subject, Header: pm.msg.Header, Data: pm.msg.Data}, jetstream.WithMsgID(pm.id))
		cancel()
		if perr == nil {
			p.count(a)
			return nil
		}
		if p.ctx.Err() != nil {
			return p.ctx.Err()
		}
		if errors.Is(perr, nats.ErrMaxPayload) || attempt == 20 {
			return errors.Join(err, perr)
		}
		err = perr
		select {
		case <-time.After(backoff(attempt)):
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
	}
}

func (p *publisher) count(a *jetstream.PubAck) {
	if !a.Duplicate {
		p.stored++
	}
}

// publishRetry is how long publish reads and writes manifests through a
// node kill or an election (deadline exceeded, no responders) before it
// gives up; batches are sent again the same way (publisher.wait).
const publishRetry = 30 * time.Second

// backoff is the wait before retry n (from 0): 100 ms doubling to 5 s.
func backoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(n, 6), 5*time.Second)
}
