package daemon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/store"
)

// testPaths returns paths under a short temp dir (see daemontest.ShortDir).
func testPaths(t testing.TB) config.Paths {
	t.Helper()
	return daemontest.HomePaths(daemontest.ShortDir(t, "impd"))
}

func loader(p config.Paths) func() (*config.Settings, error) {
	return func() (*config.Settings, error) {
		return config.Load(config.LoadOptions{File: p.ConfigFile, Env: func(string) string { return "" }})
	}
}

// startDaemon runs the daemon in this process and waits until it answers.
func startDaemon(t *testing.T, p config.Paths) (*api.Client, context.CancelFunc, <-chan error) {
	t.Helper()
	return startDaemonWith(t, Config{Paths: p, Load: loader(p), Version: "test-1", Stderr: &bytes.Buffer{}})
}

// ffmpegDaemon is a started daemon, and its paths, for a test that needs
// ffmpeg.
func ffmpegDaemon(t *testing.T) (*api.Client, config.Paths) {
	t.Helper()
	ffmpegtest.Require(t)
	p := testPaths(t)
	c, _, _ := startDaemon(t, p)
	return c, p
}

// startDaemonWith is startDaemon with the whole Config.
func startDaemonWith(t testing.TB, cfg Config) (*api.Client, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		done <- Run(ctx, cfg)
		close(exited)
	}()
	c := api.NewClient(cfg.Paths.Socket)
	exitedEarly := func() error {
		select {
		case err := <-done:
			return fmt.Errorf("daemon exited early: %v", err)
		default:
			return nil
		}
	}
	if err := awaitDaemon(t, c, 10*time.Second, exitedEarly); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop within 15 s")
		}
	})
	return c, cancel, done
}

func TestAPIRoundTrip(t *testing.T) {
	p := testPaths(t)
	c, _, _ := startDaemon(t, p)
	ping, err := c.Ping(t.Context())
	if err != nil || ping.Version != "test-1" || ping.State != "ok" {
		t.Fatalf("Ping = %+v, %v", ping, err)
	}
	email := "me@example.com"
	a, err := c.UpdateAccount(t.Context(), api.AccountUpdate{Email: &email})
	if err != nil || a.Email != email {
		t.Fatalf("UpdateAccount = %+v, %v", a, err)
	}
	a, err = c.Account(t.Context())
	if err != nil || a.Email != email {
		t.Fatalf("Account = %+v, %v", a, err)
	}
	_, err = c.Job(t.Context(), "42")
	if !api.IsNotFound(err) {
		t.Fatalf("Job(42) = %v, want not_found", err)
	}
	if e, _ := api.AsError(err); e.Code != api.CodeNotFound || e.Status != http.StatusNotFound {
		t.Errorf("not_found error = %+v", e)
	}
	// Unknown endpoint: typed error, not a bare 404 page.
	err = c.Do(t.Context(), "GET", "/v1/nope", nil, nil)
	if !api.IsNotFound(err) {
		t.Errorf("GET /v1/nope = %v, want not_found", err)
	}
	// Unknown fields are refused rather than silently ignored.
	err = c.Do(t.Context(), "PATCH", "/v1/account", map[string]string{"emial": "x"}, nil)
	if !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("PATCH with unknown field = %v, want invalid_input", err)
	}
	// Files are private.
	for _, f := range []string{p.DBFile(), p.LogFile(), p.Socket} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %o, want no group/other bits", f, fi.Mode().Perm())
		}
	}
}

// rawRequest sends a hand-made request over the socket.
func rawRequest(t *testing.T, socket, req string) string {
	t.Helper()
	conn, err := net.Dial("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, req)
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return line
}

func TestHardeningRefusesBrowsersAndForeignHosts(t *testing.T) {
	p := testPaths(t)
	startDaemon(t, p)
	for _, tc := range []struct {
		name, req, want string
	}{
		{"good", "GET /v1/ping HTTP/1.1\r\nHost: impress.sock\r\nConnection: close\r\n\r\n", "200"},
		{"foreign host", "GET /v1/ping HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", "403"},
		{"rebinding localhost", "GET /v1/ping HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n", "403"},
		{"origin", "GET /v1/ping HTTP/1.1\r\nHost: impress.sock\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n", "403"},
		{"referer", "GET /v1/account HTTP/1.1\r\nHost: impress.sock\r\nReferer: https://evil.example/\r\nConnection: close\r\n\r\n", "403"},
		{"null origin", "POST /v1/shutdown HTTP/1.1\r\nHost: impress.sock\r\nOrigin: null\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "403"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rawRequest(t, p.Socket, tc.req)
			if !strings.Contains(got, " "+tc.want+" ") {
				t.Errorf("status line %q, want %s", strings.TrimSpace(got), tc.want)
			}
		})
	}
	// The refused shutdown did not stop the daemon.
	if _, err := api.NewClient(p.Socket).Ping(t.Context()); err != nil {
		t.Fatalf("daemon gone after refused shutdown: %v", err)
	}
}

func TestSecondDaemonRefused(t *testing.T) {
	p := testPaths(t)
	startDaemon(t, p)
	err := Run(t.Context(), Config{Paths: p, Load: loader(p), Version: "test-2", Stderr: &bytes.Buffer{}})
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Run = %v, want ErrAlreadyRunning", err)
	}
	// Same when the socket is somewhere else but the store is shared.
	p2 := p
	p2.Socket = filepath.Join(p.Home, "run", "other.sock")
	err = Run(t.Context(), Config{Paths: p2, Load: loader(p2), Version: "test-2", Stderr: &bytes.Buffer{}})
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Run on another socket = %v, want ErrAlreadyRunning", err)
	}
}

