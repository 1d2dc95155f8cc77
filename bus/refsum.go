package bus

import (
	"encoding/hex"
	"hash"
	"strings"

	"github.com/minio/highwayhash"
)

// A batch sent by reference carries the sum of its bytes, which the
// consumer checks before it counts them: HighwayHash-256, ten times as
// fast as SHA-256 on the machines measured (docs/distributed.md), as
// publish and every consumer hash each byte once more. Its key is fixed,
// so that every process computes the same sum; it is not a secret: the
// sum tells a file changed since publish (rotated, rewritten) from the
// one published, not an attacker's file.
var refKey = []byte("logproc: a batch sent by ref v2.")

// refSumPrefix names the sum's hash in the Logproc-Sum header.
const refSumPrefix = "hh256:"

// refSum is the sum of a batch's bytes, as the header carries it.
func refSum(data []byte) string {
	sum := highwayhash.Sum(data, refKey)
	return refSumPrefix + hex.EncodeToString(sum[:])
}

// newRefHash is what refSum sums with, for bytes that come in pieces;
// refSumOf gives the sum as refSum writes it.
func newRefHash() (hash.Hash, error) { return highwayhash.New(refKey) }

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
