package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
	"golang.org/x/oauth2"
)

// Browser login (RFC 8252 as far as Meta allows, docs/SECURITY.md §7):
//
//   - The user's own app (meta.app_id, meta.app_secret) and the redirect
//     URI registered in it, http://localhost:<meta.redirect_port>/callback:
//     Meta matches redirect URIs exactly, so the port is fixed.
//   - While a login runs, and only then, the daemon listens on
//     127.0.0.1:<port> (and [::1]:<port> when it can, since browsers may
//     resolve localhost to either) for one request path, /callback.
//   - state is 256 random bits, compared in constant time and good for one
//     redirect: a wrong state is refused and the login keeps waiting, a
//     second use of the right one is refused.
//   - PKCE (S256) goes with Facebook Login, the flavour that documents it
//     (meta.Client.UsesPKCE decides).
//   - The login lives as long as the CLI's request and at most
//     loginTimeout; then the listener closes.
//   - The page the browser lands on shows no code or token, is not cached,
//     sends no referrer, and replaces the address (which holds the code)
//     in the browser's history.
//
// In --no-browser mode the browser runs elsewhere (SSH); its redirect to
// localhost fails there, and the user pastes the address from the address
// bar instead (POST /v1/auth/login/{id}/redirect), checked the same way.

const defaultLoginTimeout = 5 * time.Minute

type codeResult struct {
	code string
	err  error
}

type loginFlow struct {
	id          string
	state       string
	verifier    string
	conn        string
	explicit    bool
	flavour     meta.Flavour
	account     string
	interactive bool
	client      *meta.Client
	expires     time.Time

	codeCh     chan codeResult // first accepted redirect; capacity 1
	accountCh  chan string     // the chosen account; capacity 1
	done       chan struct{}   // closed when the login ended
	finishOnce sync.Once

	// mu guards the fields below. Lock order: a leaf (nothing is taken
	// under it).
	mu       sync.Mutex
	used     bool
	choices  []api.AccountChoice
	username string // for the callback page
	failed   bool
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// take checks a redirect's state and consumes it: nil once, for the right
// state only.
func (f *loginFlow) take(state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(f.state)) != 1 {
		return api.Errorf(api.CodeInvalid, "the redirect's state does not match this login (is it from an older login?); paste the address of the page the browser reached after approving")
	}
	if f.used {
		return api.Errorf(api.CodeConflict, "this login's redirect was already used")
	}
	f.used = true
	return nil
}

// redirect handles the parameters of the redirect: a code, or Meta's error.
func (f *loginFlow) redirect(q url.Values) error {
	if err := f.take(q.Get("state")); err != nil {
		return err
	}
	var cr codeResult
	switch {
	case q.Get("error") != "":
		why := q.Get("error_description")
		if why == "" {
			why = q.Get("error")
		}
		cr.err = &api.Error{Code: api.CodeLoginNeeded, Message: "the login was declined in the browser: " + meta.Redact(why),
			Hint: "run `impress auth login` again and approve the permissions"}
	default:
		cr.code = strings.TrimSuffix(q.Get("code"), "#_")
		if cr.code == "" {
			cr.err = api.Errorf(api.CodeLoginNeeded, "the redirect carried neither a code nor an error")
		}
	}
	f.codeCh <- cr // capacity 1 and take() lets one through
	return nil
}

func (f *loginFlow) finish(username string, failed bool) {
	f.finishOnce.Do(func() {
		f.mu.Lock()
		f.username, f.failed = username, failed
		f.mu.Unlock()
		close(f.done)
	})
}

// serveCallback is the loopback listener's only handler.
func (f *loginFlow) serveCallback(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/callback" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := f.redirect(r.URL.Query()); err != nil {
		callbackPage(w, http.StatusBadRequest, "This login link is not valid", "It does not belong to the login impress is waiting for, or it was already used. Go back to your terminal.")
		return
	}
	// Wait a little for the outcome so the page can say it.
	t := time.NewTimer(90 * time.Second)
	defer t.Stop()
	select {
	case <-f.done:
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	f.mu.Lock()
	user, failed := f.username, f.failed
	f.mu.Unlock()
	switch {
	case failed:
		callbackPage(w, http.StatusOK, "Login failed", "impress could not finish the login. Your terminal says why.")
	case user != "":
		callbackPage(w, http.StatusOK, "Connected", "impress is connected to @"+user+". You can close this tab.")
	default:
		callbackPage(w, http.StatusOK, "Login received", "Go back to your terminal.")
	}
}

