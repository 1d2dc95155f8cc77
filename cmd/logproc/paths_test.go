package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckPaths covers what the end-to-end tests do not: what is allowed.
func TestCheckPaths(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "app.log")
	if err := os.WriteFile(log, []byte("level=INFO\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "self")); err != nil {
		t.Fatal(err)
	}
	ok := []struct {
		name            string
		inputs, outputs []use
	}{
		{"an input read twice", []use{{path: log}, {path: log}}, []use{{"-o", filepath.Join(dir, "r.json")}}},
		{"/dev/null twice", []use{{path: os.DevNull}}, []use{{"-o", os.DevNull}, {"-cpuprofile", os.DevNull}}},
		{"a missing input", []use{{path: filepath.Join(dir, "nope")}}, []use{{"-o", filepath.Join(dir, "nope.json")}}},
		{"different new files", nil, []use{{"-o", filepath.Join(dir, "a")}, {"-truth", filepath.Join(dir, "b")}}},
	}
	for _, tt := range ok {
		if err := checkPaths(tt.inputs, tt.outputs); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	refused := []struct {
		name            string
		inputs, outputs []use
		want            string
	}{
		{"one new file by two names", nil, []use{{"-o", filepath.Join(dir, "new")}, {"-truth", filepath.Join(dir, "self", "new")}}, "two outputs"},
		{"the input through a linked directory", []use{{path: log}}, []use{{"-o", filepath.Join(dir, "self", "app.log")}}, "the input"},
		{"an empty output", nil, []use{{"LOG_PATH", ""}}, "LOG_PATH is empty"},
	}
	for _, tt := range refused {
		err := checkPaths(tt.inputs, tt.outputs)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}
