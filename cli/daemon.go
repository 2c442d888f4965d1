package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon"
	"github.com/impress-dev/impress/internal/config"
	"github.com/spf13/cobra"
)

func newDaemonCmd(f *Factory) *cobra.Command {
	return group(&cobra.Command{
		Use:   "daemon",
		Short: "Run or control the local daemon",
		Long: `The daemon is the only process that opens the store, runs ffmpeg and talks
to Meta. Other commands start it on demand; use these to run it under a
service manager or to control it by hand.`,
	}, newDaemonRunCmd(f, nil), newDaemonStartCmd(f, nil), newDaemonStopCmd(f, nil), newDaemonStatusCmd(f, nil))
}

// pathsWithSettings returns the paths once the settings load too, so a bad
// config fails here rather than in a daemon that was run or started with it.
func pathsWithSettings(paths func() (config.Paths, error), settings func() (*config.Settings, error)) (config.Paths, error) {
	p, err := paths()
	if err != nil {
		return config.Paths{}, err
	}
	if _, err := settings(); err != nil {
		return config.Paths{}, err
	}
	return p, nil
}

// daemonOptions are the inputs of the daemon commands. They reach the
// daemon on its socket themselves (never through an auto-starting client).
type daemonOptions struct {
	baseOptions
	Paths    func() (config.Paths, error)
	Settings func() (*config.Settings, error)
	Version  string
	// Start spawns a daemon in the background and waits until it answers.
	Start func(context.Context, *api.Client, config.Paths) (*api.Ping, error)
}

func (f *Factory) daemonOptions() *daemonOptions {
	return &daemonOptions{baseOptions: f.base(), Paths: f.Paths, Settings: f.Settings, Version: f.Version, Start: f.startDaemon}
}

func newDaemonRunCmd(f *Factory, runF func(context.Context, *daemonOptions) error) *cobra.Command {
	o := f.daemonOptions()
	cmd := &cobra.Command{Use: "run", Short: "Run the daemon in the foreground (systemd, containers, tests)", Args: noArgs}
	return runWith(cmd, o, "", runF, runDaemonRun, nil)
}

