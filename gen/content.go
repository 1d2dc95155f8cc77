package gen

// Content: what the lines say (levels, messages, users, activities and
// their latencies), drawn per batch from the seed, and the tallies of what
// was written; render.go turns the draws into text.

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/logproc/logproc/agg"
)

// batchLines is the number of lines in a batch. It is fixed, not derived
// from the worker count, because the batch is the unit of randomness: the
// same Seed must give the same file however many workers render it. At
// about 130 bytes a line a batch is some 2 MB, large enough that one
// WriteAt and one channel hand-off per batch cost nothing next to the
// rendering.
const batchLines = 16384

// The level slots index tallies; levels[slot] is the slog level.
const (
	slotDebug = iota
	slotInfo
	slotWarn
	slotError
	numSlots
)

var levels = [numSlots]slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

// levelPercent is how often each level appears, in percent.
var levelPercent = [numSlots]int{1, 73, 19, 7}

// userMsg is the message of a user's event, by level slot.
var userMsg = [numSlots]string{"user action", "user action", "slow user action", "user action failed"}

// trickyMsg are messages that look like attributes and hold quotes, which
// slog escapes as \" in both formats. A parser that searches the line for
// "level=" or "user=" instead of reading it field by field counts the
// ghost here.
var trickyMsg = [2]string{
	`retry level=ERROR user=ghost@example.com after "timeout"`,
	`upstream replied {"level":"ERROR","user":"ghost@example.com"}`,
}

// An activity is what a line reports: a user action, or the job of a
// system component. Latencies are log-normal around medianMS with spread
// sigma, the usual shape of request times: most are quick, a few are very
// slow.
type activity struct {
	name     string
	msg      string // system jobs only; user actions take userMsg
	percent  int    // share among actions or among jobs, summing to 100
	medianMS float64
	sigma    float64
}

var actions = [numActions]activity{
	{name: "view_item", percent: 30, medianMS: 25, sigma: 0.6},
	{name: "search", percent: 18, medianMS: 60, sigma: 0.8},
	{name: "add_to_cart", percent: 12, medianMS: 35, sigma: 0.5},
	{name: "login", percent: 10, medianMS: 80, sigma: 0.5},
	{name: "logout", percent: 8, medianMS: 10, sigma: 0.4},
	{name: "download", percent: 7, medianMS: 300, sigma: 1.0},
	{name: "checkout", percent: 5, medianMS: 250, sigma: 0.7},
	{name: "update_profile", percent: 4, medianMS: 45, sigma: 0.5},
	{name: "upload", percent: 4, medianMS: 700, sigma: 1.1},
	{name: "delete_item", percent: 2, medianMS: 30, sigma: 0.5},
}

var jobs = [numJobs]activity{
	{name: "cache", msg: "cache refreshed", percent: 40, medianMS: 15, sigma: 0.7},
	{name: "scheduler", msg: "cron job finished", percent: 20, medianMS: 1200, sigma: 1.2},
	{name: "config", msg: "config reloaded", percent: 15, medianMS: 5, sigma: 0.4},
	{name: "db", msg: "connection pool resized", percent: 15, medianMS: 40, sigma: 0.6},
	{name: "runtime", msg: "gc cycle finished", percent: 10, medianMS: 2, sigma: 0.5},
}

// Per mille of lines that name no user, and of lines with a tricky message.
const (
	jobPerMille    = 20
	trickyPerMille = 10
)

// User i is first.last[N]@example.com with first = firstNames[i%31] and
// last = lastNames[i%32]. The list lengths are coprime, so the pair is
// unique for the first 31*32 users (Chinese remainder theorem); N = i/992
// tells the later rounds apart. The names need no quoting or escaping in
// either format (a test checks), so an address is written as it is.
var (
	firstNames = [...]string{
		"james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda",
		"william", "elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica",
		"thomas", "sarah", "charles", "karen", "chris", "nancy", "daniel", "lisa",
		"matthew", "betty", "anthony", "margaret", "mark", "sandra", "jane",
	}
	lastNames = [...]string{
		"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
		"rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas",
		"taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white",
		"harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker", "young",
	}
)

