// Package agg counts parsed log events.
//
// Each scan worker owns one Shard and counts into it without locks or atomics:
// nothing else touches a shard while its worker runs. When every worker has
// finished, Merge folds the shards into one Totals, once. Memory grows with the
// number of distinct users, actions and level names and with the time span
// counted in windows, never with the number of lines.
//
// Besides the seed's counters (events per level, lines per user) a shard
// keeps, when its worker hands them over, events per action and level,
// latency histograms per action (see Histogram), the time range and events
// per time window (metrics.go). Every counter merges exactly: merged shards,
// and Totals added with Totals.Add, equal one count over all the lines.
package agg

import (
	"context"
	"encoding/binary"
	"math"
	"time"

	"github.com/logproc/logproc/internal/record"
)

// The level names slog defines have fixed slots, so the common case is an
// array index. Any other level name gets a slot of its own on first sight.
const (
	levelDebug = iota
	levelInfo
	levelWarn
	levelError
	knownLevels
)

var knownLevelNames [knownLevels]string = record.LevelNames // Record.Slot's order

// Shard is one worker's counters. The zero value is not ready; use NewShard.
type Shard struct {
	// levels and noUser are indexed by level slot. CountRecord counts
	// slog's four levels in slogLevels, an array, which the merge adds.
	levels     []int64
	noUser     []int64
	slogLevels [knownLevels]int64
	// otherLevels maps a normalised level name that is not one of slog's
	// four to its slot; levelNames[slot] is its name.
	otherLevels map[string]int
	levelNames  []string

	users *userTable

	blank     int64
	malformed int64
	// Lines that are not events of their own (see Totals).
	continuation, joined, extra int64
	long                        int64
	scratch                     []byte

	// The metrics of metrics.go.
	actions     actionTable
	latency     Histogram // of the events that name no action
	timed       int64     // events with a time, the earliest first and the latest last
	first, last int64
	windows     windowCounts
	badLatency  int64
	badTime     int64
	filtered    int64
}

// NewShard returns an empty shard.
func NewShard() *Shard {
	s := &Shard{
		levels:      make([]int64, knownLevels, knownLevels+4),
		noUser:      make([]int64, knownLevels, knownLevels+4),
		otherLevels: make(map[string]int),
		users:       newUserTable(),
		actions:     newActionTable(),
		first:       math.MaxInt64,
		last:        math.MinInt64,
	}
	s.levelNames = append(s.levelNames, knownLevelNames[:]...)
	return s
}

// SetWindow makes the shard count events per window of width, from the
// times CountTime records.
func (s *Shard) SetWindow(width time.Duration) {
	if width <= 0 {
		panic("agg: window width must be positive")
	}
	s.windows = windowCounts{width: int64(width)}
}

// Count records one event with the given level and user and returns the
// level's slot, for CountAction. An empty user means the line named none:
// it is counted by level only.
//
// It stays a call: inlined into the scan's countEvent, it left
// userTable.add a call of its own there, and add inlined into Count, as
// the seed's loop has it, costs 6 instructions a line less than the two.
//
//go:noinline
func (s *Shard) Count(level, user []byte) (slot int) {
	if slot = knownLevelSlot(level); slot < 0 {
		slot = s.levelSlotSlow(level)
	}
	s.levels[slot]++
	if len(user) == 0 {
		s.noUser[slot]++
		return slot
	}
	s.users.add(user)
	return slot
}

// CountBlank records a line that holds nothing but white space.
func (s *Shard) CountBlank() { s.blank++ }

// CountMalformed records a line with no parsable level.
func (s *Shard) CountMalformed() { s.malformed++ }

// CountContinuation records a line that goes on the record before it.
func (s *Shard) CountContinuation() { s.continuation++ }

// CountJoined records a piece of a record whose last piece, a later line,
// is counted as its event.
func (s *Shard) CountJoined() { s.joined++ }

// CountExtra records that the event just counted came from a line that
// held another event already (OTLP, CloudWatch batches).
func (s *Shard) CountExtra() { s.extra++ }

// CountLong records a line longer than the scan's maximum, skipped unread.
func (s *Shard) CountLong() { s.long++ }

// knownLevelSlot returns the slot of slog's four level names, in upper
// case, or -1 for any other name. A switch over them was often
// mispredicted on gen's mix of levels, so the name picks its candidate
// arithmetically instead, from
// its length and two bits of its first byte, and one comparison, almost
// always true, checks it.
func knownLevelSlot(b []byte) int {
	if n := len(b); n == 4 || n == 5 {
		head := binary.LittleEndian.Uint32(b)
		w := uint64(head) | uint64(b[n-1])<<32 | uint64(n)<<40
		if k := &knownLevelWords[(n&1)<<1|int((head^head>>1)&1)]; w == k.word {
			return k.slot
		}
	}
	return -1
}

