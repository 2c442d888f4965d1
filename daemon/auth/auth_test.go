package auth

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// authEnv is the auth feature on a real store, its local API served on a
// unix socket, talking to a sandbox over loopback.
type authEnv struct {
	t      *testing.T
	s      *Service
	c      *api.Client
	sb     *sandbox.Server
	sbURL  string
	clock  *daemontest.FakeClock
	log    *daemontest.SyncBuffer
	port   int
	st     *daemontest.Settings
	dbPath string
}

type envOpts struct {
	secret   string // app secret the daemon uses (default: the sandbox's)
	endpoint string // meta.endpoint override (default: the sandbox)
	noApp    bool   // no meta.app_id / meta.app_secret
}

func newAuthEnv(t *testing.T, o envOpts) *authEnv {
	t.Helper()
	m := daemontest.NewMetaEnv(t, func(env map[string]string) {
		if o.secret != "" {
			env["IMPRESS_META_APP_SECRET"] = o.secret
		}
		if o.endpoint != "" {
			env["IMPRESS_META_ENDPOINT"] = o.endpoint
		}
		if o.noApp {
			delete(env, "IMPRESS_META_APP_ID")
			delete(env, "IMPRESS_META_APP_SECRET")
		}
	})
	e := &authEnv{t: t, sb: m.SB, sbURL: m.URL, clock: m.Clock, log: m.Log, port: m.Port, st: m.Settings, dbPath: m.DBPath}
	e.s = New(m.Deps, Options{LoginTimeout: 20 * time.Second, Retry: daemontest.FastRetry})
	e.c = daemontest.ServeUnix(t, daemontest.Handler(&m.Deps, e.s.Routes))
	return e
}

// setEnv changes a setting as `impress config set` + reload would.
func (e *authEnv) setEnv(k, v string) { e.st.Set(k, v) }

// withToken stores a sandbox-minted token through the API.
func (e *authEnv) withToken(req sandbox.TokenRequest, conn, account string) (string, *api.AuthConnection) {
	e.t.Helper()
	return daemontest.Login(e.t, e.sb, e.c, req, api.TokenLogin{Connection: conn, Account: account})
}

// assertNoSecret fails when any text contains one of the secrets.
func assertNoSecret(t *testing.T, where string, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leaks a secret (%.8s…): %s", where, s, text)
		}
	}
}

func TestAuthStatusEmpty(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	st, err := e.c.AuthStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Connections) != 0 || st.KeyStorage.Backend != "none" || !strings.Contains(st.KeyStorage.Note, "IMPRESS_KEYRING=file") {
		t.Errorf("status = %+v", st)
	}
	// No connection: every feature gets login_needed with the fix.
	_, _, err = e.s.MetaClient(t.Context(), "")
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeLoginNeeded || !strings.Contains(ae.Hint, "impress auth login") {
		t.Errorf("metaClient without connections: %v", err)
	}
	// Nothing was created by looking.
	if _, err := os.Stat(filepath.Join(e.s.Paths.DataDir, "master.key")); err == nil {
		t.Error("status created a master key")
	}
}

