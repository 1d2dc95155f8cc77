package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const mainUsage = `logproc generates and counts log files at the speed of the machine.

Usage:
  logproc COMMAND [flags] [FILE...]

Count logs:
  logproc scan [flags] [FILE...]  count log files, or stdin, into a results JSON
  logproc gen  [flags]            write a synthetic log file (slog logfmt or JSON)
  logproc run  [flags]            generate, scan and write results, with a summary

Scale out over NATS JetStream (see README):
  logproc serve   [flags]          run a single-node NATS server with JetStream
  logproc publish [flags] FILE...  publish log files as batches of lines
  logproc consume [flags]          count batches, on any number of machines
  logproc report  [flags]          merge the counts into a results JSON
  logproc reset   [flags]          delete a job's stream and bucket, to start over

Other:
  logproc completion bash|zsh|fish   print a shell completion script
  logproc --version                  the version and VCS revision built from

Run 'logproc COMMAND -h' for a command's flags. Flags go before or after
file names, as -workers 2 or --workers=2. Every setting can also be given
in the environment or in a .env file in the working directory; flags win
over the environment, which wins over .env.
`

// writeHelp prints a command's help: its text, its own flags, then the
// flags every command has.
func writeHelp(w io.Writer, c *cobra.Command) {
	fmt.Fprint(w, c.Annotations["usage"])
	var own, common []*pflag.Flag
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		if fl.Annotations[commonFlag] != nil || fl.Name == "help" {
			common = append(common, fl)
		} else {
			own = append(own, fl)
		}
	})
	fmt.Fprintln(w, "\nFlags:")
	writeFlags(w, own)
	fmt.Fprintln(w, "\nCommon flags:")
	writeFlags(w, common)
}

// writeFlags lists flags as -name value, with the long form of a
// one-letter flag, and the default when it says something.
func writeFlags(w io.Writer, flags []*pflag.Flag) {
	long := map[string]string{}
	for l, s := range longNames {
		long[s] = l
	}
	for _, fl := range flags {
		kind, usage := pflag.UnquoteUsage(fl)
		if kind == "bool" {
			kind = ""
		}
		name := "  -" + fl.Name
		switch {
		case fl.Name == "help":
			name = "  -h, --help"
		case long[fl.Name] != "":
			name += ", --" + long[fl.Name]
		}
		if kind != "" {
			name += " " + kind
		}
		switch {
		case fl.DefValue == "" || fl.DefValue == "0" || fl.DefValue == "false" || fl.DefValue == "0s":
		case fl.Value.Type() == "string":
			usage += fmt.Sprintf(" (default %q)", fl.DefValue)
		default:
			usage += " (default " + fl.DefValue + ")"
		}
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		if len(name) >= 24 {
			fmt.Fprintf(w, "%s\n    \t%s\n", name, usage)
		} else {
			fmt.Fprintf(w, "%-24s%s\n", name, usage)
		}
	}
}
