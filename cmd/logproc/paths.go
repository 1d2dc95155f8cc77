package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/logproc/logproc/internal/files"
)

// A use is a path a command reads or writes, with the flag or variable it
// came from, so that a refusal names it. Inputs need no name.
type use struct{ name, path string }

// identity is what tells files apart: the file's own information when it
// exists (device and inode, compared by os.SameFile), else the absolute
// path an output would be created at.
type identity struct {
	fi      os.FileInfo
	created string
}

func (a identity) same(b identity) bool {
	if a.fi != nil && b.fi != nil {
		return os.SameFile(a.fi, b.fi)
	}
	return a.created != "" && a.created == b.created
}

// checkPaths refuses, before any work, an output that is an input or
// another output: the same file by device and inode, through symbolic
// links, or the same path to be created. An output path may not be empty.
// A character device (a terminal, /dev/null) or a socket may be used
// twice. "-" is standard input among inputs and standard output among
// outputs.
func checkPaths(inputs, outputs []use) error {
	type entry struct {
		use
		id identity
	}
	var seen []entry
	for _, in := range inputs {
		if id, ok := identify(in.path, false); ok {
			seen = append(seen, entry{in, id})
		}
	}
	numInputs := len(seen)
	for _, out := range outputs {
		if out.path == "" {
			return usagef("%s is empty: want a file name, or - for standard output", out.name)
		}
		id, ok := identify(out.path, true)
		if !ok {
			continue
		}
		for i, prev := range seen {
			if !prev.id.same(id) {
				continue
			}
			if i < numInputs {
				return usagef("%s=%q is the same file as the input %s: refusing to overwrite it", out.name, out.path, prev.path)
			}
			return usagef("%s=%q and %s=%q are the same file: two outputs cannot share it", prev.name, prev.path, out.name, out.path)
		}
		seen = append(seen, entry{out, id})
	}
	return nil
}

// identify returns the identity of path. ok is false when it cannot be
// confused with another: a character device, a socket (one connection is
// both standard input and output under inetd or systemd), or an input
// that does not exist (reading it fails later, with its own message).
func identify(path string, output bool) (id identity, ok bool) {
	var fi os.FileInfo
	var err error
	switch {
	case path == "-" && output:
		fi, err = os.Stdout.Stat()
	case path == "-":
		fi, err = os.Stdin.Stat()
	default:
		fi, err = os.Stat(path)
	}
	if err == nil {
		if fi.Mode()&(os.ModeCharDevice|os.ModeSocket) != 0 {
			return identity{}, false
		}
		return identity{fi: fi}, true
	}
	if !output || !errors.Is(err, os.ErrNotExist) {
		return identity{}, false
	}
	// An output to be created: where its symbolic links lead, in the real
	// directory, so that two names of one new file compare equal.
	dest, err := files.Where(path)
	if err != nil {
		return identity{}, false
	}
	dir, base := filepath.Split(dest.Path)
	if dir == "" {
		dir = "."
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return identity{created: filepath.Join(dir, base)}, true
}

// inputs returns paths as inputs.
func inputs(paths []string) []use {
	uses := make([]use, len(paths))
	for i, p := range paths {
		uses[i] = use{path: p}
	}
	return uses
}
