package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// cobra gives what people expect of a CLI (flags after arguments, GNU long
// forms, completion scripts, "did you mean", grouped help) while each
// command keeps its flags, checks and messages here; see the commit that
// brought it for why not kong.

// A command is one logproc subcommand.
type command struct {
	name, args, short, group string
	usage                    string // the help's text above the flags
	// define adds the command's flags to f and returns what checks them
	// and plans the work, once the command line is parsed.
	define func(f *commandFlags, cfg Config, stdout, stderr io.Writer) prepare
}

// A plan is a command whose settings passed their checks: the files it
// reads and writes, for checkPaths, and the work itself.
type plan struct {
	inputs, outputs []use
	work            func() error
}

type prepare func(ctx context.Context, args []string) (plan, error)

const (
	groupCount = "count"
	groupBus   = "bus"
)

var commands = []command{
	{"gen", "", "write a synthetic log file (slog logfmt or JSON)", groupCount, genUsage, genCommand},
	{"scan", "[FILE...]", "count log files (or stdin) into a results JSON", groupCount, scanUsage, scanCommand},
	{"run", "", "generate, scan and write results, with a summary", groupCount, runUsage, runCommand},
	{"serve", "", "run a single-node NATS server with JetStream", groupBus, serveUsage, serveCommand},
	{"publish", "[FILE...]", "publish log files as batches of lines", groupBus, publishUsage, publishCommand},
	{"consume", "", "count batches, on any number of machines", groupBus, consumeUsage, consumeCommand},
	{"report", "", "merge the counts into a results JSON", groupBus, reportUsage, reportCommand},
	{"reset", "", "delete a job's stream and bucket, to start over", groupBus, resetUsage, resetCommand},
}

// longNames gives the one-letter flags their GNU long forms.
var longNames = map[string]string{"output": "o", "records": "n"}

func normalize(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if short, ok := longNames[name]; ok {
		return pflag.NormalizedName(short)
	}
	return pflag.NormalizedName(name)
}

// newRoot builds the command tree; every command's flags default to cfg.
func newRoot(cfg Config, src settings, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "logproc",
		Short:         "generates and counts log files at the speed of the machine",
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddGroup(&cobra.Group{ID: groupCount, Title: "Count logs:"},
		&cobra.Group{ID: groupBus, Title: "Scale out over NATS JetStream:"})
	root.SetFlagErrorFunc(flagError)
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		switch {
		case !c.HasParent():
			fmt.Fprint(c.OutOrStdout(), mainUsage)
		case c.Annotations["usage"] != "":
			writeHelp(c.OutOrStdout(), c)
		default:
			defaultHelp(c, args)
		}
	})
	for _, cmd := range commands {
		c := &cobra.Command{
			Use:         strings.TrimSpace(cmd.name + " [flags] " + cmd.args),
			Short:       cmd.short,
			GroupID:     cmd.group,
			Annotations: map[string]string{"usage": cmd.usage},
		}
		c.Flags().SetNormalizeFunc(normalize)
		f := newCommandFlags(cmd.name, c.Flags(), src)
		prep := cmd.define(f, cfg, stdout, stderr)
		c.RunE = func(c *cobra.Command, args []string) error {
			return prologue(c.Context(), f, prep, args, stderr)
		}
		root.AddCommand(c)
		c.InitDefaultHelpFlag()
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	return root
}

// prologue is every command's start: settings, checks, profiles, work;
// the profiles are finished whatever the work returns.
func prologue(ctx context.Context, f *commandFlags, prep prepare, args []string, stderr io.Writer) error {
	f.markSet()
	if len(f.settings.fromFile) > 0 && !f.quiet {
		fmt.Fprintf(stderr, "logproc: settings from %s: %s\n", envFileName, strings.Join(f.settings.fromFile, ", "))
	}
	if f.settings.err != nil {
		return usageError{f.settings.err}
	}
	p, err := prep(ctx, args)
	if err != nil {
		return err
	}
	if err := f.checkPaths(p.inputs, p.outputs...); err != nil {
		return err
	}
	stop, err := f.startProfiles()
	if err != nil {
		return err
	}
	err = p.work()
	if serr := stop(); err == nil {
		err = serr
	}
	return err
}

