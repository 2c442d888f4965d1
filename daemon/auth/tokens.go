package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
	"golang.org/x/oauth2"
)

// Token lifecycle (docs/META.md §3, docs/SECURITY.md §4).
const (
	// refreshWindow: an Instagram long-lived token (60 days) is refreshed
	// once it has less than this left. Meta's own guidance and ours
	// (§11.8) is "under 15 days"; a daemon that is off for a week still
	// finds the token alive.
	refreshWindow = 15 * 24 * time.Hour
	// minRefreshAge: Meta refuses to refresh a token younger than 24 h.
	minRefreshAge = 24 * time.Hour
	// expiryWarning: a Facebook Login token cannot be refreshed; status
	// shows "refresh_due" (log in again) this long before it expires.
	expiryWarning = 7 * 24 * time.Hour
	// defaultRefreshEvery is how often the refresher looks at the tokens.
	defaultRefreshEvery = time.Hour
	// metaCallTimeout bounds each token call the auth code makes itself.
	metaCallTimeout = 60 * time.Second
)

// Sealed field names (associated data of each sealed value).
const (
	fieldToken     = feature.FieldToken
	fieldPageToken = feature.FieldPageToken
	fieldProfile   = "profile"
)

// Service is the auth feature. It implements feature.Accounts and
// feature.AccountData for the other features.
type Service struct {
	feature.Deps
	auth authState

	// refresher is the running token refresher (Start), stopped by Stop.
	stopRefresher func(context.Context)
}

// Options are the auth feature's test seams; the zero value is the real
// thing.
type Options struct {
	// Retry is the retry policy of every Graph client the daemon builds.
	Retry meta.RetryPolicy
	// LoginTimeout bounds a browser login (default 5 minutes).
	LoginTimeout time.Duration
}

// New builds the auth feature.
func New(d feature.Deps, o Options) *Service {
	s := &Service{Deps: d}
	s.auth.retry, s.auth.loginTimeout = o.Retry, o.LoginTimeout
	return s
}

var (
	_ feature.Accounts    = (*Service)(nil)
	_ feature.AccountData = (*Service)(nil)
)

// authState is the daemon's login and token state. Its zero value is
// ready.
type authState struct {
	// mu guards master, login and locks. Lock order: it may be taken
	// under a per-connection lock, community's cache lock or privacy's
	// purge lock (all through ConnKey/MasterKey); nothing but the log is
	// taken under it. OpenMaster may wait for the OS keyring under it,
	// bounded by the keyring timeout.
	mu     sync.Mutex
	master *secrets.Master // opened on first need, then cached
	login  *loginFlow      // the browser login in progress, if any
	// locks are the per-connection locks (connLock) that serialise the
	// token writes of one connection. Lock order: one is taken with no
	// other lock held, never two at once; under it mu may be taken
	// (ConnKey), and a token refresh calls Meta under it on purpose.
	locks map[string]*sync.Mutex

	// Test seams; zero values mean the real thing.
	keyring        secrets.Keyring // OS keyring
	keyringTimeout time.Duration
	transport      http.RoundTripper // base transport of every Meta client
	refreshEvery   time.Duration
	loginTimeout   time.Duration
	retry          meta.RetryPolicy
}

// connLock serialises token writes (login, refresh, logout, 190 marks) of
// one connection.
func (s *Service) connLock(name string) *sync.Mutex {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.auth.locks == nil {
		s.auth.locks = map[string]*sync.Mutex{}
	}
	m, ok := s.auth.locks[name]
	if !ok {
		m = &sync.Mutex{}
		s.auth.locks[name] = m
	}
	return m
}

// keyringMode is IMPRESS_KEYRING: "keyring", "file" or empty (auto).
func keyringMode() string { return os.Getenv("IMPRESS_KEYRING") }