// knownLevelWords holds slog's level names as knownLevelSlot reads them,
// each at the index knownLevelSlot computes from it: the length's low bit
// tells DEBUG and ERROR from INFO and WARN, and bit 0 of the first byte
// xor its bit 1 tells each from the other of its length.
var knownLevelWords = [4]struct {
	word uint64
	slot int
}{
	{levelWord("WARN"), levelWarn},
	{levelWord("INFO"), levelInfo},
	{levelWord("DEBUG"), levelDebug},
	{levelWord("ERROR"), levelError},
}

// levelWord is a name of four or five bytes as knownLevelSlot reads it: its first
// four bytes, its last, and its length.
func levelWord(name string) uint64 {
	n := len(name)
	return uint64(binary.LittleEndian.Uint32([]byte(name))) | uint64(name[n-1])<<32 | uint64(n)<<40
}

func (s *Shard) levelSlotSlow(b []byte) int {
	s.scratch = AppendLevel(s.scratch[:0], b)
	for i, name := range knownLevelNames {
		if string(s.scratch) == name {
			return i
		}
	}
	if slot, ok := s.otherLevels[string(s.scratch)]; ok {
		return slot
	}
	slot := len(s.levels)
	name := string(s.scratch)
	s.otherLevels[name] = slot
	s.levelNames = append(s.levelNames, name)
	s.levels = append(s.levels, 0)
	s.noUser = append(s.noUser, 0)
	return slot
}

