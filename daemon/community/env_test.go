package community

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/auth"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// authEnv is the community feature and the auth feature it uses, on a real
// store, their local API served on a unix socket, talking to a sandbox over
// loopback.
type authEnv struct {
	t      *testing.T
	s      *Service
	c      *api.Client
	sb     *sandbox.Server
	st     *daemontest.Settings
	clock  *daemontest.FakeClock
	log    *daemontest.SyncBuffer
	dbPath string
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	t.Setenv("IMPRESS_KEYRING", "file") // never the developer's real keyring
	clock := daemontest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	port := daemontest.FreePort(t)
	sb := sandbox.New(sandbox.Options{Seed: 7, Clock: clock.Now, ProcessingTime: -1,
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/callback", port)}})
	hs := httptest.NewServer(sb)
	t.Cleanup(func() { hs.Close(); sb.Close() })
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "impress.db")
	db, err := store.Open(dbPath, store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &authEnv{t: t, sb: sb, clock: clock, log: &daemontest.SyncBuffer{}, dbPath: dbPath, st: daemontest.NewSettings(t, filepath.Join(dir, "none.yaml"), map[string]string{
		"IMPRESS_META_ENDPOINT": hs.URL, "IMPRESS_META_APP_ID": sb.AppID(), "IMPRESS_META_APP_SECRET": sb.AppSecret(),
		"IMPRESS_META_REDIRECT_PORT": strconv.Itoa(port),
	})}
	red := &redact.Redactor{}
	red.Add(sb.AppSecret())
	d := feature.Deps{Paths: config.Paths{DataDir: filepath.Join(dir, "data"), StateDir: filepath.Join(dir, "state")},
		DB: db, Red: red, Log: logx.NewLogger(e.log, red, -4), SettingsFn: e.st.Get, Clock: clock.Now}
	d.Jobs = d.NewJobs()
	acc := auth.New(d, auth.Options{LoginTimeout: 20 * time.Second,
		Retry: meta.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}})
	e.s = New(d, acc)
	e.c = daemontest.ServeUnix(t, daemontest.Handler(&d, acc.Routes, e.s.Routes))
	return e
}

// setEnv changes a setting as `impress config set` + reload would.
func (e *authEnv) setEnv(k, v string) { e.st.Set(k, v) }

// withToken stores a sandbox-minted token through the API.
func (e *authEnv) withToken(req sandbox.TokenRequest, conn, account string) (string, *api.AuthConnection) {
	e.t.Helper()
	tok, err := e.sb.IssueToken(req)
	if err != nil {
		e.t.Fatal(err)
	}
	ac, err := e.c.LoginWithToken(e.t.Context(), api.TokenLogin{Connection: conn, Token: tok, Account: account})
	if err != nil {
		e.t.Fatalf("LoginWithToken: %v", err)
	}
	return tok, ac
}