// callbackCSS is the callback page's style: the card of the deletion
// status page, light and dark, readable on a phone.
const callbackCSS = `:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#f6f6f4;--card:#fff;--muted:#5f6368;--line:#e3e3e0}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#161617;--card:#222224;--muted:#a0a0a5;--line:#3a3a3d}}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
article{max-width:34rem;margin:2.5rem auto;padding:1.75rem 1.5rem;background:var(--card);border:1px solid var(--line);border-radius:12px}
.org{margin:0;color:var(--muted);font-size:.9rem}
h1{margin:.2rem 0 1rem;font-size:1.45rem}
@media (max-width:30rem){body{background:var(--card)}article{margin:0;border:0;border-radius:0}}`

// callbackPage writes a static page. The script replaces the address,
// which holds the authorization code, in the browser's history.
func callbackPage(w http.ResponseWriter, status int, title, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>impress: %s</title>
<script>history.replaceState(null, "", "/callback")</script>
<style>%s</style></head>
<body><article><p class="org">impress</p><h1>%s</h1><p>%s</p></article></body></html>
`, html.EscapeString(title), callbackCSS, html.EscapeString(title), html.EscapeString(msg))
}

// newLoginFlow validates the request, builds the authorize URL and opens
// the loopback listener. The caller must call endLogin.
func (s *Service) newLoginFlow(req api.LoginRequest) (*loginFlow, *http.Server, bool, error) {
	st := s.Settings()
	if st.String(config.MetaAppID) == "" || st.String(config.MetaAppSecret) == "" {
		return nil, nil, false, &api.Error{Code: api.CodeInvalid,
			Message: "logging in needs your own Meta app: meta.app_id and meta.app_secret are not set",
			Hint: "`impress config set meta.app_id ID`, and the secret from the environment (IMPRESS_META_APP_SECRET) or `impress config set meta.app_secret -` (reads stdin); " +
				"a daemon started before you exported them must be restarted (`impress daemon stop`); or store a token with `impress auth login --with-token`"}
	}
	if req.Connection != "" {
		if err := validConnName(req.Connection); err != nil {
			return nil, nil, false, err
		}
	}
	flavour, err := s.loginFlavour(req.Flavor, req.Connection)
	if err != nil {
		return nil, nil, false, err
	}
	cl, err := s.newMetaClient(flavour, nil, s.metaTransport())
	if err != nil {
		return nil, nil, false, err
	}
	timeout := s.auth.loginTimeout
	if timeout <= 0 {
		timeout = defaultLoginTimeout
	}
	f := &loginFlow{
		id: randomToken()[:16], state: randomToken(), verifier: oauth2.GenerateVerifier(),
		conn: req.Connection, explicit: req.Connection != "", flavour: flavour, account: req.Account,
		interactive: req.Interactive, client: cl, expires: time.Now().Add(timeout), // a wall-clock deadline, not token time
		codeCh: make(chan codeResult, 1), accountCh: make(chan string, 1), done: make(chan struct{}),
	}
	s.auth.mu.Lock()
	if s.auth.login != nil {
		s.auth.mu.Unlock()
		return nil, nil, false, api.Errorf(api.CodeConflict, "another login is waiting for its browser redirect; finish it, or press Ctrl-C where it runs")
	}
	s.auth.login = f
	s.auth.mu.Unlock()

	port := st.Int(config.MetaRedirectPort)
	if port == 0 {
		port = 8788
	}
	srv := &http.Server{Handler: http.HandlerFunc(f.serveCallback), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		if !req.Manual {
			s.endLogin(f, nil)
			return nil, nil, false, &api.Error{Code: api.CodeConflict,
				Message: fmt.Sprintf("cannot listen for the login redirect on 127.0.0.1:%d: %v", port, err),
				Hint: "free the port, or choose another with `impress config set meta.redirect_port N` and register http://localhost:N/callback in your Meta app; " +
					"`impress auth login --no-browser` works without it"}
		}
		return f, nil, false, nil
	}
	go srv.Serve(ln)
	// Browsers may resolve localhost to ::1 first; serve it too when we can.
	if ln6, err := net.Listen("tcp", fmt.Sprintf("[::1]:%d", port)); err == nil {
		go srv.Serve(ln6)
	}
	return f, srv, true, nil
}

// endLogin closes the listener and frees the login slot. The callback page
// being written gets a moment to finish.
func (s *Service) endLogin(f *loginFlow, srv *http.Server) {
	s.auth.mu.Lock()
	if s.auth.login == f {
		s.auth.login = nil
	}
	s.auth.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		srv.Shutdown(ctx)
		cancel()
		srv.Close()
	}
}

func validConnName(name string) error {
	if err := store.ValidConnName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	return nil
}

// loginFlavour is --flavor, else the flavour of the connection being
// logged in again, else Instagram Login (no Facebook Page needed).
func (s *Service) loginFlavour(flag, conn string) (meta.Flavour, error) {
	if flag != "" {
		f, err := meta.ParseFlavour(flag)
		if err != nil {
			return "", api.Errorf(api.CodeInvalid, "--flavor %q: want instagram or facebook", flag)
		}
		return f, nil
	}
	if conn == "" {
		conns, _ := s.DB.Conns()
		conn = defaultConnName(conns)
	}
	if c, err := s.DB.Conn(conn); err == nil && c.Flavour != "" {
		return meta.Flavour(c.Flavour), nil
	}
	return meta.FlavourInstagram, nil
}

func (s *Service) currentLogin(id string) (*loginFlow, error) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	f := s.auth.login
	if f == nil || subtle.ConstantTimeCompare([]byte(id), []byte(f.id)) != 1 {
		return nil, api.Errorf(api.CodeNotFound, "no login %q is waiting (it ended or timed out); run `impress auth login` again", id)
	}
	return f, nil
}

func (s *Service) postLogin(w http.ResponseWriter, r *http.Request) {
	var req api.LoginRequest
	if !httpx.DecodeBody(w, r, &req) {
		return
	}
	f, srv, listening, err := s.newLoginFlow(req)
	if err != nil {
		s.Fail(w, err)
		return
	}
	defer s.endLogin(f, srv)
	authURL, err := f.client.AuthCodeURL(meta.AuthURLOptions{State: f.state, Verifier: f.verifier})
	if err != nil {
		f.finish("", true)
		s.Fail(w, api.Errorf(api.CodeInvalid, "%s", s.RedactString(err.Error())))
		return
	}
	s.Log.Info("login started", "flavor", string(f.flavour), "manual", req.Manual, "listening", listening)
	out := httpx.NewNDJSON(w)
	out.Send(api.LoginEvent{Stage: api.LoginAuthorize, LoginID: f.id, AuthURL: authURL,
		RedirectURI: redirectURL(s.Settings().Int(config.MetaRedirectPort)), ExpiresAt: f.expires.UTC(), Listening: listening})

	ctx, cancel := context.WithDeadline(r.Context(), f.expires)
	defer cancel()
	ac, err := s.runLogin(ctx, f, out)
	// The listener closes and the slot frees before the outcome is sent,
	// so a CLI that sees it can start the next login at once.
	f.finish(ac.Username, err != nil)
	s.endLogin(f, srv)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil {
			err = &api.Error{Code: api.CodeCancelled, Message: fmt.Sprintf("the login was not completed within %s", s.loginTimeoutOr()),
				Hint: "run `impress auth login` again; `--no-browser` lets you paste the redirect address"}
		}
		s.Log.Warn("login failed", "err", err)
		out.Error(s.toAPIError(err))
		return
	}
	s.Log.Info("login done", "connection", ac.Connection, "flavor", ac.Flavor)
	out.Send(api.LoginEvent{Stage: api.LoginDone, Connection: &ac})
}

func (s *Service) loginTimeoutOr() time.Duration {
	if s.auth.loginTimeout > 0 {
		return s.auth.loginTimeout
	}
	return defaultLoginTimeout
}

// toAPIError turns any error into a redacted wire error.
func (s *Service) toAPIError(err error) *api.Error {
	if e, ok := api.AsError(err); ok {
		e.Message = s.RedactString(e.Message)
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return api.Errorf(api.CodeCancelled, "%s", s.RedactString(err.Error()))
	}
	return s.MetaFail("", err)
}

// runLogin waits for the redirect, exchanges the code, discovers the
// account and stores the connection.
func (s *Service) runLogin(ctx context.Context, f *loginFlow, out *httpx.NDJSON) (api.AuthConnection, error) {
	var code string
	select {
	case <-ctx.Done():
		return api.AuthConnection{}, ctx.Err()
	case cr := <-f.codeCh:
		if cr.err != nil {
			return api.AuthConnection{}, cr.err
		}
		code = cr.code
	}
	s.AddSecret(code)
	out.Send(api.LoginEvent{Stage: api.LoginExchanging})
	xctx, cancel := context.WithTimeout(ctx, metaCallTimeout)
	tok, err := f.client.ExchangeCode(xctx, code, f.verifier)
	cancel()
	if err != nil {
		return api.AuthConnection{}, s.exchangeFailed(err)
	}
	s.AddSecret(tok.AccessToken)
	choose := func(choices []api.AccountChoice) (string, error) {
		if !f.interactive {
			return "", tooManyAccounts(choices)
		}
		f.mu.Lock()
		f.choices = choices
		f.mu.Unlock()
		out.Send(api.LoginEvent{Stage: api.LoginChooseAccount, LoginID: f.id, Accounts: choices})
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case a := <-f.accountCh:
			return a, nil
		}
	}
	d, err := s.discover(ctx, f.flavour, tok, f.account, choose)
	if err != nil {
		return api.AuthConnection{}, err
	}
	return s.saveLogin(ctx, f.conn, f.explicit, d)
}

// exchangeFailed maps a failed code exchange: an outage is transient,
// anything else means the login did not happen (login_needed) and names the
// usual causes.
func (s *Service) exchangeFailed(err error) error {
	ae := s.MetaFail("", err)
	switch ae.Code {
	case api.CodeTransient, api.CodeCancelled:
		ae.Message = "the code exchange with Meta failed: " + ae.Message
		ae.Hint = "run `impress auth login` again in a moment"
		return ae
	}
	return &api.Error{Code: api.CodeLoginNeeded, Message: "Meta refused the code exchange: " + ae.Message,
		Hint: "check meta.app_id and meta.app_secret (Instagram Login uses the Instagram app id and secret shown under " +
			"\"API setup with Instagram login\", not the Meta app's) and that the redirect URI is registered exactly; then run `impress auth login` again"}
}

func tooManyAccounts(choices []api.AccountChoice) error {
	list := make([]string, len(choices))
	for i, c := range choices {
		list[i] = c.ID
		if c.Username != "" {
			list[i] += " (@" + c.Username + ")"
		}
	}
	return api.Errorf(api.CodeInvalid, "this Facebook login manages %d Instagram accounts: %s; pick one with --account IGID",
		len(choices), strings.Join(list, ", "))
}

// loginStep finds the login in progress that a step of it (the pasted
// redirect, the chosen account) names and decodes the step's body; false
// means the error is written.
func (s *Service) loginStep(w http.ResponseWriter, r *http.Request, body any) (*loginFlow, bool) {
	f, err := s.currentLogin(r.PathValue("id"))
	if err != nil {
		s.Fail(w, err)
		return nil, false
	}
	return f, httpx.DecodeBody(w, r, body)
}

func (s *Service) postLoginRedirect(w http.ResponseWriter, r *http.Request) {
	var body struct {
		URL string `json:"url"`
	}
	f, ok := s.loginStep(w, r, &body)
	if !ok {
		return
	}
	q, err := redirectParams(body.URL)
	if err != nil {
		s.Fail(w, err)
		return
	}
	if err := f.redirect(q); err != nil {
		s.Log.Warn("pasted login redirect refused", "err", err)
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
}

// redirectParams reads code/state/error from a pasted address: a full URL,
// or just its query.
func redirectParams(pasted string) (url.Values, error) {
	pasted = strings.TrimSpace(pasted)
	pasted = strings.TrimSuffix(pasted, "#_")
	bad := api.Errorf(api.CodeInvalid, "that is not the redirect address: paste the whole address of the page the browser reached after approving (http://localhost:…/callback?code=…&state=…)")
	if pasted == "" {
		return nil, bad
	}
	raw := pasted
	if u, err := url.Parse(pasted); err == nil && u.RawQuery != "" {
		raw = u.RawQuery
	}
	raw = strings.TrimPrefix(raw, "?")
	q, err := url.ParseQuery(raw)
	if err != nil || q.Get("state") == "" || (q.Get("code") == "" && q.Get("error") == "") {
		return nil, bad
	}
	return q, nil
}

func (s *Service) postLoginAccount(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Account string `json:"account"`
	}
	f, ok := s.loginStep(w, r, &body)
	if !ok {
		return
	}
	f.mu.Lock()
	choices := f.choices
	f.mu.Unlock()
	if len(choices) == 0 {
		s.Fail(w, api.Errorf(api.CodeConflict, "the login is not waiting for an account choice"))
		return
	}
	for _, c := range choices {
		if c.ID == body.Account || (c.Username != "" && strings.EqualFold(strings.TrimPrefix(body.Account, "@"), c.Username)) {
			select {
			case f.accountCh <- c.ID:
			default:
				s.Fail(w, api.Errorf(api.CodeConflict, "an account was already chosen"))
				return
			}
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
			return
		}
	}
	s.Fail(w, tooManyAccounts(choices))
}
