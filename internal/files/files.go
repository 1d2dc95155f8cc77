// Package files opens and writes paths that are not plain files without
// hanging or destroying them: a FIFO whose other end never comes, a device,
// a symbolic link, /dev/stdout.
package files

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Open is os.OpenFile that returns when ctx ends, even while the open
// blocks: opening a FIFO waits for its other end, and no signal interrupts
// that wait. A regular file or a directory is opened at once. An abandoned
// open finishes in the background, and its file is closed if it ever opens.
func Open(ctx context.Context, name string, flag int, perm os.FileMode) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	if fi, err := os.Stat(name); err != nil || fi.Mode().IsRegular() || fi.IsDir() {
		return os.OpenFile(name, flag, perm)
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(name, flag, perm)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-done; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, &os.PathError{Op: "open", Path: name, Err: ctx.Err()}
	}
}

// Dest is where writing a path lands.
type Dest struct {
	// Path is the file to replace through a temporary file in its
	// directory and a rename: the end of path's chain of symbolic links,
	// so that the rename replaces the file and not the link. It need not
	// exist.
	Path string
	// Direct is set when the file must be written in place, opened by the
	// path given, never renamed over: a FIFO, a device or a socket, or a
	// path through /proc such as /dev/stdout, whose links name open files
	// and not places in a directory.
	Direct bool
}

// maxLinks is how many symbolic links Where follows, as Linux's ELOOP.
const maxLinks = 40

// Where finds where writing path lands.
func Where(path string) (Dest, error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return Dest{Path: path, Direct: true}, nil
	}
	p := path
	for range maxLinks {
		if inProc(p) {
			return Dest{Path: path, Direct: true}, nil
		}
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return Dest{Path: p}, nil
		}
		to, err := os.Readlink(p)
		if err != nil {
			return Dest{}, err
		}
		if !filepath.IsAbs(to) {
			// Relative to the link's real directory: ".." in the link
			// climbs from there, not from the path it was named by.
			dir := filepath.Dir(p)
			if real, err := filepath.EvalSymlinks(dir); err == nil {
				dir = real
			}
			to = filepath.Join(dir, to)
		}
		p = to
	}
	return Dest{}, &os.PathError{Op: "readlink", Path: path, Err: syscall.ELOOP}
}

// inProc reports whether p is under /proc, where /dev/stdout and
// /dev/fd/N lead.
func inProc(p string) bool {
	if real, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(real, filepath.Base(p))
	}
	return p == "/proc" || strings.HasPrefix(filepath.Clean(p), "/proc/")
}

// OpenDirect opens a Direct destination for writing, as Open does. It
// appends, so that /dev/stdout redirected to a file (>>) keeps what the
// file held; a FIFO or a device does not mind.
func OpenDirect(ctx context.Context, path string) (*os.File, error) {
	return Open(ctx, path, os.O_WRONLY|os.O_APPEND, 0)
}