// MasterKey opens (creating on first use) the master key. It is called
// lazily, at the first login or token use, so a daemon that never logs in
// never touches the OS keyring. Failures are not cached: an unlocked
// keyring works on the next try.
func (s *Service) MasterKey(ctx context.Context) (*secrets.Master, error) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.auth.master != nil {
		return s.auth.master, nil
	}
	m, err := secrets.OpenMaster(ctx, secrets.Options{Dir: s.Paths.DataDir, Mode: keyringMode(),
		Keyring: s.auth.keyring, Timeout: s.auth.keyringTimeout})
	if err != nil {
		s.Log.Error("master key unavailable", "err", err)
		return nil, &api.Error{Code: api.CodeInternal, Message: "the master key that protects tokens is unavailable: " + err.Error(),
			Hint: "IMPRESS_KEYRING=file keeps it in " + s.Paths.DataDir + "/" + secrets.KeyFileName + " instead of the OS keyring (only for a new data directory)"}
	}
	if m.Backend() == secrets.BackendFile && m.Note() != "" {
		s.Log.Warn("master key kept in a key file", "file", m.Location(), "why", m.Note())
	}
	s.auth.master = m
	return m, nil
}

// RemoveMasterKey deletes the master key (key file, or keyring entry and
// its id file) and forgets it, and says where it was ("" when there was
// none). Nothing sealed under it opens any more; the next login makes a
// new one. `privacy purge --all` calls it last.
func (s *Service) RemoveMasterKey(ctx context.Context) (string, error) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	where, err := secrets.RemoveMaster(ctx, secrets.Options{Dir: s.Paths.DataDir, Mode: keyringMode(),
		Keyring: s.auth.keyring, Timeout: s.auth.keyringTimeout})
	if err == nil {
		s.auth.master = nil
		if where != "" {
			s.Log.Info("master key removed", "where", where)
		}
	}
	return where, err
}

// keyStorage reports where the master key is, without creating one.
func (s *Service) keyStorage(ctx context.Context, haveConns bool) api.KeyStorage {
	s.auth.mu.Lock()
	m := s.auth.master
	s.auth.mu.Unlock()
	if m == nil && haveConns {
		var err error
		if m, err = s.MasterKey(ctx); err != nil {
			return api.KeyStorage{Backend: "none", Note: err.Error()}
		}
	}
	if m == nil {
		note := "created at the first login: in the OS keyring when one answers, else in " +
			s.Paths.DataDir + "/" + secrets.KeyFileName
		if mode, _ := secrets.ParseMode(keyringMode()); mode == secrets.ModeFile {
			note = "created at the first login in " + s.Paths.DataDir + "/" + secrets.KeyFileName + " (IMPRESS_KEYRING=file)"
		}
		return api.KeyStorage{Backend: "none", Note: note}
	}
	return api.KeyStorage{Backend: string(m.Backend()), Location: m.Location(), Note: m.Note()}
}

// ConnKey opens a connection's data key. Nothing is cached: after a purge
// the key exists nowhere.
func (s *Service) ConnKey(ctx context.Context, name string) (*secrets.DataKey, error) {
	sealed, err := s.DB.ConnKey(name)
	if err != nil {
		return nil, err
	}
	m, err := s.MasterKey(ctx)
	if err != nil {
		return nil, err
	}
	dk, err := m.OpenDataKey(name, sealed)
	if err != nil {
		return nil, &api.Error{Code: api.CodeLoginNeeded,
			Message: fmt.Sprintf("the stored tokens of connection %q cannot be decrypted (%v): the master key in %s is not the one they were sealed with", name, err, m.Location()),
			Hint:    fmt.Sprintf("run `impress privacy purge --connection %s`, then `impress auth login --connection %s`", name, name)}
	}
	return dk, nil
}

// OpenProfile opens c's sealed profile with dk (empty when either is
// missing or it does not open).
func (s *Service) OpenProfile(dk *secrets.DataKey, c store.Conn) feature.Profile {
	var p feature.Profile
	if dk == nil || len(c.SealedProfile) == 0 {
		return p
	}
	if raw, err := dk.Open(fieldProfile, c.SealedProfile); err == nil {
		json.Unmarshal(raw, &p)
	}
	return p
}

