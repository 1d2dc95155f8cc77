package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"

	"github.com/ilyakaznacheev/cleanenv"
	"github.com/joho/godotenv"
)

// Config is every setting logproc reads from the environment. Flags of the
// same meaning override it; see newFlags.
type Config struct {
	UsersPool   int    `env:"AMOUNT_USERS_POOL" env-default:"10000" env-description:"size of the fake user pool the generator draws from"`
	Records     int64  `env:"AMOUNT_LOG_RECORDS" env-default:"1000000" env-description:"lines to generate"`
	GenWorkers  int    `env:"CONCURRENT_LOG_TASK" env-description:"goroutines that generate (default: number of CPUs)"`
	ScanWorkers int    `env:"CONCURRENT_LOG_READER_TASK" env-description:"workers that parse (default: number of CPUs)"`
	LogPath     string `env:"LOG_PATH" env-default:"./logs" env-description:"the log file; results go to LOG_PATH.json"`
	Seed        uint64 `env:"LOGPROC_SEED" env-default:"1" env-description:"seed of the generator: same seed and settings, same file"`
	Format      string `env:"LOGPROC_FORMAT" env-default:"logfmt" env-description:"format the generator writes: logfmt or json"`
	LevelKey    string `env:"LOGPROC_LEVEL_KEY" env-default:"level" env-description:"key that holds a line's level, for scan"`
	UserKey     string `env:"LOGPROC_USER_KEY" env-default:"user" env-description:"key that holds a line's user, for scan"`
	ActionKey   string `env:"LOGPROC_ACTION_KEY" env-default:"action" env-description:"key that holds a line's action, for scan"`
	LatencyKey  string `env:"LOGPROC_LATENCY_KEY" env-default:"latency_ms" env-description:"key that holds a line's latency, for scan"`
	LatencyUnit string `env:"LOGPROC_LATENCY_UNIT" env-description:"unit of a latency written as a bare number: ns, us, ms or s (default: from the key's suffix, else ms)"`
	TimeKey     string `env:"LOGPROC_TIME_KEY" env-default:"time,ts" env-description:"key that holds a line's time, for scan (alternatives separated by commas)"`
	InputFormat string `env:"LOGPROC_INPUT_FORMAT" env-default:"auto" env-description:"how scan reads lines: auto (per line), logfmt or json"`
	Metrics     string `env:"LOGPROC_METRICS" env-default:"all" env-description:"what scan computes beyond levels and users: all, seed, or a list of actions, latency, time"`
	MaxMemory   string `env:"LOGPROC_MAX_MEMORY" env-default:"1GiB" env-description:"memory budget of a scan, beyond what grows with distinct users and actions"`
	MaxLine     string `env:"LOGPROC_MAX_LINE" env-default:"64MiB" env-description:"longest line scan counts; longer ones are counted as long_lines and skipped"`

	// The bus: publish, consume, report and serve.
	NatsURL     string `env:"NATS_URL" env-default:"nats://127.0.0.1:4222" env-description:"NATS server URLs, comma separated"`
	NatsCreds   string `env:"NATS_CREDS" env-description:"NATS credentials file (JWT and NKey)"`
	NatsTLSCA   string `env:"NATS_TLS_CA" env-description:"CA certificate file to trust for TLS"`
	NatsTLSCert string `env:"NATS_TLS_CERT" env-description:"client certificate file for TLS"`
	NatsTLSKey  string `env:"NATS_TLS_KEY" env-description:"client key file for TLS"`
	Stream      string `env:"LOGPROC_STREAM" env-default:"LOGPROC" env-description:"JetStream stream of batches to count"`
	Bucket      string `env:"LOGPROC_BUCKET" env-default:"logproc" env-description:"JetStream key-value bucket of counted batches"`
	Replicas    int    `env:"LOGPROC_REPLICAS" env-default:"1" env-description:"servers of a cluster that keep the stream and the bucket"`
	NatsStore   string `env:"LOGPROC_NATS_STORE" env-default:"./nats-data" env-description:"directory where serve and consume -embedded store streams"`
}

// envFile is read from the working directory when present. A variable
// already set in the environment wins over it.
const envFile = ".env"

// loadConfig reads .env (if any) and the environment into a Config.
func loadConfig() (Config, error) {
	// cleanenv can read .env itself, but it sets every variable it finds
	// there, overriding the environment; godotenv.Load keeps what is set.
	if err := godotenv.Load(envFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Config{}, fmt.Errorf("%s: %w", envFile, err)
	}
	// Fields without env-default keep these values when their variable is
	// unset; cleanenv leaves a non-zero field alone.
	cfg := Config{GenWorkers: runtime.NumCPU(), ScanWorkers: runtime.NumCPU()}
	if err := cleanenv.ReadEnv(&cfg); err != nil {
		return Config{}, explainEnvError(&cfg, err)
	}
	return cfg, nil
}

var envErrorName = regexp.MustCompile(`env (\w+):`)

// explainEnvError turns cleanenv's "parsing field Records env
// AMOUNT_LOG_RECORDS: strconv.ParseInt: …" into a line that names the
// variable, its value and what was wanted.
func explainEnvError(cfg *Config, err error) error {
	m := envErrorName.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	name := m[1]
	want := "a valid value"
	t := reflect.TypeOf(*cfg)
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("env") != name {
			continue
		}
		switch t.Field(i).Type.Kind() {
		case reflect.Int, reflect.Int64:
			want = "a whole number"
		case reflect.Uint64:
			want = "a whole number from 0 to " + strconv.FormatUint(1<<64-1, 10)
		}
	}
	return fmt.Errorf("%s=%q: want %s", name, os.Getenv(name), want)
}

// atLeastOne checks a count. name is the variable or flag the value came
// from, so the message points at what to fix.
func atLeastOne[T int | int64](name string, v T) error {
	if v < 1 {
		return fmt.Errorf("%s=%d: must be at least 1", name, v)
	}
	return nil
}

// checkWritableDir fails unless a file can be created in path's directory,
// so that a run stops before any work rather than after it.
func checkWritableDir(name, path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s=%q: directory %s: %w", name, path, dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s=%q: %s is not a directory", name, path, dir)
	}
	f, err := os.CreateTemp(dir, ".logproc-probe-*")
	if err != nil {
		return fmt.Errorf("%s=%q: directory %s is not writable: %w", name, path, dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s=%q: is a directory", name, path)
	}
	return nil
}

// unwrapPath drops the path from an *os.PathError when the message names
// the path already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
