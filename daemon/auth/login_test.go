package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta/sandbox"
)

// loginRun is a browser login in progress, driven by the test.
type loginRun struct {
	events chan api.LoginEvent
	done   chan error
	cancel context.CancelFunc
}

func (e *authEnv) startLogin(req api.LoginRequest) *loginRun {
	ctx, cancel := context.WithCancel(e.t.Context())
	r := &loginRun{events: make(chan api.LoginEvent, 8), done: make(chan error, 1), cancel: cancel}
	go func() {
		r.done <- e.c.Login(ctx, req, func(ev api.LoginEvent) error { r.events <- ev; return nil })
		close(r.events)
	}()
	e.t.Cleanup(cancel)
	return r
}

// next waits for the next event of a stage (10 s deadline).
func (r *loginRun) next(t *testing.T, stage string) api.LoginEvent {
	t.Helper()
	select {
	case ev, ok := <-r.events:
		if !ok {
			t.Fatalf("login ended before %s: %v", stage, <-r.done)
		}
		if ev.Stage != stage {
			t.Fatalf("stage %q, want %q (%+v)", ev.Stage, stage, ev)
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s event within 10 s", stage)
	}
	return api.LoginEvent{}
}

// wait returns the login's final error, draining events.
func (r *loginRun) wait(t *testing.T) (*api.AuthConnection, error) {
	t.Helper()
	var last *api.AuthConnection
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-r.events:
			if !ok {
				return last, <-r.done
			}
			if ev.Connection != nil {
				last = ev.Connection
			}
		case <-deadline:
			t.Fatal("login did not end within 30 s")
		}
	}
}

// browser plays the user's browser: it follows the authorize redirect to
// the loopback callback and returns the last page.
func browser(t *testing.T, authURL string) (int, string, *url.URL) {
	t.Helper()
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Request.URL
}