// MetaClient returns a Graph client for connection conn ("" picks the
// default connection: the only one, else the one named "default") and
// what the caller needs to know about it. Use it for every Meta call made
// on behalf of a connection (publish, comments, messages):
//
//	cl, ci, err := s.MetaClient(ctx, req.Connection)
//	if err != nil {
//		return err // an *api.Error: not_found, login_needed (with the fix), ...
//	}
//	_, err = cl.CreateContainer(ctx, ci.IGUserID, r)
//	if err != nil {
//		return s.MetaFail(ci.Name, err) // maps meta's class to the wire code
//	}
//
// The client reads the token from the store at every call (decrypting it
// with the connection's data key), so a long job picks up a token the
// refresher renewed meanwhile, and stops with login_needed the moment the
// connection is marked so. The token is registered with the log redactor
// (s.Red). Any call that Meta answers with a login error (190 and its
// subcodes, 102, HTTP 401) marks the connection "login_needed" (with the
// hint `impress auth login --connection N`); the refresher and `auth
// status` then say so. Use [Service.MetaPageClient] where Facebook Login
// needs the Page token (conversations, messages).
func (s *Service) MetaClient(ctx context.Context, conn string) (*meta.Client, feature.ConnInfo, error) {
	return s.connClient(ctx, conn, fieldToken)
}

// MetaPageClient is [Service.MetaClient] with the Page token for Facebook
// Login connections (the user token for Instagram Login ones).
func (s *Service) MetaPageClient(ctx context.Context, conn string) (*meta.Client, feature.ConnInfo, error) {
	return s.connClient(ctx, conn, fieldPageToken)
}

func (s *Service) connClient(ctx context.Context, conn, field string) (*meta.Client, feature.ConnInfo, error) {
	c, err := s.ResolveConn(conn)
	if err != nil {
		return nil, feature.ConnInfo{}, err
	}
	if lerr := loginNeededErr(c); lerr != nil {
		return nil, feature.ConnInfo{}, lerr
	}
	if field == fieldPageToken && len(c.SealedPageToken) == 0 {
		field = fieldToken
	}
	dk, err := s.ConnKey(ctx, c.Name)
	if err != nil {
		return nil, feature.ConnInfo{}, err
	}
	tok, err := s.OpenToken(dk, c, field)
	if err != nil {
		return nil, feature.ConnInfo{}, err
	}
	s.AddSecret(tok)
	cl, err := s.newMetaClient(meta.Flavour(c.Flavour), &connTokenSource{s: s, conn: c.Name, field: field},
		&loginWatch{s: s, conn: c.Name, base: s.metaTransport()})
	if err != nil {
		return nil, feature.ConnInfo{}, err
	}
	p := s.OpenProfile(dk, c)
	return cl, feature.ConnInfo{Name: c.Name, Flavour: meta.Flavour(c.Flavour), IGUserID: c.IGUserID, AppUserID: c.AppUserID,
		PageID: c.PageID, Username: p.Username, Scopes: c.Scopes, ExpiresAt: c.TokenExpiry}, nil
}

// newMetaClient is a Graph client for flavour f configured from the
// settings, with token source ts (nil for calls that carry their own token)
// over rt. Every client the daemon builds goes through here, so a
// configuration error reads the same (and redacted) everywhere.
func (s *Service) newMetaClient(f meta.Flavour, ts oauth2.TokenSource, rt http.RoundTripper) (*meta.Client, error) {
	cfg := s.metaConfig(f)
	cfg.TokenSource = ts
	cfg.HTTPClient = &http.Client{Transport: rt}
	cl, err := meta.New(cfg)
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "%s", s.RedactString(err.Error()))
	}
	return cl, nil
}

func (s *Service) metaTransport() http.RoundTripper {
	if s.auth.transport != nil {
		return s.auth.transport
	}
	return http.DefaultTransport
}

