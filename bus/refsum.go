package bus

import (
	"encoding/hex"
	"hash"
	"strings"
)

// A batch sent by reference carries the sum of its bytes, which the
// consumer checks before it counts them: HighwayHash-256 of its leaves'
// xxh3-128 (leaves.go), many times as fast as SHA-256 on the machines
// measured (docs/distributed.md). Its keys are fixed, so that
// every process computes the same sum; they are not secrets: the sum
// tells a file changed since publish (rotated, rewritten) from the one
// published, not an attacker's file.
var refKey = []byte("logproc: a batch sent by ref v3.")

// refSumPrefix names the sum's hash in the Logproc-Sum header: leaves
// summed with xxh3, which a consumer of HighwayHash leaves (hhl256:) or of
// no leaves (hh256:) refuses.
const refSumPrefix = "hhx256:"

func refSumOf(h hash.Hash) string { return refSumPrefix + hex.EncodeToString(h.Sum(nil)) }

// validRefSum accepts what refSum makes.
func validRefSum(s string) bool {
	hexSum, ok := strings.CutPrefix(s, refSumPrefix)
	if !ok || len(hexSum) != 64 {
		return false
	}
	_, err := hex.DecodeString(hexSum)
	return err == nil
}
