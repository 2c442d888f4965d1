package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

const day = 24 * time.Hour

func TestDecideRefresh(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	ig := func(age, left time.Duration) store.Conn {
		return store.Conn{Flavour: "instagram", State: store.ConnOK, SealedToken: []byte("x"),
			TokenIssuedAt: now.Add(-age), TokenExpiry: now.Add(left)}
	}
	fb := ig(50*day, 10*day)
	fb.Flavour = "facebook"
	unknown := ig(2*day, 0)
	unknown.TokenExpiry = time.Time{}
	young := ig(2*time.Hour, 0)
	young.TokenExpiry = time.Time{}
	gone := ig(61*day, -time.Hour)
	needed := ig(50*day, 10*day)
	needed.State = store.ConnLoginNeeded
	for name, tc := range map[string]struct {
		c    store.Conn
		want refreshDecision
	}{
		"fresh":                   {ig(2*day, 58*day), refreshNothing},
		"inside window":           {ig(46*day, 14*day), refreshNow},
		"window but too young":    {ig(23*time.Hour, 10*day), refreshNothing},
		"expired":                 {gone, refreshExpired},
		"facebook never":          {fb, refreshNothing},
		"unknown expiry, old":     {unknown, refreshNow},
		"unknown expiry, young":   {young, refreshNothing},
		"login needed left as is": {needed, refreshNothing},
	} {
		if got := decideRefresh(tc.c, now); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
}

func TestRefresherRenewsInstagramToken(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	tok, _ := e.withToken(sandbox.TokenRequest{}, "", "")
	before, _ := e.s.DB.Conn("default")

	// Day 1: too young. The sweep leaves it alone; a forced refresh of a
	// --with-token token (age unknown here) asks Meta, which refuses, and
	// the connection stays ok.
	e.clock.Advance(2 * time.Hour)
	e.s.refreshSweep(t.Context())
	if c, _ := e.s.DB.Conn("default"); !bytes.Equal(c.SealedToken, before.SealedToken) {
		t.Error("a token younger than 24 h was refreshed")
	}
	_, err := e.c.RefreshAuth(t.Context(), api.RefreshRequest{})
	if !api.HasCode(err, api.CodeRejected) || !strings.Contains(err.Error(), "24 hours") {
		t.Errorf("young refresh: %v", err)
	}
	if c, _ := e.s.DB.Conn("default"); c.State != store.ConnOK || !bytes.Equal(c.SealedToken, before.SealedToken) {
		t.Errorf("after a refused refresh: %+v", c)
	}

	// Unknown expiry (--with-token) and older than 24 h: the sweep
	// refreshes, which also tells the expiry.
	e.clock.Advance(day)
	e.s.refreshSweep(t.Context())
	c, _ := e.s.DB.Conn("default")
	if bytes.Equal(c.SealedToken, before.SealedToken) || c.TokenExpiry.IsZero() || c.State != store.ConnOK {
		t.Fatalf("after sweep: %+v", c)
	}
	if d := c.TokenExpiry.Sub(e.clock.Now()); d < 59*day {
		t.Errorf("new expiry in %s", d)
	}
	_, ci, err := e.s.MetaClient(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if ci.ExpiresAt != c.TokenExpiry {
		t.Errorf("feature.ConnInfo expiry %v, want %v", ci.ExpiresAt, c.TokenExpiry)
	}

	// 50 days later it is inside the window: status says refresh_due
	// until the sweep runs, then ok with a new expiry.
	e.clock.Advance(50 * day)
	st, _ := e.c.AuthStatus(t.Context())
	if st.Connections[0].State != api.ConnRefreshDue {
		t.Errorf("inside the window: %+v", st.Connections[0])
	}
	old := c
	e.s.refreshSweep(t.Context())
	c, _ = e.s.DB.Conn("default")
	if !c.TokenExpiry.After(old.TokenExpiry) {
		t.Errorf("expiry not moved: %v → %v", old.TokenExpiry, c.TokenExpiry)
	}
	// A forced refresh works as well once the token is a day old.
	e.clock.Advance(day + time.Minute)
	ac, err := e.c.RefreshAuth(t.Context(), api.RefreshRequest{Connection: "default"})
	if err != nil || ac.State != api.ConnOK {
		t.Fatalf("forced refresh: %+v %v", ac, err)
	}
	// Clients built before the refresh use the new token (read per call).
	cl, _, _ := e.s.MetaClient(t.Context(), "")
	if _, err := cl.Me(t.Context()); err != nil {
		t.Errorf("Me after refreshes: %v", err)
	}
	assertNoSecret(t, "daemon log", e.log.String(), tok, e.sb.AppSecret())
}

func TestExpiredAndFacebookTokens(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	e.withToken(sandbox.TokenRequest{Flavour: "facebook", User: sandbox.FBSoloID}, "fb", "")
	// Facebook tokens cannot be refreshed: the command says why.
	_, err := e.c.RefreshAuth(t.Context(), api.RefreshRequest{Connection: "fb"})
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeInvalid || !strings.Contains(ae.Message, "Facebook Login") {
		t.Errorf("facebook refresh: %v", err)
	}
	// A week before expiry status warns; after it, login is needed.
	c, _ := e.s.DB.Conn("fb")
	e.clock.Advance(c.TokenExpiry.Sub(e.clock.Now()) - 3*day)
	st, _ := e.c.AuthStatus(t.Context())
	if st.Connections[0].State != api.ConnRefreshDue || !strings.Contains(st.Connections[0].Fix, "auth login") {
		t.Errorf("near expiry: %+v", st.Connections[0])
	}
	e.clock.Advance(4 * day)
	e.s.refreshSweep(t.Context())
	c, _ = e.s.DB.Conn("fb")
	if c.State != store.ConnLoginNeeded {
		t.Errorf("after expiry: %+v", c)
	}
	_, _, err = e.s.MetaClient(t.Context(), "fb")
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeLoginNeeded || ae.Hint != "run `impress auth login --connection fb`" {
		t.Errorf("expired: %v", err)
	}
}

func TestLoginErrorMarksConnection(t *testing.T) {
	for _, sub := range []int{463, 460, 467} {
		e := newAuthEnv(t, envOpts{})
		e.withToken(sandbox.TokenRequest{}, "main", "")
		cl, ci, err := e.s.MetaClient(t.Context(), "main")
		if err != nil {
			t.Fatal(err)
		}
		e.sb.InvalidateTokens(sub)
		_, _, err = cl.ListMedia(t.Context(), ci.IGUserID, meta.ListMediaOptions{})
		if !meta.IsLoginNeeded(err) {
			t.Fatalf("subcode %d: %v", sub, err)
		}
		ae := e.s.MetaFail(ci.Name, err)
		if ae.Code != api.CodeLoginNeeded || ae.Hint != "run `impress auth login --connection main`" {
			t.Errorf("metaFail = %+v", ae)
		}
		c, _ := e.s.DB.Conn("main")
		if c.State != store.ConnLoginNeeded || !strings.Contains(c.StateReason, "190") {
			t.Errorf("subcode %d: connection %+v", sub, c)
		}
		// The same client now fails at once, without calling Meta.
		if _, err := cl.Me(t.Context()); !meta.IsLoginNeeded(err) {
			t.Errorf("after the mark: %v", err)
		}
		st, _ := e.c.AuthStatus(t.Context())
		if st.Connections[0].State != api.ConnLoginNeeded || st.Connections[0].Fix != "impress auth login --connection main" {
			t.Errorf("status: %+v", st.Connections[0])
		}
		// Refresh does not revive it.
		if _, err := e.c.RefreshAuth(t.Context(), api.RefreshRequest{}); !api.HasCode(err, api.CodeLoginNeeded) {
			t.Errorf("refresh of a dead token: %v", err)
		}
	}
}

// TestTokenNeverLeaks plants a token and an app secret and forces every
// kind of failure — dial errors, timeouts, 500s, 190s, refresh and login
// errors — then scans every error string, every API answer and the daemon
// log for them.
func TestTokenNeverLeaks(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	tok, _ := e.withToken(sandbox.TokenRequest{Age: sandbox.Duration(25 * time.Hour)}, "main", "")
	fbTok, _ := e.withToken(sandbox.TokenRequest{Flavour: "facebook", User: sandbox.FBSoloID}, "fb", "")
	secrets := []string{tok, fbTok, e.sb.AppSecret()}
	// Old enough to refresh, so the refresh calls reach Meta (with the
	// token in the query string, where *url.Error would print it).
	e.clock.Advance(25 * time.Hour)
	var texts []string
	record := func(what string, err error) {
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		b, _ := json.Marshal(err)
		texts = append(texts, what+": "+err.Error()+" "+string(b))
		if ae, ok := api.AsError(err); ok {
			texts = append(texts, ae.Hint)
		}
	}
	calls := func(what string, ctx context.Context) {
		for _, conn := range []string{"main", "fb"} {
			cl, ci, err := e.s.MetaClient(ctx, conn)
			if err != nil {
				record(what+" metaClient "+conn, err)
				continue
			}
			_, err = cl.Me(ctx)
			record(what+" Me "+conn, err)
			record(what+" metaFail "+conn, e.s.MetaFail(conn, err))
			_, _, err = cl.ListMedia(ctx, ci.IGUserID, meta.ListMediaOptions{})
			record(what+" ListMedia "+conn, err)
		}
		// The refresh puts the token in the query string (Meta wants it
		// there), the path *url.Error likes to print.
		_, err := e.s.refreshConn(ctx, "main", true)
		record(what+" refresh", err)
		e.s.refreshSweep(ctx)
		_, err = e.c.RefreshAuth(ctx, api.RefreshRequest{Connection: "main"})
		record(what+" refresh API", err)
		_, err = e.c.LoginWithToken(ctx, api.TokenLogin{Token: tok})
		record(what+" with-token API", err)
	}

	// Dial errors: nothing listens at the endpoint.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	live := e.st.Var("IMPRESS_META_ENDPOINT")
	e.setEnv("IMPRESS_META_ENDPOINT", dead)
	calls("dial", t.Context())
	e.setEnv("IMPRESS_META_ENDPOINT", live)

	// Timeouts: Meta answers after the caller gave up.
	e.sb.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	calls("timeout", ctx)
	cancel()
	e.sb.SetLatency(0)

	// 500s and 503s.
	e.sb.SetFailRate(1)
	calls("500", t.Context())
	e.sb.SetFailRate(0)

	// 190: expired tokens (then the connection is login_needed).
	e.sb.ExpireTokens()
	calls("190", t.Context())

	// Login failures with a code in flight.
	e.setEnv("IMPRESS_META_APP_SECRET", "wrong-secret-for-the-sandbox-42")
	secrets = append(secrets, "wrong-secret-for-the-sandbox-42")
	run := e.startLogin(api.LoginRequest{})
	ev := run.next(t, api.LoginAuthorize)
	redirect := authorizeOnly(t, ev.AuthURL)
	code := mustQuery(t, redirect).Get("code")
	secrets = append(secrets, strings.TrimSuffix(code, "#_"))
	e.c.LoginRedirect(t.Context(), ev.LoginID, redirect)
	_, err := run.wait(t)
	record("login", err)

	if len(texts) < 20 {
		t.Fatalf("only %d errors collected", len(texts))
	}
	for _, s := range texts {
		assertNoSecret(t, "error", s, secrets...)
	}
	log := e.log.String()
	if !strings.Contains(log, "token refresh") && !strings.Contains(log, "login failed") {
		t.Errorf("the daemon log is missing the failures it should record:\n%s", log)
	}
	assertNoSecret(t, "daemon log", log, secrets...)
}

// TestMetaFailMapsByClass: real Graph failures from the sandbox, each
// classed by package meta, become the wire code their class calls for
// (api.CodeForClass), and what no class says (a cut-short call, a request
// meta never sent) is decided before the class is read.
func TestMetaFailMapsByClass(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	e.withToken(sandbox.TokenRequest{}, "", "")
	ctx := t.Context()
	client, _, err := e.s.MetaClient(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name  string
		call  func() error
		class meta.Class
		want  api.Code
	}{
		{"rate limited", func() error {
			// More than the client's own retries of a read.
			if err := e.sb.RateLimitNext(50, 4, 100, 0); err != nil {
				t.Fatal(err)
			}
			_, err := client.Me(ctx)
			e.sb.RateLimitNext(0, 4, 0, 0)
			return err
		}, meta.ClassRateLimited, api.CodeTransient},
		{"refused", func() error { return testkit.ErrOf(client.ContainerStatus(ctx, "17999999999999999")) }, meta.ClassPermanent, api.CodeRejected},
		{"never sent", func() error { return testkit.ErrOf(client.CreateContainer(ctx, "me", meta.ContainerRequest{})) }, meta.ClassOther, api.CodeInvalid},
		{"cut short", func() error { return testkit.ErrOf(client.Me(cancelled)) }, meta.ClassOther, api.CodeCancelled},
		{"not a Graph failure", func() error { return errors.New("disk full") }, meta.ClassOther, api.CodeInternal},
		{"login needed", func() error {
			e.sb.ExpireTokens()
			_, err := client.Me(ctx)
			return err
		}, meta.ClassLoginNeeded, api.CodeLoginNeeded},
	} {
		err := tc.call()
		if err == nil {
			t.Errorf("%s: the call succeeded", tc.name)
			continue
		}
		if c := meta.ClassOf(err); c != tc.class {
			t.Errorf("%s: %v is class %v, want %v", tc.name, err, c, tc.class)
		}
		ae := e.s.MetaFail("default", err)
		if ae.Code != tc.want {
			t.Errorf("%s: MetaFail(%v) = %q, want %q", tc.name, err, ae.Code, tc.want)
		}
		if tc.want == api.CodeLoginNeeded && !strings.Contains(ae.Hint, "impress auth login") {
			t.Errorf("%s: no fix in the hint: %+v", tc.name, ae)
		}
	}
	// A wire error passes through untouched.
	we := api.Errorf(api.CodeConflict, "busy")
	if got := e.s.MetaFail("default", we); got != we {
		t.Errorf("MetaFail(wire error) = %+v, want it unchanged", got)
	}
}
