package community

import (
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/auth"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/meta/sandbox"
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
	m := daemontest.NewMetaEnv(t, nil)
	e := &authEnv{t: t, sb: m.SB, clock: m.Clock, log: m.Log, dbPath: m.DBPath, st: m.Settings}
	acc := auth.New(m.Deps, auth.Options{LoginTimeout: 20 * time.Second, Retry: daemontest.FastRetry})
	e.s = New(m.Deps, acc)
	e.c = daemontest.ServeUnix(t, daemontest.Handler(&m.Deps, acc.Routes, e.s.Routes))
	return e
}

// setEnv changes a setting as `impress config set` + reload would.
func (e *authEnv) setEnv(k, v string) { e.st.Set(k, v) }

// withToken stores a sandbox-minted token through the API.
func (e *authEnv) withToken(req sandbox.TokenRequest, conn, account string) (string, *api.AuthConnection) {
	e.t.Helper()
	return daemontest.Login(e.t, e.sb, e.c, req, api.TokenLogin{Connection: conn, Account: account})
}
