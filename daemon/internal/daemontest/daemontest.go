// Package daemontest holds what the daemon's feature tests share: a fake
// clock, a log buffer, settings that reload, and the local API served on a
// unix socket. It is a test helper: only _test.go files may import it
// (internal/archtest checks), so it never reaches the binary.
package daemontest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/logx"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// FakeClock is shared by the daemon and the sandbox so that token ages
// agree on both sides (testkit.Clock).
type FakeClock = testkit.Clock

// NewClock is a clock stopped at t.
func NewClock(t time.Time) *FakeClock { return testkit.NewClock(t) }

// SyncBuffer is the daemon log of a test, scanned for secrets.
type SyncBuffer = testkit.SyncBuffer

// ShortDir is a new temp dir, removed when the test ends, with a short
// name: a unix socket path in it must stay under 104 bytes, and
// t.TempDir() names can be long.
func ShortDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// ChildHome is the home a crash test gave this test binary, run again as
// its child, in the environment variable key; without it (a normal run)
// the child test is skipped.
func ChildHome(t testing.TB, key string) string {
	t.Helper()
	home := os.Getenv(key)
	if home == "" {
		t.Skip("only runs as the child of a crash test, with " + key + " set")
	}
	return home
}

// HomePaths are a daemon's paths with everything under home, laid out as
// IMPRESS_HOME lays them out but with a short socket name, so that a
// ShortDir home keeps the socket path within the limit.
func HomePaths(home string) config.Paths {
	return config.Paths{Home: home, ConfigFile: filepath.Join(home, "config.yaml"), DataDir: filepath.Join(home, "data"),
		StateDir: filepath.Join(home, "state"), Socket: filepath.Join(home, "run", "d.sock")}
}

// ServeUnix serves h on a unix socket in a ShortDir until the test ends,
// and returns a client of it.
func ServeUnix(t testing.TB, h http.Handler) *api.Client {
	t.Helper()
	sock := filepath.Join(ShortDir(t, "id"), "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return api.NewClient(sock)
}

// Handler is the local API of the features whose routes are given, with
// the job routes, as the daemon's root mounts them (without its hardening,
// which the root's own tests cover).
func Handler(d *feature.Deps, routes ...func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	d.Jobs.Routes(mux, d.NeedStore)
	for _, r := range routes {
		r(mux)
	}
	return mux
}

// FreePort is a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Settings are a test daemon's settings, read from a config file and a
// map standing for the environment; Set changes one as `impress config
// set` and a reload would.
type Settings struct {
	t    testing.TB
	file string
	mu   sync.Mutex
	vars map[string]string
	cur  *config.Settings
}

// NewSettings loads the settings of file (which need not exist) and vars.
func NewSettings(t testing.TB, file string, vars map[string]string) *Settings {
	s := &Settings{t: t, file: file, vars: vars}
	s.cur = s.load()
	return s
}

func (s *Settings) load() *config.Settings {
	s.mu.Lock()
	vars := make(map[string]string, len(s.vars))
	for k, v := range s.vars {
		vars[k] = v
	}
	s.mu.Unlock()
	st, err := config.Load(config.LoadOptions{File: s.file, Env: func(k string) string { return vars[k] }})
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// Get returns the current settings (feature.Deps.SettingsFn).
func (s *Settings) Get() *config.Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Var returns an environment variable of the settings.
func (s *Settings) Var(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.vars[k]
}

// Set changes an environment variable and reloads.
func (s *Settings) Set(k, v string) {
	s.mu.Lock()
	s.vars[k] = v
	s.mu.Unlock()
	st := s.load()
	s.mu.Lock()
	s.cur = st
	s.mu.Unlock()
}

// SignRequest builds a signed_request the way Meta does.
func SignRequest(t testing.TB, payload any, secret string) string {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return SignRaw(string(b), secret)
}

// SignRaw signs a raw payload as Meta does.
func SignRaw(payload, secret string) string {
	enc := base64.RawURLEncoding.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(enc))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) + "." + enc
}

// CommentPayload is a webhook delivery of one comment on media of account
// (the form Meta sends for the comments field), text inserted as is.
func CommentPayload(account, fromID, fromUser, media, id, text string, at int64) []byte {
	return fmt.Appendf(nil, `{"object":"instagram","entry":[{"id":%q,"time":%d,"changes":[{"field":"comments","value":`+
		`{"from":{"id":%q,"username":%q},"media":{"id":%q,"media_product_type":"REELS"},"id":%q,"text":"%s"}}]}]}`,
		account, at, fromID, fromUser, media, id, text)
}

// WaitFor polls cond until it holds, failing the test after within.
func WaitFor(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// CodeOf is err's wire code: "" for nil, and internal for an error that is
// not a wire error (a client treats the two alike).
func CodeOf(err error) api.Code {
	if e, ok := api.AsError(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return api.CodeInternal
}

// Deps is feature.Deps as the daemon's root builds it, for a test: the
// store db, the data and state directories under dir, the log written to
// log at debug level through red, the settings st, the clock now (nil:
// time.Now) and a job runner.
func Deps(dir string, db *store.DB, red *redact.Redactor, log io.Writer, st *Settings, now func() time.Time) feature.Deps {
	d := feature.Deps{Paths: config.Paths{DataDir: filepath.Join(dir, "data"), StateDir: filepath.Join(dir, "state")},
		DB: db, Red: red, Log: logx.NewLogger(log, red, slog.LevelDebug), SettingsFn: st.Get, Clock: now}
	d.Jobs = d.NewJobs()
	return d
}

// Login stores a token the sandbox mints for req through the local API, as
// `impress auth login --with-token` does; login names the connection (and
// account, flavour) and gets the token.
func Login(t testing.TB, sb *sandbox.Server, c *api.Client, req sandbox.TokenRequest, login api.TokenLogin) (string, *api.AuthConnection) {
	t.Helper()
	tok, err := sb.IssueToken(req)
	if err != nil {
		t.Fatal(err)
	}
	login.Token = tok
	ac, err := c.LoginWithToken(t.Context(), login)
	if err != nil {
		t.Fatalf("LoginWithToken: %v", err)
	}
	return tok, ac
}