func TestWithTokenStatusAndTokensSealed(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	tok, ac := e.withToken(sandbox.TokenRequest{}, "", "")
	if ac.Connection != "default" || ac.Flavor != "instagram" || ac.AccountID != sandbox.IGCreatorID ||
		ac.Username != sandbox.IGCreatorUsername || ac.State != api.ConnOK || !ac.Default {
		t.Fatalf("connection = %+v", ac)
	}
	st, err := e.c.AuthStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.KeyStorage.Backend != "file" || st.KeyStorage.Location != filepath.Join(e.s.Paths.DataDir, "master.key") {
		t.Errorf("key storage = %+v", st.KeyStorage)
	}
	if fi, err := os.Stat(st.KeyStorage.Location); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
	if st.Default != "default" || len(st.Connections) != 1 || st.Connections[0].AccountType == "" {
		t.Errorf("status = %+v", st)
	}
	// Neither the token nor the username is in the store file in clear.
	raw := testkit.ReadFile(t, e.dbPath)
	if bytes.Contains(raw, []byte(tok)) || bytes.Contains(raw, []byte(sandbox.IGCreatorUsername)) {
		t.Error("the store file holds the token or the username in clear")
	}
	// The helper other features use works and its token is registered
	// with the redactor.
	cl, ci, err := e.s.MetaClient(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if ci.IGUserID != sandbox.IGCreatorID || ci.Username != sandbox.IGCreatorUsername {
		t.Errorf("feature.ConnInfo = %+v", ci)
	}
	me, err := cl.Me(t.Context())
	if err != nil || me.UserID != sandbox.IGCreatorID {
		t.Errorf("Me = %+v, %v", me, err)
	}
	if got := e.s.Red.String("x " + tok + " y"); strings.Contains(got, tok) {
		t.Error("token not registered with the redactor")
	}

	// Same account again: a re-login into the same connection.
	_, again := e.withToken(sandbox.TokenRequest{}, "", "")
	if again.Connection != "default" {
		t.Errorf("re-login went to %q", again.Connection)
	}
	// Another account needs its own name; the default one is not overwritten.
	tok2, _ := e.sb.IssueToken(sandbox.TokenRequest{Account: sandbox.IGSoloID})
	_, err = e.c.LoginWithToken(t.Context(), api.TokenLogin{Token: tok2})
	if !api.HasCode(err, api.CodeConflict) || !strings.Contains(err.Error(), "--connection") {
		t.Errorf("second account into default: %v", err)
	}
	_, err = e.c.LoginWithToken(t.Context(), api.TokenLogin{Token: tok2, Connection: "default"})
	if !api.HasCode(err, api.CodeConflict) {
		t.Errorf("explicit overwrite of another account: %v", err)
	}
	if _, err := e.c.LoginWithToken(t.Context(), api.TokenLogin{Token: tok2, Connection: "solo"}); err != nil {
		t.Fatal(err)
	}
	// Two connections, one named default: default still resolves.
	if _, ci, err := e.s.MetaClient(t.Context(), ""); err != nil || ci.Name != "default" {
		t.Errorf("default resolution: %v %v", ci, err)
	}
	if _, _, err := e.s.MetaClient(t.Context(), "nope"); !api.IsNotFound(err) {
		t.Errorf("unknown connection: %v", err)
	}
	assertNoSecret(t, "daemon log", e.log.String(), tok, tok2, e.sb.AppSecret())
}

func TestWithTokenErrors(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	for name, tc := range map[string]struct {
		req  api.TokenLogin
		code api.Code
	}{
		"empty":         {api.TokenLogin{Token: "  "}, api.CodeInvalid},
		"two tokens":    {api.TokenLogin{Token: "IGAAabc IGAAdef"}, api.CodeInvalid},
		"bad name":      {api.TokenLogin{Token: "IGAAabcdef", Connection: "a/b"}, api.CodeInvalid},
		"bad flavor":    {api.TokenLogin{Token: "IGAAabcdef", Flavor: "tiktok"}, api.CodeInvalid},
		"unknown token": {api.TokenLogin{Token: "IGAAnotatokenthesandboxknows0123456789"}, api.CodeLoginNeeded},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.c.LoginWithToken(t.Context(), tc.req)
			if !api.HasCode(err, tc.code) {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			assertNoSecret(t, "error", err.Error(), "IGAAnotatokenthesandboxknows0123456789")
		})
	}
	// A Facebook token that reaches two IG accounts: --account is required.
	tok, _ := e.sb.IssueToken(sandbox.TokenRequest{Flavour: "facebook"})
	_, err := e.c.LoginWithToken(t.Context(), api.TokenLogin{Token: tok})
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeInvalid || !strings.Contains(ae.Message, "--account") ||
		!strings.Contains(ae.Message, sandbox.IGBrandID) {
		t.Fatalf("two accounts without --account: %v", err)
	}
	ac, err := e.c.LoginWithToken(t.Context(), api.TokenLogin{Token: tok, Account: sandbox.IGBrandID, Connection: "brand"})
	if err != nil || ac.Flavor != "facebook" || ac.AccountID != sandbox.IGBrandID || ac.PageID != sandbox.PageBrandID ||
		ac.Username != sandbox.IGBrandUsername || len(ac.Scopes) == 0 || ac.ExpiresAt.IsZero() {
		t.Fatalf("facebook --with-token: %+v, %v", ac, err)
	}
	// The page token is sealed alongside; the page client uses it.
	if _, _, err := e.s.MetaPageClient(t.Context(), "brand"); err != nil {
		t.Errorf("metaPageClient: %v", err)
	}
}

