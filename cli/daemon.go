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
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run or control the local daemon",
		Long: `The daemon is the only process that opens the store, runs ffmpeg and talks
to Meta. Other commands start it on demand; use these to run it under a
service manager or to control it by hand.`,
	}
	cmd.AddCommand(newDaemonRunCmd(f), newDaemonStartCmd(f), newDaemonStopCmd(f), newDaemonStatusCmd(f))
	return cmd
}

// pathsWithSettings returns the paths once the settings load too, so a bad
// config fails here rather than in a daemon that was run or started with it.
func pathsWithSettings(f *Factory) (config.Paths, error) {
	p, err := f.Paths()
	if err != nil {
		return config.Paths{}, err
	}
	if _, err := f.Settings(); err != nil {
		return config.Paths{}, err
	}
	return p, nil
}

func newDaemonRunCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon in the foreground (systemd, containers, tests)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pathsWithSettings(f)
			if err != nil {
				return err
			}
			err = daemon.Run(cmd.Context(), daemon.Config{
				Paths:   p,
				Load:    f.Settings,
				Version: f.Version,
				Stderr:  f.IO.ErrOut,
			})
			if errors.Is(err, daemon.ErrAlreadyRunning) {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			return err
		},
	}
}

func newDaemonStartCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the daemon in the background (no-op when it runs)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pathsWithSettings(f)
			if err != nil {
				return err
			}
			c := api.NewClient(p.Socket)
			ping, err := c.Ping(cmd.Context())
			already := err == nil
			if !already {
				if ping, err = f.startDaemon(cmd.Context(), c, p); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(f.IO.Out, map[string]any{"running": true, "already_running": already, "pid": ping.PID, "version": ping.Version, "socket": ping.Socket})
			}
			if already {
				fmt.Fprintf(f.IO.Out, "daemon already running (pid %d, %s)\n", ping.PID, ping.Socket)
			} else {
				fmt.Fprintf(f.IO.Out, "daemon started (pid %d, %s)\n", ping.PID, ping.Socket)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func newDaemonStopCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop the daemon gracefully (running jobs are parked and resume at next start)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Paths()
			if err != nil {
				return err
			}
			c := api.NewClient(p.Socket)
			ping, err := c.Ping(cmd.Context())
			if errors.Is(err, api.ErrDaemonNotRunning) {
				if asJSON {
					return writeJSON(f.IO.Out, map[string]any{"stopped": false, "was_running": false})
				}
				fmt.Fprintln(f.IO.Out, "daemon not running")
				return nil
			}
			if err != nil {
				return err
			}
			if err := c.Shutdown(cmd.Context()); err != nil {
				return err
			}
			// Wait until the socket stops answering, so a following
			// `daemon start` does not race the old process.
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			for {
				if _, err := c.Ping(ctx); errors.Is(err, api.ErrDaemonNotRunning) {
					break
				}
				select {
				case <-ctx.Done():
					return exitf(ExitFailure, "daemon (pid %d) did not stop within 20 s; check `impress daemon status` or kill it", ping.PID)
				case <-time.After(50 * time.Millisecond):
				}
			}
			if asJSON {
				return writeJSON(f.IO.Out, map[string]any{"stopped": true, "was_running": true, "pid": ping.PID})
			}
			fmt.Fprintf(f.IO.Out, "daemon stopped (pid %d)\n", ping.PID)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
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

func newDaemonStatusCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the daemon runs, its version, paths and state",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := f.Paths()
			if err != nil {
				return err
			}
			st := daemonStatus{Socket: p.Socket, DataDir: p.DataDir, StateDir: p.StateDir, LogFile: p.LogFile()}
			ping, err := api.NewClient(p.Socket).Ping(cmd.Context())
			if err == nil {
				st.Running, st.PID, st.Version, st.State = true, ping.PID, ping.Version, ping.State
				st.Started = ping.StartedAt.UTC().Format(time.RFC3339)
			} else if !errors.Is(err, api.ErrDaemonNotRunning) {
				return err
			}
			if asJSON {
				if err := writeJSON(f.IO.Out, st); err != nil {
					return err
				}
			} else {
				printDaemonStatus(f, st, p)
			}
			if !st.Running {
				return errSilent{code: ExitFailure}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func printDaemonStatus(f *Factory, st daemonStatus, p config.Paths) {
	sty := style{on: f.IO.ColorEnabled()}
	if st.Running {
		fmt.Fprintf(f.IO.Out, "%s  pid %d, version %s, state %s, since %s\n", sty.green("running"), st.PID, st.Version, st.State, st.Started)
	} else {
		fmt.Fprintf(f.IO.Out, "%s  start it with `impress daemon start`\n", sty.yellow("not running"))
	}
	rows := [][]string{{"socket", st.Socket}, {"data", st.DataDir}, {"state", st.StateDir}, {"log", st.LogFile}, {"config", p.ConfigFile}}
	table(f.IO.Out, nil, rows)
}
