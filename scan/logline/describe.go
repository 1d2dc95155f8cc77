package logline

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Describe says in a few words what a line that no format reads holds, for
// an error message: the keys of a JSON object or of key=value pairs, or
// "no key=value or JSON" and the line's first bytes.
func Describe(line []byte) string {
	line = trimSpaceAndTab(trimCR(line))
	if len(line) == 0 {
		return "nothing"
	}
	if !utf8.Valid(line[:min(len(line), 64)]) || bytes.IndexByte(line, 0) >= 0 {
		return "binary data"
	}
	var keys []string
	if line[0] == '{' {
		keys = jsonKeys(line)
		if len(keys) > 0 {
			return "JSON with the keys " + listKeys(keys) + ", none a level logproc knows"
		}
	}
	for _, word := range strings.Fields(string(line)) {
		if k, _, ok := strings.Cut(word, "="); ok && k != "" && !strings.ContainsAny(k, `"{}`) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		return "key=value pairs with the keys " + listKeys(keys) + ", none a level logproc knows"
	}
	head := string(line[:min(len(line), 40)])
	if len(head) < len(line) {
		head += "…"
	}
	return "no key=value or JSON: " + strconv.Quote(head)
}

// jsonKeys lists the top-level keys of a JSON object, as far as it reads.
func jsonKeys(s []byte) []string {
	var p Parser
	var keys []string
	i := skipJSONSpace(s, 1)
	for i < len(s) && s[i] == '"' && len(keys) < 8 {
		end, _ := jsonStringEnd(s, i+1)
		if end < 0 {
			break
		}
		keys = append(keys, string(s[i+1:end]))
		i = skipJSONSpace(s, end+1)
		if i >= len(s) || s[i] != ':' {
			break
		}
		var ok bool
		if i, ok = p.skipJSONValue(s, skipJSONSpace(s, i+1)); !ok {
			break
		}
		i = skipJSONSpace(s, i)
		if i >= len(s) || s[i] != ',' {
			break
		}
		i = skipJSONSpace(s, i+1)
	}
	return keys
}

func listKeys(keys []string) string {
	if len(keys) > 6 {
		keys = append(keys[:6:6], "…")
	}
	return strings.Join(keys, ", ")
}
