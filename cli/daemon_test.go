package cli

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon"
	"github.com/impress-dev/impress/internal/config"
)

// runTestDaemon runs a real daemon in this process on the paths getenv
// resolves, stops it when the test ends, and returns a client once the
// daemon answers on its socket.
func runTestDaemon(t *testing.T, getenv config.Getenv) *api.Client {
	t.Helper()
	paths, err := config.ResolvePaths(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Config{Paths: paths, Version: "test", Stderr: io.Discard,
			Load: func() (*config.Settings, error) {
				return config.Load(config.LoadOptions{File: paths.ConfigFile, Env: getenv})
			}})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	c := api.NewClient(paths.Socket)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.Ping(t.Context()); err == nil {
			return c
		}
		select {
		case err := <-done:
			t.Fatalf("daemon exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("daemon did not answer within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
