package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/logproc/logproc/bench/internal/results"
)

// dataset is the file every scan tool reads, and what was generated into
// it.
type dataset struct {
	Path      string
	TruthPath string
	stamp
	Truth  results.Result
	Reused bool
}

// stamp says what the dataset holds. It is written after the dataset and
// its truth, and removed before either is replaced, so a stamp that
// matches means a complete dataset.
type stamp struct {
	Records int64  `json:"records"`
	Users   int    `json:"users"`
	Seed    uint64 `json:"seed"`
	Format  string `json:"format"`
	Bytes   int64  `json:"bytes"`
}

// bytesPerLineEstimate sizes the disk space check before the dataset
// exists; generated logfmt lines average about 122 bytes.
const bytesPerLineEstimate = 130

// ensureDataset returns the dataset in c.DataDir, generating it with
// logproc gen unless one with the same stamp is there already.
func ensureDataset(ctx context.Context, c Config, log io.Writer) (dataset, error) {
	ds := dataset{
		Path:      filepath.Join(c.DataDir, "bench.log"),
		TruthPath: filepath.Join(c.DataDir, "bench.truth.json"),
		stamp:     stamp{Records: c.Records, Users: c.Users, Seed: c.Seed, Format: "logfmt"},
	}
	stampPath := filepath.Join(c.DataDir, "bench.stamp.json")
	if err := ds.reuse(stampPath); err == nil {
		ds.Reused = true
		fmt.Fprintf(log, "compare: reusing %s (%d lines, %d bytes)\n", ds.Path, ds.Records, ds.Bytes)
		// One generated copy or dd output at a time beside it.
		return ds, checkFreeSpace(c.DataDir, ds.Bytes*11/10)
	} else if !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(log, "compare: regenerating %s: %v\n", ds.Path, err)
	}

	for _, p := range []string{stampPath, ds.Path, ds.TruthPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return dataset{}, err
		}
	}
	// The dataset, and beside it one generated copy or dd output at a
	// time, plus a tenth for the estimate's error.
	if err := checkFreeSpace(c.DataDir, 2*c.Records*bytesPerLineEstimate*11/10); err != nil {
		return dataset{}, err
	}
	fmt.Fprintf(log, "compare: generating %s: %d lines, %d users, seed %d …\n", ds.Path, c.Records, c.Users, c.Seed)
	start := time.Now()
	if _, _, err := runTool(ctx, genArgv(c, ds.Path, "-truth", ds.TruthPath)); err != nil {
		return dataset{}, err
	}
	fmt.Fprintf(log, "compare: generated in %.1f s\n", time.Since(start).Seconds())
	fi, err := os.Stat(ds.Path)
	if err != nil {
		return dataset{}, err
	}
	ds.Bytes = fi.Size()
	if ds.Truth, err = readTruth(ds); err != nil {
		return dataset{}, err
	}
	b, err := json.MarshalIndent(ds.stamp, "", "  ")
	if err != nil {
		return dataset{}, err
	}
	if err := os.WriteFile(stampPath, append(b, '\n'), 0o644); err != nil {
		return dataset{}, err
	}
	return ds, nil
}

// reuse fills ds from an existing dataset whose stamp matches ds.stamp and
// whose file and truth agree with it. The error says why it cannot.
func (ds *dataset) reuse(stampPath string) error {
	b, err := os.ReadFile(stampPath)
	if err != nil {
		return err
	}
	var st stamp
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", stampPath, err)
	}
	want := ds.stamp
	want.Bytes = st.Bytes
	if st != want {
		return fmt.Errorf("it holds %+v, want %+v", st, want)
	}
	fi, err := os.Stat(ds.Path)
	if err != nil {
		return err
	}
	if fi.Size() != st.Bytes {
		return fmt.Errorf("%s has %d bytes, its stamp says %d", ds.Path, fi.Size(), st.Bytes)
	}
	ds.stamp = st
	ds.Truth, err = readTruth(*ds)
	return err
}

// readTruth reads the generator's truth and checks it against the stamp.
func readTruth(ds dataset) (results.Result, error) {
	t, err := results.ReadFile(ds.TruthPath)
	if err != nil {
		return results.Result{}, err
	}
	if t.Lines != ds.Records || t.Bytes != ds.Bytes {
		return results.Result{}, fmt.Errorf("%s: %d lines and %d bytes, want %d and %d",
			ds.TruthPath, t.Lines, t.Bytes, ds.Records, ds.Bytes)
	}
	return t, nil
}

// genArgv is logproc gen writing c's dataset to path, with extra flags.
func genArgv(c Config, path string, extra ...string) []string {
	argv := []string{c.Logproc, "gen",
		"-n", strconv.FormatInt(c.Records, 10),
		"-users", strconv.Itoa(c.Users),
		"-workers", strconv.Itoa(c.Workers),
		"-seed", strconv.FormatUint(c.Seed, 10),
		"-format", "logfmt",
		"-quiet",
		"-o", path,
	}
	return append(argv, extra...)
}

// checkFreeSpace fails when the file system of dir has less than need
// bytes available.
func checkFreeSpace(dir string, need int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if free := int64(st.Bavail) * st.Bsize; free < need {
		return fmt.Errorf("%s: %.1f GB free, the benchmark needs about %.1f GB; lower BENCH_RECORDS or set BENCH_DATA",
			dir, float64(free)/1e9, float64(need)/1e9)
	}
	return nil
}