const userDomain = "@example.com"

// appendUser appends user i's address. It builds the address from the
// short name lists rather than reading it from a table of Users entries:
// a table is read at random and, for a large pool, most reads miss the
// cache, which cost more than the whole rest of the line.
func appendUser(b []byte, i int) []byte {
	b = append(b, firstNames[i%len(firstNames)]...)
	b = append(b, '.')
	b = append(b, lastNames[i%len(lastNames)]...)
	if round := i / (len(firstNames) * len(lastNames)); round > 0 {
		b = appendUint(b, uint64(round))
	}
	return append(b, userDomain...)
}

// latencySteps is the number of quantiles kept per activity; a line picks
// one with 10 random bits.
const latencySteps = 1 << 10

// generator draws the lines of the file and renders them. It is read-only
// once built, so every worker shares it.
type generator struct {
	records  int64
	seed     uint64
	format   Format
	startMS  int64   // Unix milliseconds of line 0
	numUsers float64 // Options.Users, converted once

	// The picks map a number in [0, 100) to a level slot or an index into
	// actions or jobs, so that each appears percent times in 100.
	levelPick  [100]uint8
	actionPick [100]uint8
	jobPick    [100]uint8

	actionLatency [][latencySteps]int32 // by index into actions
	jobLatency    [][latencySteps]int32 // by index into jobs
	actionLatText [][latencySteps]word  // the latencies as digits and lineEnd
	jobLatText    [][latencySteps]word

	pieces *pieces
}

func newGenerator(o Options) *generator {
	g := &generator{
		records:       o.Records,
		seed:          o.Seed,
		format:        o.Format,
		startMS:       o.start().UnixMilli(),
		numUsers:      float64(o.Users),
		actionLatency: latencyTables(actions[:]),
		jobLatency:    latencyTables(jobs[:]),
		pieces:        newPieces(o.Format, o.Users),
	}
	g.actionLatText = latencyTexts(g.actionLatency, o.Format)
	g.jobLatText = latencyTexts(g.jobLatency, o.Format)
	fillPick(&g.levelPick, levelPercent[:])
	fillPick(&g.actionPick, percents(actions[:]))
	fillPick(&g.jobPick, percents(jobs[:]))
	return g
}

// userMsgOf is the message of a user's line at level slot: msg 0 is the
// level's message, msg k > 0 is trickyMsg[k-1].
func userMsgOf(slot, msg int) string {
	if msg == 0 {
		return userMsg[slot]
	}
	return trickyMsg[msg-1]
}

// latencyTables returns, per activity, the latencySteps evenly spaced
// quantiles of its log-normal latency, so a line's latency is one table
// lookup instead of a call to math.Exp.
func latencyTables(as []activity) [][latencySteps]int32 {
	tables := make([][latencySteps]int32, len(as))
	for i, a := range as {
		for k := range latencySteps {
			p := (float64(k) + 0.5) / latencySteps
			z := math.Sqrt2 * math.Erfinv(2*p-1) // standard normal quantile
			tables[i][k] = int32(math.Round(a.medianMS * math.Exp(a.sigma*z)))
		}
	}
	return tables
}

func percents(as []activity) []int {
	p := make([]int, len(as))
	for i, a := range as {
		p[i] = a.percent
	}
	return p
}

// fillPick writes index i into percent[i] cells of pick, in order.
func fillPick(pick *[100]uint8, percent []int) {
	cell := 0
	for i, n := range percent {
		for range n {
			pick[cell] = uint8(i)
			cell++
		}
	}
	if cell != len(pick) {
		panic("gen: percentages do not sum to 100")
	}
}

// percentOf maps 16 random bits to [0, 100) without a division.
func percentOf(bits uint64) uint64 { return (bits & 0xffff) * 100 >> 16 }