func TestShutdownLeavesConsistentStore(t *testing.T) {
	p := testPaths(t)
	c, cancel, done := startDaemon(t, p)
	for i := range 20 {
		s := fmt.Sprintf("c%d@example.com", i)
		if _, err := c.UpdateAccount(t.Context(), api.AccountUpdate{Email: &s}); err != nil {
			t.Fatal(err)
		}
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel = %v", err)
	}
	if _, err := os.Stat(p.Socket); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
	db, err := store.Open(p.DBFile(), store.Options{})
	if err != nil {
		t.Fatalf("store after shutdown: %v", err)
	}
	defer db.Close()
	a, _ := db.Account()
	if a.Email != "c19@example.com" {
		t.Errorf("last write lost: %+v", a)
	}
}

// TestSIGTERMShutdown runs the real binary path: a child process running
// the daemon gets SIGTERM and must exit cleanly with the store closed.
func TestSIGTERMShutdown(t *testing.T) {
	if os.Getenv("IMPRESS_DAEMON_CHILD") != "" {
		t.Skip("child")
	}
	p := testPaths(t)
	c := api.NewClient(p.Socket)
	cmd, out := startChild(t, c, append(os.Environ(), "IMPRESS_DAEMON_CHILD="+p.Home), "-test.run=^TestDaemonChild$")
	s := "term@example.com"
	if _, err := c.UpdateAccount(t.Context(), api.AccountUpdate{Email: &s}); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, out.String())
	}
	db, err := store.Open(p.DBFile(), store.Options{})
	if err != nil {
		t.Fatalf("store after SIGTERM: %v", err)
	}
	defer db.Close()
	if a, _ := db.Account(); a.Email != s {
		t.Errorf("write lost across SIGTERM: %+v", a)
	}
	log := testkit.ReadFile(t, p.LogFile())
	if !bytes.Contains(log, []byte("daemon stopped")) {
		t.Errorf("log has no clean stop:\n%s", log)
	}
}

// TestDaemonChild is the child of TestSIGTERMShutdown.
func TestDaemonChild(t *testing.T) {
	runChild(t, "IMPRESS_DAEMON_CHILD", func(string) string { return "" })
}

// runChild is the daemon of a test that signals or kills one: run again
// as the child of that test, this test binary serves the home named by
// the environment variable key, with settings from env, until a signal
// ends it. A normal run skips it.
func runChild(t *testing.T, key string, env config.Getenv) {
	p := daemontest.HomePaths(daemontest.ChildHome(t, key))
	ctx, stop := signalContext()
	defer stop()
	load := func() (*config.Settings, error) {
		return config.Load(config.LoadOptions{File: p.ConfigFile, Env: env})
	}
	if err := Run(ctx, Config{Paths: p, Load: load, Version: "child"}); err != nil {
		t.Fatal(err)
	}
}

// startChild runs this test binary again with args (a -test.run of a child
// test) and env, and waits until the daemon it starts answers c. out has
// what the child printed.
func startChild(t *testing.T, c *api.Client, env []string, args ...string) (cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command(os.Args[0], args...)
	cmd.Env = env
	out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := awaitDaemon(t, c, 20*time.Second, nil); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child daemon did not start: %v: %s", err, out.String())
	}
	return cmd, out
}

// awaitDaemon polls c until its daemon answers, for wait at most. gone
// (nil: never) is asked after each miss whether the daemon has ended, so
// will never answer; its error is returned at once.
func awaitDaemon(t testing.TB, c *api.Client, wait time.Duration, gone func() error) error {
	deadline := time.Now().Add(wait)
	for {
		if _, err := c.Ping(t.Context()); err == nil {
			return nil
		}
		if gone != nil {
			if err := gone(); err != nil {
				return err
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the daemon did not answer within %v", wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCorruptStoreServesRecoveryState(t *testing.T) {
	p := testPaths(t)
	testkit.MkdirAll(t, p.DataDir)
	garbage := bytes.Repeat([]byte("corrupt!"), 8192)
	testkit.WriteFile(t, p.DBFile(), garbage)
	c, _, _ := startDaemon(t, p)
	ping, err := c.Ping(t.Context())
	if err != nil || ping.State != "recovery" {
		t.Fatalf("Ping = %+v, %v; want state recovery", ping, err)
	}
	_, err = c.Account(t.Context())
	if !api.HasCode(err, api.CodeRecovery) {
		t.Errorf("Account in recovery = %v, want store_recovery", err)
	}
	h, err := c.Health(t.Context())
	if err != nil || h.Store.Status != "FAIL" || !strings.Contains(h.Store.Fix, "impress daemon stop") {
		t.Errorf("Health = %+v, %v", h, err)
	}
	if data, _ := os.ReadFile(p.DBFile()); !bytes.Equal(data, garbage) {
		t.Error("the corrupt file was modified; it must be kept for recovery")
	}
}

func TestUnwritableDataDir(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root can write anywhere")
	}
	p := testPaths(t)
	testkit.MkdirAll(t, p.DataDir)
	err := Run(t.Context(), Config{Paths: p, Load: loader(p), Version: "x", Stderr: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("Run with read-only data dir = %v", err)
	}
}

func TestSocketDirOwnedBySomeoneElse(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown")
	}
	p := testPaths(t)
	dir := filepath.Dir(p.Socket)
	testkit.MkdirAll(t, dir)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Skip(err)
	}
	err := Run(t.Context(), Config{Paths: p, Load: loader(p), Version: "x", Stderr: &bytes.Buffer{}})
	if !errors.Is(err, config.ErrUnsafeDir) || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Fatalf("Run with foreign socket dir = %v", err)
	}
}