// execute runs the command line args.
func execute(ctx context.Context, root *cobra.Command, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") && !strings.HasPrefix(args[0], "__") {
		if c, _, err := root.Find(args[:1]); err != nil || c == root {
			hint := ""
			if s := root.SuggestionsFor(args[0]); len(s) > 0 {
				hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
			}
			return usagef("unknown command %q%s; see 'logproc -h'", args[0], hint)
		}
	}
	if len(args) > 1 && args[0] == "completion" && !strings.HasPrefix(args[1], "-") {
		if c, _, err := root.Find(args[:2]); err != nil || c.Name() == "completion" {
			return usagef("completion: unknown shell %q (want bash, zsh, fish or powershell)", args[1])
		}
	}
	root.SetArgs(gnuArgs(root, args))
	return root.ExecuteContext(ctx)
}

// gnuArgs rewrites the single-dash long flags of Go's flag package
// (-workers 2, -quiet) as --workers 2, --quiet, which is what pflag reads;
// the one-letter -o and -n stay as they are. A flag's value is left alone,
// even when it starts with a dash.
func gnuArgs(root *cobra.Command, args []string) []string {
	c, _, err := root.Find(args)
	if err != nil || c == nil {
		c = root
	}
	out := make([]string, 0, len(args))
	takesValue := false
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if takesValue {
			takesValue = false
			out = append(out, a)
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, _, hasValue := strings.Cut(a[2:], "=")
			takesValue = !hasValue && needsValue(c, name)
		} else if singleDashLong.MatchString(a) {
			name, _, hasValue := strings.Cut(a[1:], "=")
			takesValue = !hasValue && needsValue(c, name)
			a = "-" + a
		} else if len(a) == 2 && a[0] == '-' {
			takesValue = needsValue(c, a[1:])
		}
		out = append(out, a)
	}
	return out
}

// singleDashLong matches -name and -name=value with a name of two or more
// letters, digits and dashes: not a negative number, not "-".
var singleDashLong = regexp.MustCompile(`^-[a-zA-Z][a-zA-Z0-9-]+(=|$)`)

func needsValue(c *cobra.Command, name string) bool {
	fl := c.Flags().Lookup(name)
	if fl == nil && len(name) == 1 {
		fl = c.Flags().ShorthandLookup(name)
	}
	return fl != nil && fl.NoOptDefVal == ""
}

var (
	unknownLong  = regexp.MustCompile(`^unknown flag: --?(\S+)`)
	unknownShort = regexp.MustCompile(`^unknown shorthand flag: '.' in -(\S+)`)
	badValue     = regexp.MustCompile(`^invalid argument (".*") for "(?:-., )?--([^"]+)" flag: (.*)$`)
)

// flagError turns pflag's messages into logproc's one line, with a
// suggestion for a mistyped flag.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	see := fmt.Sprintf("see '%s -h'", c.CommandPath())
	if m := cmpOr(unknownLong.FindStringSubmatch(msg), unknownShort.FindStringSubmatch(msg)); m != nil {
		name, _, _ := strings.Cut(m[1], "=")
		if s := suggestFlag(c, name); s != "" {
			return usagef("unknown flag -%s for %s (did you mean %s?); %s", name, c.Name(), s, see)
		}
		return usagef("unknown flag -%s for %s; %s", name, c.Name(), see)
	}
	if m := badValue.FindStringSubmatch(msg); m != nil {
		return usagef("-%s=%s: %s", m[2], m[1], m[3])
	}
	return usagef("%s for %s; %s", msg, c.Name(), see)
}

func cmpOr(a, b []string) []string {
	if a != nil {
		return a
	}
	return b
}

// suggestFlag names the flag of c closest to name, or "" when none is
// within two edits (or a prefix of it, such as -work for -workers).
func suggestFlag(c *cobra.Command, name string) string {
	best, bestDist := "", 3
	try := func(candidate, shown string) {
		d := editDistance(name, candidate)
		if len(name) >= 3 && strings.HasPrefix(candidate, name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = shown, d
		}
	}
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if len(fl.Name) > 1 {
			try(fl.Name, "-"+fl.Name)
		}
	})
	for long := range longNames {
		try(long, "--"+long)
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// version is the module's version and the VCS revision the binary was
// built from, as the go command stamped them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	v := bi.Main.Version
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += fmt.Sprintf(" (revision %s%s, %s)", rev, dirty, at)
	}
	return fmt.Sprintf("%s %s %s/%s", v, bi.GoVersion, runtime.GOOS, runtime.GOARCH)
}