// A lineDraw is the content of one line, as indices into the generator's
// tables.
type lineDraw struct {
	ms       int64 // Unix milliseconds
	slot     int   // level slot
	msg      int   // a user's line: 0 the level's message, k > 0 trickyMsg[k-1]
	act      int   // index into actions, or into jobs when user < 0
	user     int   // user index, or -1 for a system job's line
	quantile int   // index into the activity's latency table
	latText  word  // latency and lineEnd, or 0 when they do not fit a word
	// step and levelAct index the tally's steps and actions, computed
	// where the draw has the pieces in registers, which costs less than
	// indexing in the renderer's loop.
	step     int
	levelAct int
}

// latency returns the latency of d in milliseconds. (The renderer needs
// only latText, so draw does not look both up.)
func (g *generator) latency(d *lineDraw) int32 {
	if d.user < 0 {
		return g.jobLatency[d.act][d.quantile]
	}
	return g.actionLatency[d.act][d.quantile]
}

// draw returns the content of line, the line's index in the file, taking
// randomness from r.
//
// Two 64-bit draws feed a line. x: bits 0-15 pick the level, 16-31 the
// kind of line, 32-47 the action or job, 48 the tricky message, 54-63 the
// latency quantile. y: bit 0 is the time jitter, bits 11-63 the user.
func (g *generator) draw(r *rand.PCG, line int64) lineDraw {
	var d [1]lineDraw
	g.drawLines(d[:], r, line)
	return d[0]
}

// drawLines draws the lines from first on into ds, as draw does one by
// one. The renderer draws a block of lines with one call, then renders
// them with none, which spills fewer of its loop's registers.
func (g *generator) drawLines(ds []lineDraw, r *rand.PCG, first int64) {
	for i := range ds {
		d, line := &ds[i], first+int64(i)
		x, y := r.Uint64(), r.Uint64()
		// Line i is 2i or 2i-1 ms after the first: strictly increasing,
		// jittered, and a function of the line's index only, whatever the
		// worker count.
		d.ms = g.startMS + max(2*line-int64(y&1), 0)
		d.slot = int(g.levelPick[percentOf(x)])
		quantile := x >> 54

		kind := (x >> 16 & 0xffff) * 1000 >> 16 // per mille
		if kind < jobPerMille {
			act := int(g.jobPick[percentOf(x>>32)])
			d.act, d.msg, d.user, d.quantile = act, 0, -1, int(quantile)
			d.latText = g.jobLatText[act][quantile]
			d.step = (numActions+act)*latencySteps + int(quantile)
			continue
		}
		d.msg = 0
		if kind < jobPerMille+trickyPerMille {
			d.msg = 1 + int(x>>48&1)
		}
		act := int(g.actionPick[percentOf(x>>32)])
		d.act, d.quantile = act, int(quantile)
		d.latText = g.actionLatText[act][quantile]
		d.step = act*latencySteps + int(quantile)
		d.levelAct = d.slot*numActions + act

		// Popularity: u⁴ for u uniform in [0, 1) puts a p-quantile of the
		// first users at p^¼ of the lines, so the top 1% of users write
		// about a third of them and the long tail the rest.
		u := float64(y>>11) * 0x1p-53
		u *= u
		d.user = int(u * u * g.numUsers)
	}
}

// event returns d as an Event, for AppendLine and slog. It allocates the
// address; the renderer does not.
func (g *generator) event(d lineDraw) Event {
	e := Event{
		Time:      time.UnixMilli(d.ms).UTC(),
		Level:     levels[d.slot],
		LatencyMS: int64(g.latency(&d)),
	}
	if d.user < 0 {
		e.Msg, e.Component = jobs[d.act].msg, jobs[d.act].name
	} else {
		e.Msg, e.User, e.Action = userMsgOf(d.slot, d.msg), string(appendUser(nil, d.user)), actions[d.act].name
	}
	return e
}