// metaConfig is the client configuration from the settings: endpoint
// (IMPRESS_META_ENDPOINT), version, the user's app and redirect URL.
func (s *Service) metaConfig(f meta.Flavour) meta.Config {
	st := s.Settings()
	cfg := meta.Config{
		Flavour:     f,
		Version:     st.String(config.MetaAPIVersion),
		Endpoint:    st.String(config.MetaEndpoint),
		AppID:       st.String(config.MetaAppID),
		AppSecret:   st.String(config.MetaAppSecret),
		RedirectURL: redirectURL(st.Int(config.MetaRedirectPort)),
		Retry:       s.auth.retry,
	}
	s.AddSecret(cfg.AppSecret)
	return cfg
}

// tokenExpiry computes a token's expiry from Meta's expires_in with the
// daemon's clock (meta.Token.Expiry uses the real one, which tests cannot
// move); zero when Meta did not say.
func (s *Service) tokenExpiry(tok *meta.Token) time.Time {
	if tok.ExpiresIn > 0 {
		return s.Now().Add(time.Duration(tok.ExpiresIn) * time.Second).UTC()
	}
	if tok.Expiry.IsZero() {
		return time.Time{}
	}
	return tok.Expiry.UTC()
}

func redirectURL(port int) string {
	if port == 0 {
		port = 8788
	}
	return fmt.Sprintf("http://localhost:%d/callback", port)
}

// OpenToken opens the token sealed in field (fieldToken or fieldPageToken)
// of c; a missing or unreadable one is login_needed with the fix.
func (s *Service) OpenToken(dk *secrets.DataKey, c store.Conn, field string) (string, error) {
	sealed := c.SealedToken
	if field == fieldPageToken {
		sealed = c.SealedPageToken
	}
	if len(sealed) == 0 {
		return "", loginNeeded(c.Name, "connection %q holds no token", c.Name)
	}
	raw, err := dk.Open(field, sealed)
	if err != nil {
		return "", loginNeeded(c.Name, "the token of connection %q cannot be decrypted: %v", c.Name, err)
	}
	return string(raw), nil
}

// loginNeeded builds the exit-4 error with the exact command to run.
func loginNeeded(conn, format string, args ...any) *api.Error {
	return &api.Error{Code: api.CodeLoginNeeded, Message: fmt.Sprintf(format, args...),
		Hint: "run `impress auth login --connection " + conn + "`"}
}

// loginNeededErr says why a connection cannot be used, or nil.
func loginNeededErr(c store.Conn) *api.Error {
	switch c.State {
	case store.ConnDisconnected:
		return loginNeeded(c.Name, "connection %q is logged out", c.Name)
	case store.ConnLoginNeeded:
		why := c.StateReason
		if why == "" {
			why = "the Meta login expired or was revoked"
		}
		return loginNeeded(c.Name, "connection %q needs a new login: %s", c.Name, why)
	}
	return nil
}

// connTokenSource reads the connection's current token at every call.
type connTokenSource struct {
	s     *Service
	conn  string
	field string
}

func (ts *connTokenSource) Token() (*oauth2.Token, error) {
	c, err := ts.s.DB.Conn(ts.conn)
	if err != nil {
		return nil, fmt.Errorf("%w: connection %q: %v", meta.ErrNoToken, ts.conn, err)
	}
	if lerr := loginNeededErr(c); lerr != nil {
		return nil, fmt.Errorf("%w: %s", meta.ErrNoToken, lerr.Message)
	}
	// The master key is cached by now (metaClient opened it); the context
	// only bounds a keyring call, which cannot happen here.
	dk, err := ts.s.ConnKey(context.Background(), ts.conn)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", meta.ErrNoToken, err)
	}
	tok, err := ts.s.OpenToken(dk, c, ts.field)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", meta.ErrNoToken, err)
	}
	ts.s.AddSecret(tok)
	return &oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: c.TokenExpiry}, nil
}

// loginWatch sits under meta's token transport and watches every answer:
// a login error (190, 102, HTTP 401) for the connection's current token
// marks the connection login_needed, whichever feature made the call.
type loginWatch struct {
	s    *Service
	conn string
	base http.RoundTripper
}

