//go:build !linux

package gen

import "os"

// replace puts the finished log tmp at path, atomically.
func replace(tmp, path string) error { return os.Rename(tmp, path) }

// dropCache does nothing where the kernel takes no advice on a file's pages.
func dropCache(path string) {}
