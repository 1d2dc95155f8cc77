package agg

import (
	"context"
	"hash/maphash"
	"math/bits"
	"runtime"
	"strings"
	"sync"
)

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
// Merge it empties the shards' users once they are listed, so that their
// tables' memory is free for what is built from the list: merge once, last.
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

func newUserLister(capacity int, seed maphash.Seed) *userLister {
	l := &userLister{
		pos:    make([]int, 1, capacity+1),
		counts: make([]int64, 0, capacity),
		index:  make([]uint64, 1<<bits.Len(uint(capacity+capacity/2))),
		seed:   seed,
	}
	l.names.Grow(capacity * 24)
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

// gather adds the users of shards whose hash's top bits are part, of
// 1<<partBits parts. It reports false, gathering no more, once ctx is
// done.
func (l *userLister) gather(ctx context.Context, shards []*Shard, part uint64, partBits int) bool {
	seen := 0
	for _, s := range shards {
		stop := false
		s.users.each(func(name []byte, n int64) {
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
		})
		if stop {
			return false
		}
	}
	return true
}

// appendList appends the users gathered; their names share one string.
func (l *userLister) appendList(users []UserCount) []UserCount {
	all := l.names.String()
	for i, n := range l.counts {
		users = append(users, UserCount{Name: all[l.pos[i]:l.pos[i+1]], Count: n})
	}
	return users
}

// mergeUserList lists the users of shards, stopping within mergeCheck
// users of ctx's end, when it returns nil. Two goroutines, when there are
// many users and two CPUs, each gather the users of one half of the hash's
// range: the table's cache misses, not the CPU, bound the time, and the
// two overlap them.
func mergeUserList(ctx context.Context, shards []*Shard) []UserCount {
	capacity := 0
	for _, s := range shards {
		capacity += s.users.len()
	}
	partBits := 0
	if capacity >= 1<<16 && runtime.GOMAXPROCS(0) >= 2 {
		partBits = 1
	}
	seed := maphash.MakeSeed()
	listers := make([]*userLister, 1<<partBits)
	ok := make([]bool, len(listers))
	var wg sync.WaitGroup
	for part := range listers {
		listers[part] = newUserLister(capacity>>partBits, seed)
		wg.Go(func() { ok[part] = listers[part].gather(ctx, shards, uint64(part), partBits) })
	}
	wg.Wait()
	users := 0
	for part, l := range listers {
		if !ok[part] {
			return nil
		}
		users += len(l.counts)
	}
	for _, s := range shards {
		s.users = newUserTable()
	}
	list := make([]UserCount, 0, users)
	for _, l := range listers {
		list = l.appendList(list)
	}
	return list
}
