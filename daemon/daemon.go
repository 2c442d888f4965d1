// Package daemon is impress's local daemon: the only process that opens the
// store, runs ffmpeg, talks to Meta, and runs the render and publish queues.
//
// It serves the local API of package api on a unix socket in a private
// directory. The socket is hardened three ways, because each alone has
// failed elsewhere (docs/SECURITY.md §2): the directory is 0700, every
// connection's peer credentials must carry our uid, and any request with an
// Origin or Referer header or a Host other than [api.Host] gets 403 (DNS
// rebinding and browser CSRF cannot reach a unix socket today, but a future
// TCP listener or a proxy must not inherit an open door).
//
// # Features
//
// This package is the root: Run, the local API server with its core routes
// (ping, shutdown, reload, health, account), and the feature table
// (features.go) that wires the features in start order. Each feature is a
// package of its own (daemon/auth, daemon/projects, daemon/publish,
// daemon/community, daemon/privacy) built with feature.Deps; a feature
// never imports another, and uses one only through a seam of
// daemon/internal/feature. docs/ARCHITECTURE.md has the map.
//
// # Lock order
//
// Every mutex field says in its comment what may be held while it is
// taken. Most are leaves. The nestings, always in this direction:
//
//   - privacy's purge lock → the privacy state lock, the auth state lock,
//     the job runner's lock, the log file's lock, the store (a purge or a
//     sweep runs under it);
//   - an auth per-connection lock → the auth state lock (the master key);
//   - community's cache lock → the auth state lock (a data key);
//   - a public callback's replay lock (public.Replays) → an auth
//     per-connection lock (deauthorize), the auth state lock, the store;
//   - a publish per-file check lock → the check cache's lock;
//   - the job runner's lock → the settings lock.
//
// The settings lock, the log file's lock and the redactor's are innermost:
// taken under anything, nothing taken under them. No code holds two
// per-connection locks, and a call to Meta is made under a lock only by a
// token refresh (its connection's lock) and a purge's revoke (the purge
// lock), both bounded.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/store"
)

// Config is what [Run] needs. The CLI builds it from flags, environment and
// the config file.
type Config struct {
	Paths config.Paths
	// Load reads the settings; called on every reload so that `impress
	// config set` takes effect without a restart, and at start unless
	// Settings is set.
	Load func() (*config.Settings, error)
	// Settings are the settings the caller already loaded to start the
	// daemon (nil: Run calls Load), so that they are read once.
	Settings *config.Settings
	// Version is the daemon's version, reported by /v1/ping.
	Version string
	// Now is the clock (default time.Now). Tests move it forward.
	Now func() time.Time
	// Stderr receives the few lines printed in the foreground.
	Stderr io.Writer
	// ShutdownTimeout bounds graceful shutdown (default 10 s).
	ShutdownTimeout time.Duration
	// Pprof serves Go's profiler on the local socket (as IMPRESS_PPROF=1
	// does; pprof.go).
	Pprof bool
}

// ErrAlreadyRunning is returned when another daemon holds the store or
// answers on the socket.
var ErrAlreadyRunning = errors.New("another impress daemon is already running")

