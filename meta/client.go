package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultVersion is the Graph API version used when [Config.Version] is empty
// (docs/META.md §1: v25.0 is the newest version Meta's Instagram pages show).
const DefaultVersion = "v25.0"

// Flavour is the login product a connection was made with. It decides the
// hosts, the OAuth endpoints and some parameters (docs/META.md §1, §2).
type Flavour string

const (
	// FlavourInstagram is "Instagram API with Instagram Login":
	// graph.instagram.com, api.instagram.com, www.instagram.com.
	FlavourInstagram Flavour = "instagram"
	// FlavourFacebook is "Instagram API with Facebook Login":
	// graph.facebook.com, www.facebook.com, rupload.facebook.com.
	FlavourFacebook Flavour = "facebook"
)

// ParseFlavour accepts "instagram" or "facebook".
func ParseFlavour(s string) (Flavour, error) {
	switch f := Flavour(strings.ToLower(strings.TrimSpace(s))); f {
	case FlavourInstagram, FlavourFacebook:
		return f, nil
	}
	return "", fmt.Errorf("meta: flavour %q: %w: want instagram or facebook", s, ErrInvalid)
}

// ErrNoToken may be wrapped by a [Config.TokenSource] error to say that no
// usable token exists; the call then fails with [ClassLoginNeeded].
var ErrNoToken = errors.New("no access token")

// RetryPolicy bounds the automatic retries of idempotent calls (GETs,
// DELETEs, hide/unhide, token exchanges that do not consume a code) on
// transient and rate-limit errors. Non-idempotent calls — container
// creation, media_publish, comments, replies, messages, code exchange — are
// never retried here: the caller decides, because a lost response may hide
// a success.
type RetryPolicy struct {
	MaxAttempts int           // total attempts, ≥ 1; default 3
	BaseDelay   time.Duration // first backoff, doubled per attempt; default 500 ms
	MaxDelay    time.Duration // backoff cap; a rate limit whose regain estimate exceeds it is not retried; default 30 s
}

// DefaultRetryPolicy returns the policy used for zero fields of
// [Config.Retry].
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second}
}

// Config configures a [Client]. Only Flavour is required.
type Config struct {
	Flavour Flavour
	// Version is the Graph API version, e.g. "v25.0" (default [DefaultVersion]).
	Version string
	// Endpoint replaces every Meta host (graph.*, api.instagram.com,
	// www.*, rupload.facebook.com) with this one base URL, paths unchanged.
	// It is IMPRESS_META_ENDPOINT / meta.endpoint, used for the sandbox.
	Endpoint string
	// HTTPClient is the base client (default: a client over
	// http.DefaultTransport). Its Transport is wrapped by the one transport
	// that adds the token, and redirects are refused so that a token is
	// never sent to a host this package did not choose.
	HTTPClient *http.Client
	// TokenSource supplies the connection's access token (Instagram User
	// token, or Facebook user/page token). Nil for a client used only to log in.
	TokenSource oauth2.TokenSource
	// AppID and AppSecret are the app's credentials: the Instagram app pair
	// for FlavourInstagram, the Meta app pair for FlavourFacebook. The secret
	// is needed for code exchange, long-lived exchange and debug_token; with
	// FlavourFacebook it also signs every Graph call with appsecret_proof.
	AppID     string
	AppSecret string
	// RedirectURL is the registered OAuth redirect URI, used verbatim in
	// the authorize URL and in the code exchange.
	RedirectURL string
	// PKCE chooses whether the authorize URL and code exchange carry PKCE.
	PKCE PKCEMode
	// TokenInQuery sends the token as the access_token query parameter on
	// Graph calls instead of the Authorization: Bearer header. Meta accepts
	// both; the header keeps the token out of URLs, so it is the default.
	TokenInQuery bool
	// Retry bounds automatic retries of idempotent calls.
	Retry RetryPolicy
	// OnUsage, if set, is called after every response that carried
	// rate-limit usage headers (see [Client.LastUsage]).
	OnUsage func(Usage)
}

