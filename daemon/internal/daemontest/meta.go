package daemontest

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// FastRetry is the Graph clients' retry policy in tests: the real code
// paths, short waits.
var FastRetry = meta.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}

// MetaEnv is what a feature test that logs in needs: a sandbox on loopback
// on a fake clock (1 March 2026, 12:00 UTC) that accepts the daemon's login
// redirect, the settings that point the daemon at it, a store in a temp
// dir, and feature.Deps on them. The keyring is the key file, never the
// developer's.
type MetaEnv struct {
	SB       *sandbox.Server
	URL      string // the sandbox
	Clock    *FakeClock
	Log      *SyncBuffer
	Port     int // the login redirect port
	Settings *Settings
	DBPath   string
	Deps     feature.Deps
}

// NewMetaEnv builds it; edit, when given, changes the environment the
// settings are read from before they are.
func NewMetaEnv(t testing.TB, edit func(env map[string]string)) *MetaEnv {
	t.Helper()
	t.Setenv("IMPRESS_KEYRING", "file")
	e := &MetaEnv{Clock: NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)), Log: &SyncBuffer{}, Port: FreePort(t)}
	e.SB = sandbox.New(sandbox.Options{Seed: 7, Clock: e.Clock.Now, ProcessingTime: -1,
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/callback", e.Port)}})
	hs := httptest.NewServer(e.SB)
	t.Cleanup(func() { hs.Close(); e.SB.Close() })
	e.URL = hs.URL
	env := map[string]string{
		"IMPRESS_META_ENDPOINT":      hs.URL,
		"IMPRESS_META_APP_ID":        e.SB.AppID(),
		"IMPRESS_META_APP_SECRET":    e.SB.AppSecret(),
		"IMPRESS_META_REDIRECT_PORT": strconv.Itoa(e.Port),
	}
	if edit != nil {
		edit(env)
	}
	dir := t.TempDir()
	e.DBPath = filepath.Join(dir, "data", "impress.db")
	db, err := store.Open(e.DBPath, store.Options{Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.Settings = NewSettings(t, filepath.Join(dir, "none.yaml"), env)
	red := &redact.Redactor{}
	red.Add(e.Settings.Get().String(config.MetaAppSecret))
	e.Deps = Deps(dir, db, red, e.Log, e.Settings, e.Clock.Now)
	return e
}