// tally counts what one worker rendered. Workers never share one; Write
// merges them once at the end.
type tally struct {
	levels [numSlots]int64
	noUser [numSlots]int64
	users  []int64 // lines by user index
	// actions counts user lines by level slot and action (lineDraw's
	// levelAct); steps counts lines by activity and latency quantile
	// (lineDraw's step), user actions first, then system jobs: the
	// latencies without a histogram per worker. Both are a power of two
	// long so that a masked index needs no bounds check.
	actions [64]int64
	steps   [16 * latencySteps]int64
	lastMS  int64 // the time of the last line rendered, Unix milliseconds
}

const (
	numActions = 10 // len(actions)
	numJobs    = 5  // len(jobs)
)

// The tally's arrays hold every index: these fail to compile otherwise.
const (
	_ = uint(64 - numSlots*numActions)
	_ = uint(16 - numActions - numJobs)
)

func newTally(users int) *tally {
	return &tally{users: make([]int64, users), lastMS: math.MinInt64}
}

// batchSeed derives the two PCG seed words of batch b. PCG streams whose
// states differ by a small number are correlated, so seed and batch pass
// through a mixer first.
func batchSeed(seed uint64, b int64) (uint64, uint64) {
	return mix64(seed), mix64(uint64(b) ^ mix64(seed+0x9e3779b97f4a7c15))
}

// mix64 is the splitmix64 finalizer: a bijection that spreads every input
// bit over the output.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// totals merges the tallies of g's workers into the counts a scan of the
// file must find. Like agg.Merge it leaves out zero counts.
func (g *generator) totals(ts []*tally) agg.Totals {
	t := agg.Totals{
		Levels: make(map[string]int64),
		NoUser: make(map[string]int64),
		Users:  make(map[string]int64),
	}
	sum := tally{lastMS: math.MinInt64}
	for _, w := range ts {
		for slot := range numSlots {
			sum.levels[slot] += w.levels[slot]
			sum.noUser[slot] += w.noUser[slot]
		}
		for i, n := range w.actions {
			sum.actions[i] += n
		}
		for i, n := range w.steps {
			sum.steps[i] += n
		}
		sum.lastMS = max(sum.lastMS, w.lastMS)
	}
	lines := int64(0)
	for slot := range numSlots {
		name := levelName(levels[slot])
		if n := sum.levels[slot]; n != 0 {
			t.Levels[name] += n
			lines += n
		}
		if n := sum.noUser[slot]; n != 0 {
			t.NoUser[name] += n
		}
	}
	if lines > 0 {
		t.Timed, t.First, t.Last = lines, g.startMS*1e6, sum.lastMS*1e6
	}
	for a, act := range actions {
		at := &agg.ActionTotals{Levels: map[string]int64{}}
		for slot := range numSlots {
			if n := sum.actions[slot*numActions+a]; n != 0 {
				at.Levels[levelName(levels[slot])] += n
				at.Events += n
			}
		}
		if at.Events == 0 {
			continue
		}
		if t.Actions == nil {
			t.Actions = map[string]*agg.ActionTotals{}
		}
		t.Actions[act.name] = at
	}
	for a := range numActions + numJobs {
		var table *[latencySteps]int32
		var at *agg.ActionTotals
		if a < numActions {
			table, at = &g.actionLatency[a], t.Actions[actions[a].name]
		} else {
			table = &g.jobLatency[a-numActions]
		}
		for q, n := range sum.steps[a*latencySteps : (a+1)*latencySteps] {
			if n == 0 {
				continue
			}
			ns := int64(table[q]) * 1e6
			t.Latency.AddN(ns, n)
			if at != nil {
				at.Latency.AddN(ns, n)
			}
		}
	}
	if len(ts) == 0 {
		return t
	}
	users := make([]int64, len(ts[0].users))
	for _, w := range ts {
		for i, n := range w.users {
			users[i] += n
		}
	}
	active := 0
	for _, n := range users {
		if n != 0 {
			active++
		}
	}
	t.Users = make(map[string]int64, active)
	var name []byte
	for i, n := range users {
		if n != 0 {
			name = appendUser(name[:0], i)
			t.Users[string(name)] = n
		}
	}
	return t
}
