package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoInstall: go install of cmd/logproc works from a plain copy of the
// module, as 'go install github.com/logproc/logproc/cmd/logproc@VERSION'
// builds it (no replace directive may point outside the module), and the
// binary's --version names the revision it was built from, as git says.
func TestGoInstall(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "replace" || f[0] == "exclude") {
			t.Errorf("go.mod: %q: go install mod@version refuses a module with replace or exclude directives", line)
		}
	}
	files, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dir := t.TempDir()
	for _, name := range strings.Fields(string(files)) {
		b, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "copy")
	rev := git("rev-parse", "HEAD")

	install := exec.Command("go", "install", "./cmd/logproc")
	install.Dir = dir
	install.Env = append(os.Environ(), "GOBIN="+filepath.Join(dir, "bin"), "GOFLAGS=-mod=mod -buildvcs=true")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/logproc: %v: %s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "bin", "logproc"), "--version").Output()
	if err != nil || !strings.Contains(string(out), "revision "+rev) {
		t.Errorf("--version of the installed binary: %v: %q does not name revision %s", err, out, rev)
	}
}
