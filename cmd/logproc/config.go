package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
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
	LevelKey    string `env:"LOGPROC_LEVEL_KEY" env-default:"level,lvl,severity,@level,log.level,levelname" env-description:"keys that hold a line's level, for scan (the first found counts)"`
	UserKey     string `env:"LOGPROC_USER_KEY" env-default:"user,fields.user" env-description:"keys that hold a line's user, for scan (a dotted key also reads a member of a JSON object: apex/log's fields.user)"`
	ActionKey   string `env:"LOGPROC_ACTION_KEY" env-default:"action,fields.action" env-description:"keys that hold a line's action, for scan"`
	LatencyKey  string `env:"LOGPROC_LATENCY_KEY" env-default:"latency_ms,fields.latency_ms" env-description:"keys that hold a line's latency, for scan"`
	LatencyUnit string `env:"LOGPROC_LATENCY_UNIT" env-description:"unit of a latency written as a bare number: ns, us, ms or s (default: from the key's suffix, else ms)"`
	TimeKey     string `env:"LOGPROC_TIME_KEY" env-default:"time,ts,timestamp,@timestamp,t" env-description:"key that holds a line's time, for scan (alternatives separated by commas)"`
	InputFormat string `env:"LOGPROC_INPUT_FORMAT" env-default:"auto" env-description:"how scan reads lines: auto (told per range of a file), a format such as klog or json, or a framing and a format such as cri+json"`
	Metrics     string `env:"LOGPROC_METRICS" env-default:"all" env-description:"what scan computes beyond levels and users: all, seed, or a list of actions, latency, time"`
	MaxMemory   string `env:"LOGPROC_MAX_MEMORY" env-default:"1GiB" env-description:"memory budget of a scan, beyond what grows with distinct users and actions"`
	Read        string `env:"LOGPROC_READ" env-default:"auto" env-description:"how scan, run, publish and consume read a file's bytes: auto (what costs less on this machine), mmap (in place in its mapping) or pread (copied into a reused buffer)"`
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

// envFileName is how messages name envFile.
const envFileName = "./" + envFile

// settings is what loadConfig learned besides the Config.
type settings struct {
	// fromFile lists the variables envFile supplied, those the environment
	// did not set, sorted.
	fromFile []string
	// err is the first error reading envFile or a variable. It is returned
	// once the command's flags are parsed, so that -h still prints help.
	err error
}

// name names a variable in messages, with envFile when the value came from
// there: the user may never have set it in the environment.
func (s settings) name(env string) string {
	for _, k := range s.fromFile {
		if k == env {
			return env + " from " + envFileName
		}
	}
	return env
}

// isSet reports whether env is set, in the environment or by .env.
func (s settings) isSet(env string) bool {
	_, ok := os.LookupEnv(env)
	return ok
}

// loadConfig reads .env (if any) and the environment into a Config.
func loadConfig() (Config, settings) {
	var st settings
	fromFile, err := loadEnvFile(envFile)
	st.fromFile = fromFile
	if err != nil {
		st.err = fmt.Errorf("%s: %w", envFileName, unwrapPath(err))
	}
	// Fields without env-default keep these values when their variable is
	// unset; cleanenv leaves a non-zero field alone.
	cfg := Config{GenWorkers: runtime.NumCPU(), ScanWorkers: runtime.NumCPU()}
	if err := decimalEnv(reflect.TypeOf(cfg), st); err != nil {
		st.err = cmp.Or(st.err, err)
	}
	// On, even after an error: -h shows the defaults of what could be read.
	if err := cleanenv.ReadEnv(&cfg); err != nil {
		st.err = cmp.Or(st.err, explainEnvError(&cfg, err, st))
	}
	return cfg, st
}

// loadEnvFile sets the variables of path that the environment does not
// set, and returns their names. cleanenv can read .env itself, but it sets
// every variable it finds there, overriding the environment. A missing
// file is no error.
func loadEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	vars, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		return nil, err
	}
	var set []string
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if _, inEnv := os.LookupEnv(k); inEnv {
			continue
		}
		if err := os.Setenv(k, vars[k]); err != nil {
			return set, err
		}
		set = append(set, k)
	}
	return set, nil
}

// decimalEnv checks that every whole-number variable of Config that is set
// is written in decimal, and rewrites it without leading zeros: cleanenv
// reads 010 as octal 8 and takes 0x10 and 1_000, which nobody means in a
// setting.
func decimalEnv(t reflect.Type, st settings) error {
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("env")
		v, set := os.LookupEnv(name)
		if name == "" || !set {
			continue
		}
		var canonical string
		switch t.Field(i).Type.Kind() {
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s=%q: want a decimal whole number", st.name(name), v)
			}
			canonical = strconv.FormatInt(n, 10)
		case reflect.Uint64:
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s=%q: want a decimal whole number from 0 to %d", st.name(name), v, uint64(1<<64-1))
			}
			canonical = strconv.FormatUint(n, 10)
		default:
			continue
		}
		if err := os.Setenv(name, canonical); err != nil {
			return err
		}
	}
	return nil
}

var envErrorName = regexp.MustCompile(`env (\w+):`)

// explainEnvError turns cleanenv's "parsing field Records env
// AMOUNT_LOG_RECORDS: strconv.ParseInt: …" into a line that names the
// variable, its value and what was wanted.
func explainEnvError(cfg *Config, err error, st settings) error {
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
	return fmt.Errorf("%s=%q: want %s", st.name(name), os.Getenv(name), want)
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
