package daemon

import (
	"io"
	"sync/atomic"
	"testing"

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
	c, _, _ := startDaemonWith(t, Config{Paths: p, Settings: st, Load: load, Version: "t", Stderr: io.Discard})
	if n := loads.Load(); n != 0 {
		t.Errorf("Load ran %d times at start, want 0 (the settings were given)", n)
	}
	if _, err := c.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := loads.Load(); n != 1 {
		t.Errorf("Load ran %d times after a reload, want 1", n)
	}
}
