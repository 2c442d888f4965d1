package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/version"
	"github.com/spf13/pflag"
)

// Factory holds what commands share: streams, version, resolved paths and
// settings, and a lazily connected daemon client. It stays small on
// purpose (gh's factory, its model, grew into a service locator).
type Factory struct {
	IO      *IOStreams
	Version string
	Env     config.Getenv

	// Set by the root command's persistent flags.
	configFile  string
	socket      string
	noAutostart bool
	flags       *pflag.FlagSet

	once     sync.Once
	paths    config.Paths
	pathsErr error

	clientOnce sync.Once
	client     *api.Client
	clientErr  error
	warnOnce   sync.Once
	// reviveMu makes the items of a batch that all lost the daemon start
	// one, not one each.
	reviveMu sync.Mutex
}

// NewFactory returns a Factory for the real process.
func NewFactory() *Factory {
	return &Factory{IO: System(), Version: version.String(), Env: os.Getenv}
}

// Paths resolves paths once, applying --config and --socket.
func (f *Factory) Paths() (config.Paths, error) {
	f.once.Do(func() {
		f.paths, f.pathsErr = config.ResolvePaths(f.Env)
		if f.pathsErr != nil {
			return
		}
		if f.configFile != "" {
			abs, err := filepath.Abs(f.configFile)
			if err != nil {
				f.pathsErr = err
				return
			}
			f.paths.ConfigFile = abs
		}
		if f.socket != "" {
			abs, err := filepath.Abs(f.socket)
			if err != nil {
				f.pathsErr = err
				return
			}
			f.paths.Socket = config.ShortSocket(abs)
		}
	})
	return f.paths, f.pathsErr
}

// Settings loads the configuration (file, env, flags).
func (f *Factory) Settings() (*config.Settings, error) {
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	explicit := f.configFile != "" || f.Env("IMPRESS_CONFIG") != ""
	s, err := config.Load(config.LoadOptions{File: p.ConfigFile, Explicit: explicit, Flags: f.flags, Env: f.Env})
	if err != nil {
		// A missing --config file and a malformed one are both usage errors.
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return s, nil
}

func (f *Factory) autostartDisabled() bool {
	return f.noAutostart || f.Env("IMPRESS_NO_AUTOSTART") == "1" || f.Env("IMPRESS_NO_AUTOSTART") == "true"
}

// Client returns a client for a running daemon, starting one when the
// socket is absent (unless auto-start is off). It warns once, on stderr,
// when the daemon's version differs from the CLI's.
func (f *Factory) Client(ctx context.Context) (*api.Client, error) {
	f.clientOnce.Do(func() {
		f.client, f.clientErr = f.connect(ctx)
	})
	return f.client, f.clientErr
}

func (f *Factory) connect(ctx context.Context) (*api.Client, error) {
	// A bad config file must fail here with its own message, not later as
	// a daemon that refuses to start.
	p, err := pathsWithSettings(f.Paths, f.Settings)
	if err != nil {
		return nil, err
	}
	c := api.NewClient(p.Socket)
	ping, err := pingRunning(ctx, c)
	if errors.Is(err, api.ErrDaemonNotRunning) {
		if f.autostartDisabled() {
			return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("the impress daemon is not running (socket %s) and auto-start is off; start it with `impress daemon start`", p.Socket)}
		}
		ping, err = f.startDaemon(ctx, c, p)
	}
	if err != nil {
		if e, ok := api.AsError(err); ok {
			return nil, e
		}
		return nil, fmt.Errorf("connect to the impress daemon at %s: %w", p.Socket, err)
	}
	f.warnVersion(ping)
	return c, nil
}

// revive brings the daemon back after it went away under a running
// command: nothing when it answers, else a start (unless auto-start is
// off, which is then the error). One at a time: concurrent callers find
// the daemon the first one started.
func (f *Factory) revive(ctx context.Context) error {
	f.reviveMu.Lock()
	defer f.reviveMu.Unlock()
	p, err := pathsWithSettings(f.Paths, f.Settings)
	if err != nil {
		return err
	}
	c := api.NewClient(p.Socket)
	_, err = pingRunning(ctx, c)
	if err == nil || !errors.Is(err, api.ErrDaemonNotRunning) {
		return err
	}
	if f.autostartDisabled() {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("the impress daemon stopped (socket %s) and auto-start is off; start it with `impress daemon start`", p.Socket)}
	}
	_, err = f.startDaemon(ctx, c, p)
	return err
}

// stateStopping is the ping state of a daemon that is stopping: it parks
// its jobs and closes its store, then its socket goes quiet.
const stateStopping = "stopping"

// pingRunning pings the daemon (3 s at most). One that is stopping is
// waited for rather than sent work it would refuse: the answer is then
// api.ErrDaemonNotRunning once it is gone (the caller starts the next
// one), or the ping of a daemon that started meanwhile.
func pingRunning(ctx context.Context, c *api.Client) (*api.Ping, error) {
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	ping, err := c.Ping(pctx)
	cancel()
	if err != nil || ping.State != stateStopping {
		return ping, err
	}
	if err := awaitStopped(ctx, c); err != nil {
		return nil, err
	}
	return c.Ping(ctx)
}

// awaitStopped waits until a stopping daemon's socket goes quiet (its
// store's lock is free then) and returns api.ErrDaemonNotRunning, or the
// error of a daemon that does not stop within 20 s.
func awaitStopped(ctx context.Context, c *api.Client) error {
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		ping, err := c.Ping(wctx)
		switch {
		case errors.Is(err, api.ErrDaemonNotRunning):
			return err
		case err == nil && ping.State != stateStopping:
			return nil // it runs (another one already started)
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &ExitError{Code: ExitFailure, Err: errors.New("the impress daemon has been stopping for 20 s; check `impress daemon status` or the daemon log")}
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (f *Factory) warnVersion(p *api.Ping) {
	f.warnOnce.Do(func() {
		if p != nil && p.Version != f.Version {
			fmt.Fprintf(f.IO.ErrOut, "warning: impress %s talks to daemon %s; restart it with `impress daemon stop` (the next command starts the new one)\n", f.Version, p.Version)
		}
	})
}

// startDaemon spawns `impress daemon run` detached from this process (its
// own session, so a Ctrl-C in this terminal does not reach it), hands it our
// environment, and polls the socket until it answers or a deadline passes.
// It prints nothing on success.
func (f *Factory) startDaemon(ctx context.Context, c *api.Client, p config.Paths) (*api.Ping, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("auto-start: find impress binary: %w; start the daemon with `impress daemon start`", err)
	}
	args := []string{"daemon", "run"}
	if f.configFile != "" {
		args = append(args, "--config", f.configFile)
	}
	if f.socket != "" {
		args = append(args, "--socket", f.socket)
	}
	if err := os.MkdirAll(p.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("auto-start: create %s: %w", p.StateDir, err)
	}
	outPath := filepath.Join(p.StateDir, "daemon.out")
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auto-start: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(exe, args...)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("auto-start: run %s daemon run: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case err := <-exited:
			// It may have lost a race with another daemon that is now
			// up; that one serves us just as well.
			if ping, perr := c.Ping(ctx); perr == nil {
				return ping, nil
			}
			tail, _ := os.ReadFile(outPath)
			return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("the impress daemon did not start (%v): %s; see %s", err, strings.TrimSpace(lastLines(string(tail), 5)), outPath)}
		case <-deadline.C:
			return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("the impress daemon did not answer on %s within 15 s; see %s and %s", p.Socket, outPath, p.LogFile())}
		case <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			ping, err := c.Ping(pctx)
			cancel()
			if err == nil {
				return ping, nil
			}
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
