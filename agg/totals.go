package agg

// Add folds u into t, as if the lines counted into u had been counted into
// t: merged partial totals (from several machines, say) equal the totals of
// one scan over all their lines. Add never keeps a map of u.
func (t *Totals) Add(u *Totals) {
	t.Levels = addCounts(t.Levels, u.Levels)
	t.NoUser = addCounts(t.NoUser, u.NoUser)
	t.Users = addCounts(t.Users, u.Users)
	t.Blank += u.Blank
	t.Malformed += u.Malformed
}

func addCounts(dst, src map[string]int64) map[string]int64 {
	if dst == nil {
		dst = make(map[string]int64, len(src))
	}
	for k, n := range src {
		dst[k] += n
	}
	return dst
}
