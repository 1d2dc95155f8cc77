package scan

import (
	"reflect"
	"unsafe"

	"golang.org/x/exp/mmap"
)

// mappedBytes returns the bytes r maps, or nil when they cannot be reached.
//
// x/exp/mmap hands out no slice of the mapping, only ReadAt, which copies.
// Copying each range through a window read every byte of the file through
// the L2 cache, and so did parsing the mapping in place; parsing in place
// with a non-temporal prefetch ahead of the parser (prefetch.go) keeps the
// file out of L2 and leaves the user table there (docs/performance.md).
//
// On Unix and Windows a ReaderAt is a struct holding the mapping as its one
// field, data []byte. That field is read only after checking, through
// reflect, that it is there with that name and type, that its length is
// r.Len() and that its first and last bytes are r.At's. Any other layout,
// in another version or on another system, gives nil, and the scan reads
// through ReadAt as before.
func mappedBytes(r *mmap.ReaderAt) []byte {
	if r == nil || r.Len() == 0 {
		return nil
	}
	v := reflect.ValueOf(r).Elem()
	if v.NumField() != 1 {
		return nil
	}
	f := v.Type().Field(0)
	if f.Name != "data" || f.Type != reflect.TypeFor[[]byte]() || f.Offset != 0 {
		return nil
	}
	b := *(*[]byte)(unsafe.Pointer(r))
	if len(b) != r.Len() || b[0] != r.At(0) || b[len(b)-1] != r.At(len(b)-1) {
		return nil
	}
	return b
}