// Run runs the daemon until ctx is cancelled (SIGTERM/SIGINT in the CLI),
// then shuts down gracefully: stop accepting, cancel and park running jobs
// (their state is persisted, so the next start resumes them), close the
// store, remove the socket.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	// Everything the daemon creates is private to the user.
	syscall.Umask(0o077)

	settings := cfg.Settings
	if settings == nil {
		var err error
		if settings, err = cfg.Load(); err != nil {
			return err
		}
	}
	for _, dir := range []string{cfg.Paths.DataDir, cfg.Paths.StateDir} {
		if err := config.EnsurePrivateDir(dir); err != nil {
			return fmt.Errorf("daemon: %w; set IMPRESS_DATA_DIR/IMPRESS_STATE_DIR (or IMPRESS_HOME) to a directory you own", err)
		}
		if err := checkWritable(dir); err != nil {
			return err
		}
	}
	if err := config.EnsurePrivateDir(filepath.Dir(cfg.Paths.Socket)); err != nil {
		return fmt.Errorf("daemon: socket directory: %w", err)
	}

	red := &redact.Redactor{}
	addSecrets(red, settings)
	logFile, err := logx.OpenRotating(cfg.Paths.LogFile(), 10<<20, 5)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer logFile.Close()
	log := logx.NewLogger(logFile, red, slog.LevelInfo)

	// A daemon already answering on the socket is the clearest sign of a
	// second instance, and it is cheaper to detect than the store lock.
	if socketAlive(ctx, cfg.Paths.Socket) {
		return fmt.Errorf("daemon: %w (socket %s answers); stop it with `impress daemon stop`", ErrAlreadyRunning, cfg.Paths.Socket)
	}

	deps := feature.Deps{Log: log, LogFile: logFile, Red: red}
	db, err := store.Open(cfg.Paths.DBFile(), store.Options{LockTimeout: time.Second, Now: cfg.Now})
	switch {
	case err == nil:
		deps.DB = db
		defer db.Close()
	case errors.Is(err, store.ErrLocked):
		return fmt.Errorf("daemon: %w (the store %s is locked); stop it with `impress daemon stop`", ErrAlreadyRunning, cfg.Paths.DBFile())
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrTooNew):
		// Keep serving so `impress doctor` can explain; every data
		// endpoint answers store_recovery until the file is dealt with.
		deps.StoreErr = err
		log.Error("store failed its check; serving in recovery state", "err", err)
	default:
		return fmt.Errorf("daemon: %w", err)
	}
	s := newServer(cfg, settings, deps, serverOptions{})

	os.Remove(cfg.Paths.Socket) // stale: nobody answered above
	ln, err := net.Listen("unix", cfg.Paths.Socket)
	if err != nil {
		return fmt.Errorf("daemon: listen on %s: %w", cfg.Paths.Socket, err)
	}
	if err := os.Chmod(cfg.Paths.Socket, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("daemon: chmod socket: %w", err)
	}
	// The listener unlinks the socket when it is first closed: by the
	// server's Shutdown, before a client sees it gone, or here on an early
	// return. Never remove the path once Run ends: `impress daemon stop &&
	// impress daemon start` may have put the next daemon's socket there by
	// then, and removing it made that daemon unreachable.
	defer ln.Close()
	ln = &credListener{Listener: ln, uid: os.Getuid(), log: log}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return runCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	s.shutdown = cancelRun
	if s.DB != nil {
		if err := s.startServices(runCtx); err != nil {
			return err
		}
	}
	log.Info("daemon started", "version", cfg.Version, "pid", os.Getpid(), "socket", cfg.Paths.Socket, "state", s.state)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case <-runCtx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve failed", "err", err)
			return fmt.Errorf("daemon: serve: %w", err)
		}
	}
	log.Info("daemon stopping")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// The socket answers until the store is closed: `daemon stop` waits
	// for it to go quiet, and `daemon status` says "stopping" meanwhile,
	// so an immediate `daemon start` finds the store's lock free (it
	// used to be held ~10 s after the socket had stopped answering).
	// Meanwhile requests that would start work are refused (stopping),
	// and streams end as their jobs are parked (every handler's context,
	// derived from runCtx, is already done).
	s.stopping.Store(true)
	s.Jobs.ParkAll(shutCtx)
	s.stopServices(shutCtx)
	if s.DB != nil {
		s.storeClosed.Store(true)
		s.DB.Close()
	}
	// Waiting for Shutdown lets in-flight answers — such as the reply to
	// POST /v1/shutdown itself — reach their clients before Close.
	drain, cancelDrain := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancelDrain()
	srv.Shutdown(drain)
	srv.Close()
	log.Info("daemon stopped")
	return nil
}

// addSecrets registers the value of every secret key with the log
// redactor (at start, and again at each reload).
func addSecrets(red *redact.Redactor, st *config.Settings) {
	for _, k := range config.Keys {
		if v := st.Value(k); k.Secret && v != "" {
			red.Add(v)
		}
	}
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("daemon: %s is not writable: %w; fix its permissions or point IMPRESS_HOME elsewhere", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func socketAlive(ctx context.Context, socket string) bool {
	c := api.NewClient(socket)
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := c.Ping(ctx)
	return err == nil
}