// Client talks to the Graph API for one connection. It is safe for
// concurrent use.
type Client struct {
	cfg   Config
	hc    *http.Client
	base  *url.URL // parsed Endpoint, nil for the real hosts
	sleep func(context.Context, time.Duration) error
	now   func() time.Time

	mu    sync.Mutex
	usage Usage
}

// Compiled on first use rather than at package init, which every impress
// command would pay for.
var reVersion = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^v\d+\.\d+$`) })

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	f, err := ParseFlavour(string(cfg.Flavour))
	if err != nil {
		return nil, err
	}
	cfg.Flavour = f
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if !reVersion().MatchString(cfg.Version) {
		return nil, fmt.Errorf("meta: api version %q: %w: want e.g. %s", cfg.Version, ErrInvalid, DefaultVersion)
	}
	c := &Client{cfg: cfg, sleep: sleepCtx, now: time.Now}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("meta: endpoint %q: %w: want an http(s) base URL without query", Redact(cfg.Endpoint), ErrInvalid)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.User = nil
		c.base = u
	}
	def := DefaultRetryPolicy()
	if c.cfg.Retry.MaxAttempts < 1 {
		c.cfg.Retry.MaxAttempts = def.MaxAttempts
	}
	if c.cfg.Retry.BaseDelay <= 0 {
		c.cfg.Retry.BaseDelay = def.BaseDelay
	}
	if c.cfg.Retry.MaxDelay <= 0 {
		c.cfg.Retry.MaxDelay = def.MaxDelay
	}
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &authTransport{base: base}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	return c, nil
}

// WithTokenSource returns a client with the same configuration and another
// token source, e.g. after login produced the long-lived token.
func (c *Client) WithTokenSource(ts oauth2.TokenSource) *Client {
	c2 := &Client{cfg: c.cfg, hc: c.hc, base: c.base, sleep: c.sleep, now: c.now}
	c2.cfg.TokenSource = ts
	return c2
}

// Flavour returns the client's flavour.
func (c *Client) Flavour() Flavour { return c.cfg.Flavour }

// Version returns the Graph API version in use.
func (c *Client) Version() string { return c.cfg.Version }

// LastUsage returns the usage headers of the most recent response that had
// any (zero Usage before that). Callers should slow down when
// [Usage.High] is true.
func (c *Client) LastUsage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}

// host names one of Meta's hosts; with an Endpoint all map to it.
type host int

const (
	hostGraph         host = iota // graph.instagram.com or graph.facebook.com by flavour
	hostFacebookGraph             // graph.facebook.com whatever the flavour (debug_token)
	hostInstagramAPI              // api.instagram.com (IG Login code exchange)
	hostInstagramWWW              // www.instagram.com (IG Login authorize)
	hostFacebookWWW               // www.facebook.com (FB Login dialog)
	hostRupload                   // rupload.facebook.com (resumable bytes)
)

func (c *Client) hostURL(h host, path string) string {
	if c.base != nil {
		return c.base.Scheme + "://" + c.base.Host + c.base.Path + path
	}
	var name string
	switch h {
	case hostGraph:
		name = "graph.facebook.com"
		if c.cfg.Flavour == FlavourInstagram {
			name = "graph.instagram.com"
		}
	case hostFacebookGraph:
		name = "graph.facebook.com"
	case hostInstagramAPI:
		name = "api.instagram.com"
	case hostInstagramWWW:
		name = "www.instagram.com"
	case hostFacebookWWW:
		name = "www.facebook.com"
	case hostRupload:
		name = "rupload.facebook.com"
	}
	return "https://" + name + path
}

// vpath returns "/<version>/<seg>/<seg>" with each segment path-escaped, so
// an id can never climb out of its place in the path.
func (c *Client) vpath(segs ...string) string {
	var b strings.Builder
	b.WriteString("/" + c.cfg.Version)
	for _, s := range segs {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// request describes one call.
type request struct {
	op         string
	method     string
	host       host
	path       string
	query      url.Values
	form       url.Values // POST body, application/x-www-form-urlencoded
	json       any        // POST body, application/json
	body       io.Reader  // raw body (upload); bodyLen bytes
	bodyLen    int64
	header     http.Header
	auth       authMode
	token      string   // explicit token instead of the TokenSource
	secrets    []string // more values to scrub from errors (code, verifier, ...)
	noProof    bool     // no appsecret_proof (app tokens)
	idempotent bool     // may be retried automatically
}

// maxBody bounds how much of a response is read; Graph responses are small.
const maxBody = 8 << 20

// do performs r with retries per the policy and decodes a 2xx JSON body
// into out (if non-nil).
func (c *Client) do(ctx context.Context, r *request, out any) error {
	attempts := 1
	if r.idempotent {
		attempts = c.cfg.Retry.MaxAttempts
	}
	for i := 0; ; i++ {
		err := c.once(ctx, r, out)
		if err == nil {
			return nil
		}
		var e *Error
		if !errors.As(err, &e) || i+1 >= attempts || ctx.Err() != nil {
			return err
		}
		if e.class != ClassTransient && e.class != ClassRateLimited {
			return err
		}
		d := c.backoff(i)
		if e.RetryAfter > 0 {
			if e.RetryAfter > c.cfg.Retry.MaxDelay {
				return err
			}
			d = max(d, e.RetryAfter)
		}
		if serr := c.sleep(ctx, d); serr != nil {
			return fmt.Errorf("%w (retry interrupted: %w)", err, serr)
		}
	}
}

// backoff is exponential with jitter in [d/2, d], so that many clients
// hit by the same incident do not retry in lockstep.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.Retry.BaseDelay << min(attempt, 20)
	if d <= 0 || d > c.cfg.Retry.MaxDelay {
		d = c.cfg.Retry.MaxDelay
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once performs r a single time.
func (c *Client) once(ctx context.Context, r *request, out any) error {
	if err := ctx.Err(); err != nil {
		// Nothing is sent, so even a publish is known not to have happened.
		return fmt.Errorf("meta: %s: %w", r.op, err)
	}
	sc := scrubber(nil).with(c.cfg.AppSecret).with(r.secrets...)
	spec := authSpec{mode: r.auth}
	if r.auth != authNone {
		tok := r.token
		if tok == "" {
			if c.cfg.TokenSource == nil {
				return &Error{Op: r.op, Message: "no access token configured", class: ClassLoginNeeded}
			}
			t, err := c.cfg.TokenSource.Token()
			if err != nil {
				e := &Error{Op: r.op, Message: "token source", cause: sc.sanitize(err)}
				var me *Error
				if errors.As(err, &me) {
					e.class = me.class
				} else if errors.Is(err, ErrNoToken) {
					e.class = ClassLoginNeeded
				}
				return e
			}
			if t == nil || t.AccessToken == "" {
				return &Error{Op: r.op, Message: "empty access token", class: ClassLoginNeeded}
			}
			tok = t.AccessToken
		}
		sc = sc.with(tok)
		spec.token = tok
		if spec.mode == authBearer && c.cfg.TokenInQuery {
			spec.mode = authQuery
		}
		graph := r.host == hostGraph || r.host == hostFacebookGraph
		if c.cfg.Flavour == FlavourFacebook && c.cfg.AppSecret != "" && graph && !r.noProof {
			spec.proof = appSecretProof(tok, c.cfg.AppSecret)
			sc = sc.with(spec.proof)
		}
	}

	u := c.hostURL(r.host, r.path)
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	var ctype string
	switch {
	case r.form != nil:
		body, ctype = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			return fmt.Errorf("meta: %s: encode body: %w", r.op, err)
		}
		body, ctype = bytes.NewReader(b), "application/json"
	case r.body != nil:
		body = r.body
	}
	req, err := http.NewRequestWithContext(withAuth(ctx, spec), r.method, u, body)
	if err != nil {
		return &Error{Op: r.op, cause: sc.sanitize(err)}
	}
	if r.body != nil {
		req.ContentLength = r.bodyLen
		if r.bodyLen == 0 {
			req.Body = http.NoBody
		}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	for k, vs := range r.header {
		req.Header[k] = vs
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		e := &Error{Op: r.op, cause: sc.sanitize(err)}
		e.classify()
		return e
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	usage := c.recordUsage(resp.Header)
	if rerr != nil {
		return &Error{Op: r.op, HTTPStatus: resp.StatusCode, Message: "reading response", cause: sc.sanitize(rerr), class: ClassTransient}
	}
	if e := decodeError(r.op, resp.StatusCode, data, sc); e != nil {
		if e.class == ClassRateLimited {
			e.RetryAfter = usage.RegainAccess()
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &Error{Op: r.op, HTTPStatus: resp.StatusCode, Message: "malformed response: " + sc.clean(err.Error())}
		}
	}
	return nil
}

func (c *Client) recordUsage(h http.Header) Usage {
	u := parseUsage(h, c.now())
	if u.IsZero() {
		return u
	}
	c.mu.Lock()
	c.usage = u
	c.mu.Unlock()
	if c.cfg.OnUsage != nil {
		c.cfg.OnUsage(u)
	}
	return u
}

// decodeError returns nil for a successful response, else the decoded
// error: Graph's {"error":{...}} envelope, api.instagram.com's flat
// {"error_type","code","error_message"}, rupload's {"debug_info":{...}}, an
// OAuth-style {"error":"...","error_description":"..."}, or the bare HTTP
// status.
func decodeError(op string, status int, body []byte, sc scrubber) *Error {
	var env struct {
		Error        json.RawMessage `json:"error"`
		ErrorType    string          `json:"error_type"`
		Code         int             `json:"code"`
		ErrorMessage string          `json:"error_message"`
		ErrorDesc    string          `json:"error_description"`
		DebugInfo    *struct {
			Retriable bool   `json:"retriable"`
			Type      string `json:"type"`
			Message   string `json:"message"`
		} `json:"debug_info"`
		Success *bool `json:"success"`
	}
	jsonOK := json.Unmarshal(body, &env) == nil
	failed := status >= 300 ||
		(jsonOK && (len(env.Error) > 0 && string(env.Error) != "null" || env.ErrorType != "" ||
			env.DebugInfo != nil && (env.Success == nil || !*env.Success)))
	if !failed {
		return nil
	}
	e := &Error{Op: op, HTTPStatus: status}
	var graph struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		IsTransient bool   `json:"is_transient"`
		UserTitle   string `json:"error_user_title"`
		UserMsg     string `json:"error_user_msg"`
		TraceID     string `json:"fbtrace_id"`
	}
	var oauthErr string
	switch {
	case !jsonOK:
		e.Message = fmt.Sprintf("unexpected response (http %d)", status)
	case len(env.Error) > 0 && json.Unmarshal(env.Error, &graph) == nil:
		e.Message, e.Type, e.Code, e.Subcode = graph.Message, graph.Type, graph.Code, graph.Subcode
		e.Transient, e.UserTitle, e.UserMsg, e.TraceID = graph.IsTransient, graph.UserTitle, graph.UserMsg, graph.TraceID
	case len(env.Error) > 0 && json.Unmarshal(env.Error, &oauthErr) == nil:
		e.Type, e.Message = "OAuthException", oauthErr
		if env.ErrorDesc != "" {
			e.Message += ": " + env.ErrorDesc
		}
	case env.ErrorType != "" || env.ErrorMessage != "":
		e.Type, e.Code, e.Message = env.ErrorType, env.Code, env.ErrorMessage
	case env.DebugInfo != nil:
		e.Type, e.Message = env.DebugInfo.Type, env.DebugInfo.Message
		e.Transient = env.DebugInfo.Retriable
	default:
		e.Message = fmt.Sprintf("unexpected response (http %d)", status)
	}
	e.Message, e.UserTitle, e.UserMsg = sc.clean(e.Message), sc.clean(e.UserTitle), sc.clean(e.UserMsg)
	e.classify()
	if env.DebugInfo != nil && e.Code == 0 && !e.Transient {
		// rupload's non-retriable failures concern this upload session:
		// Meta's advice is a new container.
		e.class, e.hint = ClassRecreate, "The upload failed on Meta's side; create a new container and upload again"
	}
	return e
}