// AppendLevel appends the normalised form of a level name to dst: ASCII
// letters upper-cased, and the short names loggers write spelled as slog
// spells its levels (levelAliases): WARNING and zerolog's WRN are WARN,
// charm's ERRO and log15's eror are ERROR, log15's crit is CRITICAL (as
// GCP and syslog name it). Other names (TRACE, FATAL, slog's INFO+2,
// GCP's DEFAULT and NOTICE) are kept as they are.
func AppendLevel(dst, level []byte) []byte {
	start := len(dst)
	for _, c := range level {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	if alias, ok := levelAliases[string(dst[start:])]; ok {
		dst = append(dst[:start], alias...)
	}
	return dst
}

// levelAliases maps short and variant level names, upper-cased, to the
// names slog, logrus and syslog spell out. Read only.
var levelAliases = map[string]string{
	"WARNING": "WARN", "WRN": "WARN",
	"ERR": "ERROR", "ERRO": "ERROR", "EROR": "ERROR",
	"DBG": "DEBUG", "DEBU": "DEBUG", "DBUG": "DEBUG",
	"INF": "INFO", "INFORMATION": "INFO",
	"TRC": "TRACE", "TRAC": "TRACE",
	"FTL": "FATAL", "FATA": "FATAL",
	"PNC": "PANIC", "PANI": "PANIC",
	"CRIT": "CRITICAL", "CRT": "CRITICAL",
	"EMERG": "EMERGENCY",
}

// Totals is the merged count of every shard.
type Totals struct {
	// Levels counts events by normalised level name.
	Levels map[string]int64
	// NoUser counts, by level, the events that named no user.
	NoUser map[string]int64
	// Users counts events by user, names written as AppendName writes
	// them: valid UTF-8 that JSON keeps as it is, and one key per raw name.
	Users map[string]int64
	// UserList, set by MergeList instead of Users, holds each user once,
	// in no particular order, with names as Users holds them.
	UserList []UserCount
	// Blank and Malformed count the lines that carried no event, LongLines
	// the lines skipped for being longer than the scan's maximum, and
	// Filtered the events a time filter left out, which are counted
	// nowhere else.
	Blank     int64
	Malformed int64
	LongLines int64
	Filtered  int64
	// Continuation counts the lines that go on the record before them (a
	// panic's trace), Joined the pieces of records counted with their last
	// piece (CRI's P lines), and Extra the events that shared a line with
	// an earlier one (a batch of OTLP records): so that Lines is exact.
	Continuation, Joined, Extra int64

	// Actions counts events by action, for the events that named one,
	// every distinct action exactly; names are written as Users' are.
	Actions map[string]*ActionTotals
	// Latency holds the latency of every event that had one, with or
	// without an action.
	Latency Histogram
	// Timed is the number of events with a time, First and Last the
	// earliest and latest of their times in Unix nanoseconds.
	Timed       int64
	First, Last int64
	// Windows counts events by time window when the shards counted
	// windows; Windows.Width is 0 otherwise.
	Windows Windows
	// BadLatency and BadTime count the events whose latency or time field
	// held something that is neither.
	BadLatency, BadTime int64
}

// Events is the number of events counted, with a level or without (the
// level "" counts those, which out reports apart).
func (t *Totals) Events() int64 {
	var n int64
	for _, c := range t.Levels {
		n += c
	}
	return n
}

// Lines is the number of lines counted, events or not.
func (t *Totals) Lines() int64 {
	return t.Events() + t.Blank + t.Malformed + t.LongLines + t.Filtered + t.Continuation + t.Joined - t.Extra
}

// Merge folds shards into one Totals. It reads the shards and leaves them
// unchanged; call it once every worker has finished.
func Merge(shards ...*Shard) Totals {
	t, _ := MergeContext(context.Background(), shards...)
	return t
}

// mergeCheck is how many users MergeContext merges between looks at its
// context: millions of users take seconds to merge.
const mergeCheck = 1 << 16

// MergeContext is Merge that stops when ctx is done, returning its cause.
func MergeContext(ctx context.Context, shards ...*Shard) (Totals, error) {
	return merge(ctx, shards, false)
}

// merge merges shards, listing the users in UserList when list is set and
// counting them in Users otherwise.
func merge(ctx context.Context, shards []*Shard, list bool) (Totals, error) {
	t := Totals{
		Levels: make(map[string]int64),
		NoUser: make(map[string]int64),
	}
	if list {
		t.UserList = mergeUserList(ctx, shards)
	} else {
		users := 0
		for _, s := range shards {
			users = max(users, s.users.len())
		}
		t.Users = make(map[string]int64, users)
	}
	for _, s := range shards {
		for slot, n := range s.levels {
			if slot < knownLevels {
				n += s.slogLevels[slot]
			}
			if n != 0 {
				t.Levels[s.levelNames[slot]] += n
			}
			if m := s.noUser[slot]; m != 0 {
				t.NoUser[s.levelNames[slot]] += m
			}
		}
		if !list {
			t.mergeUsers(ctx, s)
		}
		t.Blank += s.blank
		t.Malformed += s.malformed
		t.Continuation += s.continuation
		t.Joined += s.joined
		t.Extra += s.extra
		t.LongLines += s.long
		t.mergeMetrics(s)
		if ctx.Err() != nil {
			return Totals{}, context.Cause(ctx)
		}
	}
	return t, nil
}

// mergeUsers adds the users of s to t.Users, passing over the rest of
// them once ctx is done.
func (t *Totals) mergeUsers(ctx context.Context, s *Shard) {
	var buf []byte
	seen, stop := 0, false
	s.users.each(func(name []byte, n int64) {
		if seen++; stop || seen%mergeCheck == 0 && ctx.Err() != nil {
			stop = true // cancelled: the rest of the table is passed over
			return
		}
		if needsEscape(name) {
			buf = AppendName(buf[:0], name)
			name = buf
		}
		t.Users[string(name)] += n
	})
}

// mergeMetrics folds the metrics of metrics.go from s into t.
func (t *Totals) mergeMetrics(s *Shard) {
	t.Filtered += s.filtered
	t.BadLatency += s.badLatency
	t.BadTime += s.badTime
	t.Latency.Merge(&s.latency)
	s.actions.each(func(name string, a *actionCounts) {
		if t.Actions == nil {
			t.Actions = make(map[string]*ActionTotals)
		}
		if needsEscape([]byte(name)) {
			name = string(AppendName(nil, []byte(name)))
		}
		at := t.Actions[name]
		if at == nil {
			at = &ActionTotals{Levels: make(map[string]int64)}
			t.Actions[name] = at
		}
		at.Events += a.events
		for slot, n := range a.known {
			if n != 0 {
				at.Levels[s.levelNames[slot]] += n
			}
		}
		for slot, n := range a.levels {
			if n != 0 {
				at.Levels[s.levelNames[slot]] += n
			}
		}
		at.Latency.Merge(&a.latency)
		t.Latency.Merge(&a.latency)
	})
	if s.timed > 0 {
		t.addTimes(s.timed, s.first, s.last)
	}
	if w := &s.windows; w.width != 0 {
		t.Windows.Width = time.Duration(w.width)
		t.Windows.Overflow = t.Windows.Overflow || w.overflow
		if err := t.Windows.add(w.first, w.counts); err != nil {
			t.Windows.Overflow = true
		}
	}
}

func (t *Totals) addTimes(n, first, last int64) {
	if t.Timed == 0 || first < t.First {
		t.First = first
	}
	if t.Timed == 0 || last > t.Last {
		t.Last = last
	}
	t.Timed += n
}
