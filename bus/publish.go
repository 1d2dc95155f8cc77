package bus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	json "github.com/goccy/go-json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/logproc/logproc/scan"
)

// DefaultBatchSize is the size publish aims at for a batch: big enough that
// a batch's fixed costs (a message, a scan.Files call, a key-value write)
// are small next to parsing it, well under the 1 MiB a NATS server takes
// in one message by default.
const DefaultBatchSize = 512 << 10

// headerRoom is what a batch's headers take at most, besides the file name.
const headerRoom = 512

// inflight is how many batches publish sends before it waits for the
// oldest one's acknowledgement: enough to keep a link busy, few enough
// that the memory they hold (inflight × the batch size) stays small.
const inflight = 16

// PublishOptions say how to cut files into batches.
type PublishOptions struct {
	// BatchSize is the size a batch aims at; 0 means DefaultBatchSize. A
	// batch is longer by up to one line, since lines are never cut.
	BatchSize int64
}

// PublishStats is what Publish did.
type PublishStats struct {
	Files   int
	Batches int   // batches of the files
	Stored  int   // of them, new to the stream
	Bytes   int64 // in all batches
	Lines   int64
}

// Duplicates is the number of batches the stream already had.
func (s PublishStats) Duplicates() int { return s.Batches - s.Stored }

// Publish cuts each file into newline-aligned batches with scan.Split and
// publishes them, in order, then records each file's manifest. A batch
// already in the stream (a re-run) is dropped by JetStream's duplicate
// window. Files must be regular files: a stream or a .gz file has no
// offsets to name its batches by.
func Publish(ctx context.Context, b *Bus, paths []string, o PublishOptions) (PublishStats, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	run := time.Now().UnixNano()
	var st PublishStats
	for i, path := range paths {
		if err := publishFile(ctx, b, path, batch{File: path, Run: run, Index: i}, o.BatchSize, &st); err != nil {
			return st, err
		}
		st.Files++
	}
	return st, nil
}

func publishFile(ctx context.Context, b *Bus, path string, tmpl batch, target int64, st *PublishStats) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return fmt.Errorf("%s: is a directory, not a log file", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file; publish names batches by file offset, so it reads regular files only (no pipes or standard input)", path)
	}
	size := fi.Size()
	fp, err := fingerprint(f, size)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	ranges, err := scan.Split(f, size, int((size+target-1)/target))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	limit := b.MaxPayload() - headerRoom - int64(len(path))*3
	p := publisher{b: b, ctx: ctx}
	line := int64(1)
	for _, r := range ranges {
		if r.Len() > limit {
			return fmt.Errorf("%s: the batch at offset %d is %d bytes (a line longer than -batch-size?); the server takes at most %d in a message", path, r.Start, r.Len(), b.MaxPayload())
		}
		data := make([]byte, r.Len()) // the message keeps it until acknowledged
		if _, err := f.ReadAt(data, r.Start); err != nil && !(errors.Is(err, io.EOF) && r.End == size) {
			return fmt.Errorf("%s: read %d bytes at offset %d: %w", path, len(data), r.Start, err)
		}
		bt := tmpl
		bt.ID, bt.Offset, bt.Line = batchID(fp, r), r.Start, line
		if err := p.send(&nats.Msg{Subject: b.subject, Header: bt.header(), Data: data}, bt.ID); err != nil {
			return fmt.Errorf("%s: publish the batch at offset %d: %w", path, r.Start, err)
		}
		line += int64(bytes.Count(data, []byte{'\n'}))
		st.Batches++
		st.Bytes += r.Len()
	}
	if err := p.flush(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	st.Stored += p.stored
	if size > 0 && !endsWithNewline(f, size) {
		line++
	}
	st.Lines += line - 1
	m, err := json.Marshal(manifest{File: path, Size: size, Batches: len(ranges)})
	if err != nil {
		return err
	}
	if _, err := b.kv.Put(ctx, filePrefix+fileID(fp), m); err != nil {
		return fmt.Errorf("%s: record the file in bucket %s: %w", path, b.opts.Bucket, err)
	}
	return nil
}

func endsWithNewline(f io.ReaderAt, size int64) bool {
	var c [1]byte
	_, err := f.ReadAt(c[:], size-1)
	return err == nil && c[0] == '\n'
}

// fingerprint identifies a file by its content: its size and its first and
// last 64 KiB. The same log published from another path or another machine
// (a copy, a mount, an archive) gets the same batch IDs and is counted
// once; a path with new content (a rotated log) gets new ones. Path and
// mtime would do neither. Reading 128 KiB costs nothing next to
// publishing the file; hashing all of it would cost a second pass.
func fingerprint(f io.ReaderAt, size int64) ([32]byte, error) {
	const edge = 64 << 10
	h := sha256.New()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(size))
	h.Write(n[:])
	for _, off := range []int64{0, max(0, size-edge)} {
		buf := make([]byte, min(edge, size))
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return [32]byte{}, err
		}
		h.Write(buf)
	}
	var fp [32]byte
	h.Sum(fp[:0])
	return fp, nil
}

// fileID is the part of a file's fingerprint that names it.
func fileID(fp [32]byte) string { return hex.EncodeToString(fp[:12]) }

// batchID names a batch: its file's ID, a dot, and a hash of the file's
// fingerprint and the batch's range. It is the message ID and, after "b.",
// the key of the batch's record, so the records of one file can be listed
// by the key filter "b.<file ID>.>".
func batchID(fp [32]byte, r scan.Range) string {
	var b [48]byte
	copy(b[:], fp[:])
	binary.LittleEndian.PutUint64(b[32:], uint64(r.Start))
	binary.LittleEndian.PutUint64(b[40:], uint64(r.End))
	sum := sha256.Sum256(b[:])
	return fileID(fp) + "." + hex.EncodeToString(sum[:12])
}

// publisher keeps up to inflight asynchronous publishes going and retries
// those that fail, with the same message ID, so a retry stores nothing
// twice.
type publisher struct {
	b       *Bus
	ctx     context.Context
	pending []pendingMsg
	stored  int
}

type pendingMsg struct {
	msg *nats.Msg
	id  string
	ack jetstream.PubAckFuture
}

func (p *publisher) send(m *nats.Msg, id string) error {
	if len(p.pending) == inflight {
		if err := p.wait(p.pending[0]); err != nil {
			return err
		}
		p.pending = p.pending[1:]
	}
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
	p.pending = p.pending[:0]
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

// backoff is the wait before retry n (from 0): 100 ms doubling to 5 s.
func backoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(n, 6), 5*time.Second)
}
