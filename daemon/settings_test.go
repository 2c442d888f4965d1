package daemon

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
)

// TestSettingsReadOnceAtStart: settings the caller loaded to start the
// daemon (`impress daemon run` does) are used as they are; Load runs again
// only for a reload.
func TestSettingsReadOnceAtStart(t *testing.T) {
	p := testPaths(t)
	st, err := loader(p)()
	if err != nil {
		t.Fatal(err)
	}
	var loads atomic.Int32
	load := func() (*config.Settings, error) {
		loads.Add(1)
		return loader(p)()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Paths: p, Settings: st, Load: load, Version: "t", Stderr: io.Discard}) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop within 15 s")
		}
	}()
	c := api.NewClient(p.Socket)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := c.Ping(t.Context()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("daemon did not answer within 10 s")
		}
	}
	if n := loads.Load(); n != 0 {
		t.Errorf("Load ran %d times at start, want 0 (the settings were given)", n)
	}
	if err := c.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := loads.Load(); n != 1 {
		t.Errorf("Load ran %d times after a reload, want 1", n)
	}
}
