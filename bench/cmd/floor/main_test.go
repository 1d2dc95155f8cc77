package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCountParallel(t *testing.T) {
	data := []byte(strings.Repeat("ab\ncd\n\nefg", 37) + "\n")
	want := int64(bytes.Count(data, []byte{'\n'}))
	for workers := 1; workers <= 8; workers++ {
		for _, n := range []int{0, 1, 2, 3, 7, len(data) - 1, len(data)} {
			b := data[:n]
			if got, want := countParallel(b, workers), int64(bytes.Count(b, []byte{'\n'})); got != want {
				t.Errorf("countParallel(%d bytes, %d workers) = %d, want %d", n, workers, got, want)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := countFile(path, 3); err != nil || got != want {
		t.Errorf("countFile = %d, %v; want %d", got, err, want)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := countFile(empty, 2); err != nil || got != 0 {
		t.Errorf("countFile(empty) = %d, %v; want 0", got, err)
	}
}