func (t *loginWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	var env struct {
		Error struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
			Subcode int    `json:"error_subcode"`
		} `json:"error"`
	}
	json.Unmarshal(body, &env)
	e := env.Error
	if meta.Classify(e.Code, e.Subcode) != meta.ClassLoginNeeded && !(e.Code == 0 && resp.StatusCode == http.StatusUnauthorized) {
		return resp, nil
	}
	reason := fmt.Sprintf("Meta answered (#%d", e.Code)
	if e.Subcode != 0 {
		reason += fmt.Sprintf("/%d", e.Subcode)
	}
	reason += ") " + e.Message
	t.s.markLoginNeeded(t.conn, requestToken(req), t.s.RedactString(strings.TrimSpace(reason)))
	return resp, nil
}

// requestToken extracts the token a request carried.
func requestToken(req *http.Request) string {
	if a := req.Header.Get("Authorization"); a != "" {
		if _, tok, ok := strings.Cut(a, " "); ok {
			return tok
		}
	}
	return req.URL.Query().Get("access_token")
}

// markLoginNeeded records that Meta refused the connection's token. used
// is the token that was refused: when it is no longer the stored one (a
// refresh or a new login replaced it meanwhile) nothing is marked.
func (s *Service) markLoginNeeded(conn, used, reason string) {
	mu := s.connLock(conn)
	mu.Lock()
	defer mu.Unlock()
	c, err := s.DB.Conn(conn)
	if err != nil || c.State == store.ConnLoginNeeded || c.State == store.ConnDisconnected {
		return
	}
	if used != "" {
		dk, err := s.ConnKey(context.Background(), conn)
		if err != nil {
			return
		}
		cur, _ := s.OpenToken(dk, c, fieldToken)
		page, _ := s.OpenToken(dk, c, fieldPageToken)
		if used != cur && used != page {
			return
		}
	}
	before := c.SealedToken
	_, err = s.DB.UpdateConn(conn, func(c *store.Conn) error {
		if !bytes.Equal(c.SealedToken, before) {
			return errStale
		}
		c.State, c.StateReason = store.ConnLoginNeeded, reason
		return nil
	})
	if err == nil {
		s.Log.Warn("connection needs a new login", "connection", conn, "reason", reason)
	}
}

var errStale = errors.New("the token changed meanwhile")

// MetaFail maps an error of a Meta call made for connection conn to the
// wire error other features should return, by the error's class: login
// errors become login_needed with the fix, rate limits and outages
// transient, refusals rejected, an unconfirmed publish unconfirmed
// (api.CodeForClass). What the class cannot say comes first: a call cut
// short is cancelled, a request meta refused to send is invalid_input. An
// unconfirmed publish wins over a cancel: the post may be live. The
// message is redacted.
func (s *Service) MetaFail(conn string, err error) *api.Error {
	if e, ok := api.AsError(err); ok {
		return e
	}
	msg := s.RedactString(err.Error())
	var me *meta.Error
	if errors.As(err, &me) {
		msg = s.RedactString(strings.TrimPrefix(me.Error(), "meta: "))
		if um := me.UserMessage(); um != "" && me.UserMsg != "" {
			msg = s.RedactString(um) + " (" + msg + ")"
		}
	}
	class := meta.ClassOf(err)
	switch {
	case class.MayHaveActed():
		return api.Errorf(api.CodeUnconfirmed, "%s", msg)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, meta.ErrWaitTimeout):
		return api.Errorf(api.CodeCancelled, "%s", msg)
	case errors.Is(err, meta.ErrInvalid):
		return api.Errorf(api.CodeInvalid, "%s", msg)
	case class.LoginNeeded() && conn != "":
		// The connection was marked by loginWatch when Meta answered
		// (only if the refused token is still the stored one).
		return loginNeeded(conn, "connection %q needs a new login: %s", conn, msg)
	}
	return api.Errorf(api.CodeForClass(class), "%s", msg)
}