// goBrowser runs browser in the background; its outcome is not checked
// (the login's result is), but a transport failure is reported.
func goBrowser(t *testing.T, authURL string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(authURL)
		if err != nil {
			t.Errorf("browser: %v", err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
	t.Cleanup(func() { <-done })
}

// authorizeOnly follows the authorize page but not the redirect, as a
// browser on another machine would: it returns the redirect address.
func authorizeOnly(t *testing.T, authURL string) string {
	t.Helper()
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func TestBrowserLoginInstagram(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	run := e.startLogin(api.LoginRequest{})
	ev := run.next(t, api.LoginAuthorize)
	if !ev.Listening || ev.RedirectURI != fmt.Sprintf("http://localhost:%d/callback", e.port) || ev.LoginID == "" {
		t.Fatalf("authorize event = %+v", ev)
	}
	u, _ := url.Parse(ev.AuthURL)
	if u.Path != "/oauth/authorize" || u.Query().Get("state") == "" || len(u.Query().Get("state")) < 40 {
		t.Errorf("auth URL %s", u.Path)
	}

	status, page, final := browser(t, ev.AuthURL)
	if status != 200 || !strings.Contains(page, "@"+sandbox.IGCreatorUsername) {
		t.Errorf("callback page %d: %s", status, page)
	}
	code := final.Query().Get("code")
	if code == "" || strings.Contains(page, code) || strings.Contains(page, u.Query().Get("state")) {
		t.Errorf("the callback page shows the code or state: %s", page)
	}
	ac, err := run.wait(t)
	if err != nil {
		t.Fatal(err)
	}
	if ac.Connection != "default" || ac.Flavor != "instagram" || ac.AccountID != sandbox.IGCreatorID ||
		ac.Username != sandbox.IGCreatorUsername || len(ac.Scopes) == 0 {
		t.Errorf("connection = %+v", ac)
	}
	// A long-lived token: about 60 days from the (fake) now.
	if d := ac.ExpiresAt.Sub(e.clock.Now()); d < 59*24*time.Hour || d > 61*24*time.Hour {
		t.Errorf("expiry in %s, want ~60 days", d)
	}
	// The listener is gone: a replayed redirect reaches nobody.
	if _, err := http.Get(final.String()); err == nil {
		t.Error("the loopback listener is still open after the login")
	}
	// A second login can start (the slot was freed).
	run2 := e.startLogin(api.LoginRequest{})
	run2.next(t, api.LoginAuthorize)
	run2.cancel()
	assertNoSecret(t, "daemon log", e.log.String(), code, e.sb.AppSecret())
}

func TestBrowserLoginFacebookChoosesAccount(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	run := e.startLogin(api.LoginRequest{Flavor: "facebook", Interactive: true})
	ev := run.next(t, api.LoginAuthorize)
	q := mustQuery(t, ev.AuthURL)
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" {
		t.Errorf("Facebook Login without PKCE: %v", q)
	}
	goBrowser(t, ev.AuthURL)
	run.next(t, api.LoginExchanging)
	ch := run.next(t, api.LoginChooseAccount)
	if len(ch.Accounts) != 2 {
		t.Fatalf("choices = %+v", ch.Accounts)
	}
	if err := e.c.LoginAccount(t.Context(), ch.LoginID, "nobody"); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("unknown account accepted: %v", err)
	}
	if err := e.c.LoginAccount(t.Context(), ch.LoginID, "@"+sandbox.IGBrandUsername); err != nil {
		t.Fatal(err)
	}
	ac, err := run.wait(t)
	if err != nil {
		t.Fatal(err)
	}
	if ac.Flavor != "facebook" || ac.AccountID != sandbox.IGBrandID || ac.PageID != sandbox.PageBrandID || ac.AppUserID != sandbox.FBOwnerID {
		t.Errorf("connection = %+v", ac)
	}
	// Re-login picks the stored flavour; without a TTY two accounts fail
	// with invalid_input naming --account; --account picks.
	run = e.startLogin(api.LoginRequest{})
	ev = run.next(t, api.LoginAuthorize)
	if !strings.Contains(ev.AuthURL, "/dialog/oauth") {
		t.Errorf("re-login of a facebook connection uses %s", ev.AuthURL)
	}
	goBrowser(t, ev.AuthURL)
	_, err = run.wait(t)
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeInvalid || !strings.Contains(ae.Message, "--account") {
		t.Fatalf("non-interactive, two accounts: %v", err)
	}
	run = e.startLogin(api.LoginRequest{Account: sandbox.IGBrandID})
	ev = run.next(t, api.LoginAuthorize)
	goBrowser(t, ev.AuthURL)
	if ac, err = run.wait(t); err != nil || ac.AccountID != sandbox.IGBrandID || ac.Connection != "default" {
		t.Fatalf("--account: %+v %v", ac, err)
	}
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestLoginStateChecked(t *testing.T) {
	e := newAuthEnv(t, envOpts{})
	run := e.startLogin(api.LoginRequest{})
	ev := run.next(t, api.LoginAuthorize)
	redirect := authorizeOnly(t, ev.AuthURL)
	u, _ := url.Parse(redirect)
	q := u.Query()
	state := q.Get("state")

	// A forged callback with the wrong state is refused and changes nothing.
	q.Set("state", "forged"+state[6:])
	u.RawQuery = q.Encode()
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong state answered %d", resp.StatusCode)
	}
	// The same, pasted.
	if err := e.c.LoginRedirect(t.Context(), ev.LoginID, u.String()); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("pasted wrong state: %v", err)
	}
	if err := e.c.LoginRedirect(t.Context(), ev.LoginID, "not a url"); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("pasted garbage: %v", err)
	}
	if err := e.c.LoginRedirect(t.Context(), "other-login", redirect); !api.IsNotFound(err) {
		t.Errorf("unknown login id: %v", err)
	}
	// The real redirect, pasted (--no-browser), is accepted once.
	if err := e.c.LoginRedirect(t.Context(), ev.LoginID, redirect); err != nil {
		t.Fatal(err)
	}
	err = e.c.LoginRedirect(t.Context(), ev.LoginID, redirect)
	if !api.HasCode(err, api.CodeConflict) && !api.IsNotFound(err) {
		t.Errorf("reused state: %v", err)
	}
	if _, err := run.wait(t); err != nil {
		t.Fatal(err)
	}
}

