// Package cli is impress's command tree (cobra). Commands talk to the daemon
// only through package api; the only thing taken from package daemon is
// daemon.Run, for `impress daemon run`.
//
// Every command has one shape (command.go): an xOptions struct embedding
// baseOptions (the streams, a lazily connected daemon client, --json) plus
// its flags and arguments; newXCmd(f, runF), which declares the flags and
// checks them before anything runs; and runX(ctx, o), which reaches the
// daemon only through o.Client, so tests run it against a fake daemon or
// hand newXCmd a runF to see what it parsed. (The daemon commands, version
// and config set/unset dial the socket from o.Paths instead: they must
// never start a daemon.) Output rules: human output on
// a TTY, exactly one JSON document on stdout with --json, progress on
// stderr, no prompts without a TTY or with CI set.
//
// Exit codes live in errors.go only: the daemon answers wire codes
// (api.Code) and one table there turns them into exit codes; a batch
// reports its worst item by the explicit severity order there.
package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/spf13/cobra"
	"os"
	"os/signal"
	"syscall"
)

// Main runs the CLI and returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := NewFactory()
	root := NewRootCmd(f)
	err := root.ExecuteContext(ctx)
	interrupted := ctx.Err() != nil
	code := exitCode(err, interrupted)
	if err != nil {
		var s errSilent
		if !errors.As(err, &s) && err.Error() != "" {
			if interrupted && code == ExitInterrupted {
				fmt.Fprintln(f.IO.ErrOut, "impress: interrupted")
			} else {
				fmt.Fprintln(f.IO.ErrOut, errorLine(err))
			}
		}
		var fe *FlagError
		if errors.As(err, &fe) {
			fmt.Fprintln(f.IO.ErrOut, "Run `impress --help` for usage.")
		}
	}
	return code
}

// NewRootCmd builds the whole command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "impress",
		Short: "Cut, render and publish Instagram videos from the terminal, exactly once",
		Long: `impress cuts short vertical videos, renders them to Instagram's specs with
ffmpeg, publishes Reels, Stories, images and carousels exactly once, answers
comments and DMs, and keeps the retention and deletion promises of its
privacy policy. The CLI talks to a local daemon that it starts when needed.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	pf := root.PersistentFlags()
	pf.StringVar(&f.configFile, "config", "", "config file (default $XDG_CONFIG_HOME/impress/config.yaml; env IMPRESS_CONFIG)")
	pf.StringVar(&f.socket, "socket", "", "daemon socket (env IMPRESS_SOCKET)")
	pf.BoolVar(&f.noAutostart, "no-autostart", false, "never start the daemon (env IMPRESS_NO_AUTOSTART=1)")
	f.flags = pf
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &FlagError{err: err}
	})
	root.SetVersionTemplate("impress {{.Version}}\n")

	root.AddCommand(
		newDaemonCmd(f),
		newConfigCmd(f),
		newAccountCmd(f),
		newDoctorCmd(f, nil),
		newVersionCmd(f, nil),
		newJobsCmd(f),
	)
	addFeatureCommands(f, root)
	return root
}

// noArgs is cobra.NoArgs with a FlagError, so that stray arguments exit 2.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return flagErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return flagErrorf("%s needs %d argument(s), got %d; see `%s --help`", cmd.CommandPath(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}
