// Package bench measures logproc against the alternatives and keeps the
// naive implementation that the seed project describes: the oracle that
// every fast path must agree with, and the baseline it must beat.
package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/logproc/logproc/agg"
)

// Naive counts a log file the way the seed project did: one bufio.Scanner,
// a channel of lines, a pool of goroutines and one map behind a mutex. Its
// parser favours being obviously right over being fast: logfmt pairs are cut
// with strconv.QuotedPrefix and strconv.Unquote, JSON lines go through
// encoding/json. It is slow on purpose and must never be made clever.
func Naive(path string, workers int) (agg.Totals, error) {
	f, err := os.Open(path)
	if err != nil {
		return agg.Totals{}, err
	}
	defer f.Close()

	t := agg.Totals{Levels: map[string]int64{}, NoUser: map[string]int64{}, Users: map[string]int64{}}
	var mu sync.Mutex
	lines := make(chan string, 1024)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for line := range lines {
				level, user, kind := naiveParse(line)
				mu.Lock()
				switch kind {
				case "blank":
					t.Blank++
				case "malformed":
					t.Malformed++
				default:
					level = string(agg.AppendLevel(nil, []byte(level)))
					t.Levels[level]++
					if user == "" {
						t.NoUser[level]++
					} else {
						t.Users[naiveName(user)]++
					}
				}
				mu.Unlock()
			}
		})
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<30)
	for sc.Scan() {
		lines <- sc.Text()
	}
	close(lines)
	wg.Wait()
	if err := sc.Err(); err != nil {
		return agg.Totals{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// naiveParse returns the level and user of one line and whether it is an
// event, blank or malformed, by the grammar logline documents.
func naiveParse(line string) (level, user, kind string) {
	line = strings.TrimSuffix(line, "\r")
	if strings.Trim(line, " \t") == "" {
		return "", "", "blank"
	}
	var ok, levelKey bool
	if strings.HasPrefix(strings.TrimLeft(line, " \t"), "{") {
		level, user, levelKey, ok = naiveJSON(line)
	} else {
		level, user, levelKey, ok = naiveLogfmt(line)
	}
	switch {
	case !ok:
		return "", "", "malformed"
	case level == "" && !levelKey && user != "":
		return "", user, "event" // a record with no level, counted under ""
	case level == "":
		return "", "", "malformed"
	}
	return level, user, "event"
}

func naiveLogfmt(line string) (level, user string, levelKey, ok bool) {
	seen := map[string]bool{}
	rest := strings.TrimLeft(line, " ")
	for rest != "" {
		key, value := rest, ""
		if i := strings.IndexAny(rest, " ="); i >= 0 {
			key, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if key == "" || strings.Contains(key, `"`) {
			return "", "", false, false
		}
		if strings.HasPrefix(rest, "=") {
			rest = rest[1:]
			if strings.HasPrefix(rest, `"`) {
				q, err := strconv.QuotedPrefix(rest)
				if err != nil {
					return "", "", false, false
				}
				rest = rest[len(q):]
				if (key == "level" || key == "user") && !seen[key] {
					if value, err = strconv.Unquote(q); err != nil {
						return "", "", false, false
					}
				}
			} else {
				value, rest, _ = strings.Cut(rest, " ")
				rest = " " + rest
			}
		}
		if !seen[key] {
			seen[key] = true
			switch key {
			case "level":
				level = value
			case "user":
				user = value
			}
		}
		if seen["level"] && seen["user"] {
			break // as logline documents: the rest cannot change the record
		}
		if rest != "" && rest[0] != ' ' {
			return "", "", false, false // a byte right after a quoted value
		}
		rest = strings.TrimLeft(rest, " ")
	}
	return level, user, seen["level"], true
}

func naiveJSON(line string) (level, user string, levelKey, ok bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return "", "", false, false
	}
	raw, levelKey := m["level"]
	if levelKey {
		if err := json.Unmarshal(raw, &level); err != nil {
			return "", "", true, false
		}
	}
	if raw, found := m["user"]; found {
		if err := json.Unmarshal(raw, &user); err != nil {
			return "", "", levelKey, false
		}
	}
	return level, user, levelKey, true
}

// naiveName writes a user name as the README says: unchanged when it is
// valid UTF-8 without a backslash, else each backslash doubled and each
// byte outside valid UTF-8 as \xHH.
func naiveName(user string) string {
	if utf8.ValidString(user) && !strings.Contains(user, `\`) {
		return user
	}
	var b strings.Builder
	for i, r := range user {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(user[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, user[i])
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