func TestLogoutAndRevoke(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	e.withToken(sandbox.TokenRequest{}, "ig", "")
	fbTok, _ := e.withToken(sandbox.TokenRequest{Flavour: "facebook", User: sandbox.FBSoloID}, "fb", "")

	res, err := e.c.Logout(t.Context(), api.LogoutRequest{Connection: "ig", Revoke: true})
	if err != nil || res.Revoked || !strings.Contains(res.RevokeError, "Instagram") || res.State != api.ConnDisconnected {
		t.Errorf("ig logout: %+v, %v", res, err)
	}
	res, err = e.c.Logout(t.Context(), api.LogoutRequest{Connection: "fb", Revoke: true})
	if err != nil || !res.Revoked {
		t.Fatalf("fb logout: %+v, %v", res, err)
	}
	// Revoked at Meta: the token no longer works there.
	cfgCl := &http.Client{}
	req, _ := http.NewRequest("GET", e.sbURL+"/v25.0/me?access_token="+fbTok, nil)
	resp, err := cfgCl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Errorf("revoked token still accepted by Meta: %s", body)
	}
	for _, name := range []string{"ig", "fb"} {
		c, _ := e.s.DB.Conn(name)
		if len(c.SealedToken) != 0 || c.State != store.ConnDisconnected {
			t.Errorf("%s after logout: %+v", name, c)
		}
		_, _, err := e.s.MetaClient(t.Context(), name)
		if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeLoginNeeded || !strings.Contains(ae.Hint, "impress auth login --connection "+name) {
			t.Errorf("%s metaClient after logout: %v", name, err)
		}
	}
	st, _ := e.c.AuthStatus(t.Context())
	for _, c := range st.Connections {
		if c.State != api.ConnDisconnected || c.Fix != "impress auth login --connection "+c.Connection {
			t.Errorf("status after logout: %+v", c)
		}
	}
	// Logging in again revives the connection.
	_, ac := e.withToken(sandbox.TokenRequest{}, "", "")
	if ac.Connection != "ig" || ac.State != api.ConnOK {
		t.Errorf("re-login: %+v", ac)
	}
}

func TestKeyringlessFallbackReported(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	t.Setenv("IMPRESS_KEYRING", "")
	hang := make(chan struct{})
	defer close(hang)
	e.s.auth.keyring = hangingKeyring{hang}
	e.s.auth.keyringTimeout = 50 * time.Millisecond
	e.withToken(sandbox.TokenRequest{}, "", "")
	st, err := e.c.AuthStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.KeyStorage.Backend != "file" || !strings.Contains(st.KeyStorage.Note, "no OS keyring answered") {
		t.Errorf("key storage = %+v", st.KeyStorage)
	}
	if !strings.Contains(e.log.String(), "master key kept in a key file") {
		t.Error("the fallback was not logged")
	}
}

type hangingKeyring struct{ hang chan struct{} }

func (k hangingKeyring) Get(string, string) (string, error) { <-k.hang; return "", io.EOF }
func (k hangingKeyring) Set(string, string, string) error   { <-k.hang; return io.EOF }
func (k hangingKeyring) Delete(string, string) error        { <-k.hang; return io.EOF }

func TestResolveConnRules(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	e.withToken(sandbox.TokenRequest{}, "a", "")
	if c, err := e.s.ResolveConn(""); err != nil || c.Name != "a" {
		t.Errorf("only connection: %v %v", c.Name, err)
	}
	e.withToken(sandbox.TokenRequest{Account: sandbox.IGSoloID}, "b", "")
	_, err := e.s.ResolveConn("")
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeInvalid || !strings.Contains(ae.Message, "--connection") {
		t.Errorf("two connections, no default: %v", err)
	}
	if c, err := e.s.ResolveConn("b"); err != nil || c.Name != "b" {
		t.Errorf("named: %v %v", c.Name, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if _, _, err := e.s.MetaClient(ctx, "b"); err != nil {
		t.Error(err)
	}
}
