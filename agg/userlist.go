package agg

import (
	"context"
	"hash/maphash"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// gcBlocks is how many blocks of entries (64 MiB) MergeList drops between
// garbage collections.
const gcBlocks = 64 << 20 / (8 * keyBlock)

// UserCount is one user of Totals.UserList.
type UserCount struct {
	Name  string // as AppendName writes it
	Count int64
}

// UniqueUsers is the number of distinct users, from Users or UserList.
func (t *Totals) UniqueUsers() int {
	if t.Users == nil {
		return len(t.UserList)
	}
	return len(t.Users)
}

// MergeList is MergeContext that lists the users in Totals.UserList and
// leaves Users nil. With millions of users a Go map of them costs a string
// and a map slot each, and seconds of GC marking; the list keeps every
// name in one allocation and dedupes them with a table of indices. Unlike
// Merge it empties the shards' users as it lists them, also when ctx ends,
// so that their tables' memory is free for what is built from the list:
// merge once, last.
func MergeList(ctx context.Context, shards ...*Shard) (Totals, error) {
	return merge(ctx, shards, true)
}

// userLister gathers the shards' users, each name once, into one string.
type userLister struct {
	names  strings.Builder
	pos    []int    // name i is names[pos[i]:pos[i+1]]
	counts []int64  // of name i
	index  []uint64 // the hash's high 32 bits, then i+1; 0 marks an empty slot
	seed   maphash.Seed
	buf    []byte
}

func newUserLister(capacity, bytes int, seed maphash.Seed) *userLister {
	l := &userLister{
		pos:    make([]int, 1, capacity+1),
		counts: make([]int64, 0, capacity),
		index:  make([]uint64, 1<<bits.Len(uint(capacity+capacity/2))),
		seed:   seed,
	}
	l.names.Grow(bytes)
	return l
}

// add counts n lines for name, whose hash is h.
func (l *userLister) add(name []byte, h uint64, n int64) {
	tag := h &^ (1<<32 - 1)
	mask := uint64(len(l.index) - 1)
	all := l.names.String()
	for i := h & mask; ; i = (i + 1) & mask {
		e := l.index[i]
		if e == 0 {
			l.index[i] = tag | uint64(len(l.counts)+1)
			l.names.Write(name)
			l.pos = append(l.pos, l.names.Len())
			l.counts = append(l.counts, n)
			if len(l.counts)*3 > len(l.index)*2 {
				l.grow()
			}
			return
		}
		if e&^(1<<32-1) == tag {
			k := int(uint32(e)) - 1
			if all[l.pos[k]:l.pos[k+1]] == string(name) {
				l.counts[k] += n
				return
			}
		}
	}
}

// grow doubles the index when two slots in three are full.
func (l *userLister) grow() {
	l.index = make([]uint64, 2*len(l.index))
	mask := uint64(len(l.index) - 1)
	all := l.names.String()
	for k := range l.counts {
		h := maphash.String(l.seed, all[l.pos[k]:l.pos[k+1]])
		i := h & mask
		for l.index[i] != 0 {
			i = (i + 1) & mask
		}
		l.index[i] = h&^(1<<32-1) | uint64(k+1)
	}
}

// gather adds the users of table whose hash's top bits are part, of
// 1<<partBits parts, calling passed with each block of entries it is done
// with. It reports false, gathering no more, once ctx is done.
func (l *userLister) gather(ctx context.Context, table *userTable, part uint64, partBits int, passed func(block int)) bool {
	seen, stop := 0, false
	add := func(name []byte, n int64) {
		if seen++; stop || seen%mergeCheck == 0 && ctx.Err() != nil {
			stop = true // cancelled: the rest of the table is passed over
			return
		}
		if needsEscape(name) {
			l.buf = AppendName(l.buf[:0], name)
			name = l.buf
		}
		h := maphash.Bytes(l.seed, name)
		if partBits > 0 && h>>(64-partBits) != part {
			return
		}
		l.add(name, h, n)
	}
	for j, b := range table.keys {
		if b.each(add); stop {
			return false
		}
		passed(j)
	}
	table.eachLong(add)
	return !stop
}

// appendList appends the users gathered; their names share one string.
func (l *userLister) appendList(users []UserCount) []UserCount {
	all := l.names.String()
	for i, n := range l.counts {
		users = append(users, UserCount{Name: all[l.pos[i]:l.pos[i+1]], Count: n})
	}
	return users
}

// distinctUsers estimates how many distinct users the shards hold
// together, and the bytes of their names, to size the list: the first
// shard's, plus, for each other shard, its users times the share of a
// sample of them that no shard before it holds. The sum of the shards'
// users counts a user once per shard, twice the truth when each shard saw
// every user; a list sized so would not fit the memory budget.
func distinctUsers(shards []*Shard) (users, bytes int) {
	const sampleBits = 6 // one key in 64
	for j, s := range shards {
		t := s.users
		if j == 0 || t.len() < 1<<(sampleBits+10) {
			users, bytes = users+t.len(), bytes+t.bytes
			continue
		}
		sampled, fresh := 0, 0
		t.sample(sampleBits, func(key []byte) {
			sampled++
			for _, before := range shards[:j] {
				if before.users.has(key) {
					return
				}
			}
			fresh++
		})
		users += int(int64(t.len()) * int64(fresh+1) / int64(sampled+1))
		bytes += int(int64(t.bytes) * int64(fresh+1) / int64(sampled+1))
	}
	return users, bytes
}

// mergeUserList lists the users of shards, stopping within mergeCheck
// users of ctx's end, when it returns nil. Two goroutines, when there are
// many users and two CPUs, each gather the users of one half of the hash's
// range: the table's cache misses, not the CPU, bound the time, and the
// two overlap them. Each shard's table is dropped once it is gathered, so
// that the list grows into its memory.
func mergeUserList(ctx context.Context, shards []*Shard) []UserCount {
	capacity, bytes := distinctUsers(shards)
	partBits := 0
	if capacity >= 1<<16 && runtime.GOMAXPROCS(0) >= 2 {
		partBits = 1
	}
	seed := maphash.MakeSeed()
	listers := make([]*userLister, 1<<partBits)
	for part := range listers {
		listers[part] = newUserLister(capacity>>partBits, bytes>>partBits, seed)
	}
	// The slots are not needed to list the entries.
	for _, s := range shards {
		s.users.slots = nil
	}
	ok := make([]bool, len(listers))
	for _, s := range shards {
		// A block of entries is dropped once every lister has passed it,
		// and the garbage collected every gcBlocks blocks, so that the
		// list grows into the table's memory.
		pending := make([]atomic.Int32, len(s.users.keys))
		for j := range pending {
			pending[j].Store(int32(len(listers)))
		}
		var dropped atomic.Int64
		passed := func(j int) {
			if pending[j].Add(-1) == 0 {
				s.users.keys[j] = nil
				if dropped.Add(1)%gcBlocks == 0 {
					runtime.GC()
				}
			}
		}
		var wg sync.WaitGroup
		for part, l := range listers {
			wg.Go(func() { ok[part] = l.gather(ctx, s.users, uint64(part), partBits, passed) })
		}
		wg.Wait()
		s.users = newUserTable()
		for _, done := range ok {
			if !done {
				for _, s := range shards {
					s.users = newUserTable()
				}
				return nil
			}
		}
	}
	users := 0
	for _, l := range listers {
		users += len(l.counts)
		l.index = nil
	}
	list := make([]UserCount, 0, users)
	for _, l := range listers {
		list = l.appendList(list)
	}
	return list
}
