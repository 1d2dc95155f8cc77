//go:build !purego

package logline

import "testing"

// TestJSONUnescapeSSE2: jsonUnescape's SSE2 loop, which machines without
// AVX2 run, passes the same test as the AVX2 one.
func TestJSONUnescapeSSE2(t *testing.T) {
	if !hasAVX2 {
		t.Log("this machine has no AVX2: TestAppendJSONTextBlocks ran the SSE2 loop")
	}
	defer func(had bool) { hasAVX2 = had }(hasAVX2)
	hasAVX2 = false
	checkAppendJSONText(t, 90, 20000)
	checkAppendJSONText(t, 300, 5000)
}
