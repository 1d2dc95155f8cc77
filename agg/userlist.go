package agg

import (
	"context"
	"hash/maphash"
	"math/bits"
	"strings"
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
// name in one allocation and dedupes them with a table of indices.
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

func newUserLister(capacity int) *userLister {
	size := 1 << bits.Len(uint(capacity+capacity/2)) // at most two thirds full
	l := &userLister{
		pos:    make([]int, 1, capacity+1),
		counts: make([]int64, 0, capacity),
		index:  make([]uint64, size),
		seed:   maphash.MakeSeed(),
	}
	l.names.Grow(capacity * 24)
	return l
}

// add counts n lines for the raw name.
func (l *userLister) add(name []byte, n int64) {
	if needsEscape(name) {
		l.buf = AppendName(l.buf[:0], name)
		name = l.buf
	}
	h := maphash.Bytes(l.seed, name)
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

// list returns the users gathered; their names share one string.
func (l *userLister) list() []UserCount {
	all := l.names.String()
	users := make([]UserCount, len(l.counts))
	for i, n := range l.counts {
		users[i] = UserCount{Name: all[l.pos[i]:l.pos[i+1]], Count: n}
	}
	return users
}

// mergeUserList lists the users of shards, stopping within mergeCheck
// users of ctx's end.
func mergeUserList(ctx context.Context, shards []*Shard) []UserCount {
	capacity := 0
	for _, s := range shards {
		capacity += s.users.len()
	}
	l := newUserLister(capacity)
	seen := 0
	for _, s := range shards {
		stop := false
		s.users.each(func(name []byte, n int64) {
			if seen++; stop || seen%mergeCheck == 0 && ctx.Err() != nil {
				stop = true
				return
			}
			l.add(name, n)
		})
		if stop {
			return nil
		}
	}
	return l.list()
}