func runDaemonRun(ctx context.Context, o *daemonOptions) error {
	p, err := o.Paths()
	if err != nil {
		return err
	}
	st, err := o.Settings()
	if err != nil {
		return err
	}
	err = daemon.Run(ctx, daemon.Config{
		Paths:    p,
		Settings: st, // read once: Run does not load them again
		Load:     o.Settings,
		Version:  o.Version,
		Stderr:   o.IO.ErrOut,
	})
	if errors.Is(err, daemon.ErrAlreadyRunning) {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	return err
}

func newDaemonStartCmd(f *Factory, runF func(context.Context, *daemonOptions) error) *cobra.Command {
	o := f.daemonOptions()
	cmd := &cobra.Command{Use: "start", Short: "Start the daemon in the background (no-op when it runs)", Args: noArgs}
	return runWith(cmd, o, "print the result as JSON", runF, runDaemonStart, nil)
}

func runDaemonStart(ctx context.Context, o *daemonOptions) error {
	p, err := pathsWithSettings(o.Paths, o.Settings)
	if err != nil {
		return err
	}
	c := api.NewClient(p.Socket)
	ping, err := pingRunning(ctx, c) // a stopping daemon is waited for
	already := err == nil
	if !already {
		if ping, err = o.Start(ctx, c, p); err != nil {
			return err
		}
	}
	if o.JSON {
		return writeJSON(o.IO.Out, map[string]any{"running": true, "already_running": already, "pid": ping.PID, "version": ping.Version, "socket": ping.Socket})
	}
	if already {
		fmt.Fprintf(o.IO.Out, "daemon already running (pid %d, %s)\n", ping.PID, ping.Socket)
	} else {
		fmt.Fprintf(o.IO.Out, "daemon started (pid %d, %s)\n", ping.PID, ping.Socket)
	}
	return nil
}

func newDaemonStopCmd(f *Factory, runF func(context.Context, *daemonOptions) error) *cobra.Command {
	o := f.daemonOptions()
	cmd := &cobra.Command{Use: "stop", Short: "Stop the daemon gracefully (running jobs are parked and resume at next start)", Args: noArgs}
	return runWith(cmd, o, "print the result as JSON", runF, runDaemonStop, nil)
}

func runDaemonStop(ctx context.Context, o *daemonOptions) error {
	p, err := o.Paths()
	if err != nil {
		return err
	}
	c := api.NewClient(p.Socket)
	ping, err := c.Ping(ctx)
	if errors.Is(err, api.ErrDaemonNotRunning) {
		if o.JSON {
			return writeJSON(o.IO.Out, map[string]any{"stopped": false, "was_running": false})
		}
		fmt.Fprintln(o.IO.Out, "daemon not running")
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.Shutdown(ctx); err != nil {
		return err
	}
	// Wait until the socket stops answering, so a following
	// `daemon start` does not race the old process.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		if _, err := c.Ping(wctx); errors.Is(err, api.ErrDaemonNotRunning) {
			break
		}
		select {
		case <-wctx.Done():
			return exitf(ExitFailure, "daemon (pid %d) did not stop within 20 s; check `impress daemon status` or kill it", ping.PID)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if o.JSON {
		return writeJSON(o.IO.Out, map[string]any{"stopped": true, "was_running": true, "pid": ping.PID})
	}
	fmt.Fprintf(o.IO.Out, "daemon stopped (pid %d)\n", ping.PID)
	return nil
}

// daemonStatus is the --json shape of `daemon status`.
type daemonStatus struct {
	Running  bool   `json:"running"`
	PID      int    `json:"pid,omitempty"`
	Version  string `json:"version,omitempty"`
	State    string `json:"state,omitempty"`
	Started  string `json:"started_at,omitempty"`
	Socket   string `json:"socket"`
	DataDir  string `json:"data_dir"`
	StateDir string `json:"state_dir"`
	LogFile  string `json:"log_file"`
}

func newDaemonStatusCmd(f *Factory, runF func(context.Context, *daemonOptions) error) *cobra.Command {
	o := f.daemonOptions()
	cmd := &cobra.Command{Use: "status", Short: "Show whether the daemon runs, its version, paths and state", Args: noArgs}
	return runWith(cmd, o, "print the status as JSON", runF, runDaemonStatus, nil)
}

func runDaemonStatus(ctx context.Context, o *daemonOptions) error {
	p, err := o.Paths()
	if err != nil {
		return err
	}
	st := daemonStatus{Socket: p.Socket, DataDir: p.DataDir, StateDir: p.StateDir, LogFile: p.LogFile()}
	ping, err := api.NewClient(p.Socket).Ping(ctx)
	if err == nil {
		st.Running, st.PID, st.Version, st.State = true, ping.PID, ping.Version, ping.State
		st.Started = ping.StartedAt.UTC().Format(time.RFC3339)
	} else if !errors.Is(err, api.ErrDaemonNotRunning) {
		return err
	}
	if err := o.show(st, func() { printDaemonStatus(o.IO, st, p) }); err != nil {
		return err
	}
	if !st.Running {
		return errSilent{code: ExitFailure}
	}
	return nil
}

func printDaemonStatus(ios *IOStreams, st daemonStatus, p config.Paths) {
	sty := style{on: ios.ColorEnabled()}
	if st.Running {
		fmt.Fprintf(ios.Out, "%s  pid %d, version %s, state %s, since %s\n", sty.green("running"), st.PID, st.Version, st.State, st.Started)
	} else {
		fmt.Fprintf(ios.Out, "%s  start it with `impress daemon start`\n", sty.yellow("not running"))
	}
	rows := [][]string{{"socket", st.Socket}, {"data", st.DataDir}, {"state", st.StateDir}, {"log", st.LogFile}, {"config", p.ConfigFile}}
	table(ios.Out, nil, rows)
}