func TestLoginFlowTakeIsSingleUse(t *testing.T) {
	f := &loginFlow{state: "s3cr3t-state-value", codeCh: make(chan codeResult, 1)}
	if err := f.take("wrong"); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("wrong state: %v", err)
	}
	if err := f.take(""); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("empty state: %v", err)
	}
	if err := f.take("s3cr3t-state-value"); err != nil {
		t.Fatalf("right state: %v", err)
	}
	if err := f.take("s3cr3t-state-value"); !api.HasCode(err, api.CodeConflict) {
		t.Errorf("reused state: %v", err)
	}
}

func TestLoginFailuresMapped(t *testing.T) {
	t.Run("declined in the browser", func(t *testing.T) {
		e := newAuthEnv(t, envOpts{})
		e.sb.DenyNextLogin()
		run := e.startLogin(api.LoginRequest{})
		ev := run.next(t, api.LoginAuthorize)
		_, page, _ := browser(t, ev.AuthURL)
		_, err := run.wait(t)
		if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeLoginNeeded || !strings.Contains(ae.Message, "declined") {
			t.Fatalf("denied: %v", err)
		}
		if !strings.Contains(page, "Login failed") {
			t.Errorf("page: %s", page)
		}
	})
	t.Run("wrong app secret", func(t *testing.T) {
		e := newAuthEnv(t, envOpts{secret: "not-the-sandbox-secret-0123456789"})
		run := e.startLogin(api.LoginRequest{})
		ev := run.next(t, api.LoginAuthorize)
		goBrowser(t, ev.AuthURL)
		_, err := run.wait(t)
		ae, ok := api.AsError(err)
		if !ok || ae.Code != api.CodeLoginNeeded || !strings.Contains(ae.Hint, "meta.app_secret") {
			t.Fatalf("bad secret: %v", err)
		}
		assertNoSecret(t, "error", err.Error(), "not-the-sandbox-secret-0123456789")
		assertNoSecret(t, "daemon log", e.log.String(), "not-the-sandbox-secret-0123456789")
	})
	t.Run("Meta down", func(t *testing.T) {
		e := newAuthEnv(t, envOpts{})
		run := e.startLogin(api.LoginRequest{})
		ev := run.next(t, api.LoginAuthorize)
		redirect := authorizeOnly(t, ev.AuthURL)
		e.sb.SetFailRate(1)
		if err := e.c.LoginRedirect(t.Context(), ev.LoginID, redirect); err != nil {
			t.Fatal(err)
		}
		_, err := run.wait(t)
		if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeTransient {
			t.Fatalf("outage: %v", err)
		}
	})
	t.Run("no app configured", func(t *testing.T) {
		e := newAuthEnv(t, envOpts{noApp: true})
		run := e.startLogin(api.LoginRequest{})
		_, err := run.wait(t)
		if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeInvalid || !strings.Contains(ae.Hint, "meta.app_id") {
			t.Fatalf("no app: %v", err)
		}
	})
	t.Run("port taken", func(t *testing.T) {
		e := newAuthEnv(t, envOpts{})
		run := e.startLogin(api.LoginRequest{})
		run.next(t, api.LoginAuthorize)
		// The first login holds the port and the slot.
		err := e.c.Login(t.Context(), api.LoginRequest{}, func(api.LoginEvent) error { return nil })
		if !api.HasCode(err, api.CodeConflict) {
			t.Errorf("second login: %v", err)
		}
		run.cancel()
		if _, err := run.wait(t); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled login: %v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		e := newAuthEnv(t, envOpts{})
		e.s.auth.loginTimeout = 200 * time.Millisecond
		run := e.startLogin(api.LoginRequest{})
		_, err := run.wait(t)
		if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeCancelled || !strings.Contains(ae.Message, "not completed") {
			t.Fatalf("deadline: %v", err)
		}
	})
}
