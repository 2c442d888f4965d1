package cli

import (
	"context"
	"fmt"

	"github.com/impress-dev/impress/api"
	"github.com/spf13/cobra"
)

// The one shape of a command (as gh has it):
//
//	type xOptions struct{ baseOptions; …flags and arguments… }
//	func newXCmd(f *Factory, runF func(context.Context, *xOptions) error) *cobra.Command
//	func runX(ctx context.Context, o *xOptions) error
//
// newXCmd declares the flags into the options and hands the command to
// runWith, which declares --json, reads the arguments and checks the flags
// (a usage mistake exits 2 before anything runs), then calls runF when a
// test gave one, else runX. runX reaches the daemon only through o.Client,
// which tests point at a fake daemon.

// baseOptions is what every command's options embed: the streams it
// prints on, the daemon client it reaches lazily, and --json.
type baseOptions struct {
	IO *IOStreams
	// Client connects to the daemon on first use (starting it unless
	// auto-start is off); tests point it at a fake daemon.
	Client func(context.Context) (*api.Client, error)
	// Revive brings back a daemon that went away while a command followed
	// a job (follow.go): it starts one unless auto-start is off. Nil (tests
	// against a fake daemon) only waits and tries again.
	Revive func(context.Context) error
	// JSON is --json, on the commands that declare it.
	JSON bool
}

// base is the baseOptions of the real process.
func (f *Factory) base() baseOptions {
	return baseOptions{IO: f.IO, Client: f.Client, Revive: f.revive}
}

// options is what runWith needs of a command's options: the baseOptions
// they embed (every *xOptions has this method through baseOptions).
type options interface{ baseOpts() *baseOptions }

func (b *baseOptions) baseOpts() *baseOptions { return b }

// runWith completes cmd in the one shape: --json (the one declaration of
// it) when jsonHelp says what it prints, then a RunE that runs parse (the
// arguments into o, the flags checked; nil when there is nothing to do),
// then runF when a test gave one, else run.
func runWith[O options](cmd *cobra.Command, o O, jsonHelp string, runF, run func(context.Context, O) error, parse func(args []string) error) *cobra.Command {
	if jsonHelp != "" {
		cmd.Flags().BoolVar(&o.baseOpts().JSON, "json", false, jsonHelp)
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if parse != nil {
			if err := parse(args); err != nil {
				return err
			}
		}
		if runF != nil {
			return runF(cmd.Context(), o)
		}
		return run(cmd.Context(), o)
	}
	return cmd
}

// firstArg is a parse that stores the one argument (exactArgs(1)) in *dst.
func firstArg(dst *string) func([]string) error {
	return func(args []string) error {
		*dst = args[0]
		return nil
	}
}

// fetchShow is the body of a command that asks the daemon something and
// shows the answer: get asks, then the answer goes out as JSON under
// --json, else through show.
func fetchShow[R any](ctx context.Context, o *baseOptions, get func(context.Context, *api.Client) (R, error), show func(R) error) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	r, err := get(ctx, c)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(o.IO.Out, r)
	}
	return show(r)
}

// callAndSay is fetchShow for a command whose human answer is one line:
// the one that line makes of the result.
func callAndSay[R any](ctx context.Context, o *baseOptions, call func(context.Context, *api.Client) (R, error), line func(R) string) error {
	return fetchShow(ctx, o, call, func(r R) error {
		fmt.Fprintln(o.IO.Out, line(r))
		return nil
	})
}

// printResult prints a command's result: v as JSON under --json, else the
// one line that says what happened.
func (o *baseOptions) printResult(v any, line string) error {
	return o.show(v, func() { fmt.Fprintln(o.IO.Out, line) })
}

// show prints a command's answer: v as JSON under --json (exactly one
// document), else what human prints for people. The commands whose exit
// code then depends on the answer (doctor, validate, auth status, …) call
// it before they decide.
func (o *baseOptions) show(v any, human func()) error {
	if o.JSON {
		return writeJSON(o.IO.Out, v)
	}
	human()
	return nil
}

// idOptions are the options of the commands that act on one ID (jobs
// cancel and retry; comments hide, unhide and delete).
type idOptions struct {
	baseOptions
	ID string
	// Connection is the parent's --connection, where there is one.
	Connection string
}

// newIDCmd builds a command of the idOptions shape: ID is the one
// argument, conn (when not nil) the parent's --connection flag.
func newIDCmd(f *Factory, cmd *cobra.Command, jsonHelp string, conn *string, runF, run func(context.Context, *idOptions) error) *cobra.Command {
	o := &idOptions{baseOptions: f.base()}
	cmd.Args = exactArgs(1)
	return runWith(cmd, o, jsonHelp, runF, run, func(args []string) error {
		o.ID = args[0]
		if conn != nil {
			o.Connection = *conn
		}
		return nil
	})
}

// nonNil passes a list answer on, never nil: --json prints [], not null.
func nonNil[T any](list []T, err error) ([]T, error) {
	if err == nil && list == nil {
		list = []T{}
	}
	return list, err
}

// addProgressFlag declares --progress (auto, json or none) into *mode.
func addProgressFlag(cmd *cobra.Command, mode *string, help string) {
	cmd.Flags().StringVar(mode, "progress", "auto", help)
}

// checkProgress refuses a --progress that is not auto, json or none.
func checkProgress(mode string) error {
	switch mode {
	case "auto", "json", "none":
		return nil
	}
	return flagErrorf("--progress must be auto, json or none, not %q", mode)
}

// group is a command that only holds subcommands (impress jobs, impress
// media, …): cmd with subs added.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.AddCommand(subs...)
	return cmd
}
