package meta

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// PKCEMode says whether the authorize URL and code exchange use PKCE (S256).
//
// Meta documents PKCE only for Facebook Login's OIDC manual flow, marked
// "still in testing"; whether a token from that flow carries instagram_*
// permissions is [UNVERIFIED]. Instagram Login documents no PKCE and always
// requires client_secret (community: no PKCE). Both ways are handled:
// [PKCEAuto] sends PKCE with Facebook Login (Meta ignores unknown
// parameters, so an unused challenge costs nothing, and if Meta honours it
// the verifier is sent) and not with Instagram Login (its exchange is not
// known to accept code_verifier); [PKCEAlways] and [PKCENever] override.
type PKCEMode int

const (
	PKCEAuto PKCEMode = iota
	PKCEAlways
	PKCENever
)

// UsesPKCE reports whether this client sends PKCE parameters.
func (c *Client) UsesPKCE() bool {
	switch c.cfg.PKCE {
	case PKCEAlways:
		return true
	case PKCENever:
		return false
	}
	return c.cfg.Flavour == FlavourFacebook
}

// DefaultScopes returns the permissions impress asks for (publishing,
// comments, messages) in the flavour's naming (docs/META.md §2).
func DefaultScopes(f Flavour) []string {
	if f == FlavourInstagram {
		return []string{"instagram_business_basic", "instagram_business_content_publish",
			"instagram_business_manage_comments", "instagram_business_manage_messages"}
	}
	return []string{"instagram_basic", "instagram_content_publish", "instagram_manage_comments",
		"instagram_manage_messages", "pages_show_list", "pages_read_engagement", "pages_manage_metadata"}
}

// AuthURLOptions are the per-login parts of the authorize URL.
type AuthURLOptions struct {
	// State is the random single-use CSRF value (required); the caller
	// compares it on the callback.
	State string
	// Verifier is a PKCE verifier from oauth2.GenerateVerifier; its S256
	// challenge is sent when [Client.UsesPKCE]. Pass the same verifier to
	// [Client.ExchangeCode].
	Verifier string
	// Scopes default to [DefaultScopes]; they are sent comma-separated.
	Scopes []string
	// ConfigID is a Facebook Login for Business configuration id; it
	// replaces scope.
	ConfigID string
	// ForceAuthentication makes Instagram ask for credentials again.
	ForceAuthentication bool
}

func (c *Client) oauth2Config(scopes []string) *oauth2.Config {
	cfg := &oauth2.Config{ClientID: c.cfg.AppID, RedirectURL: c.cfg.RedirectURL}
	if len(scopes) > 0 {
		// Meta wants a comma-separated list; oauth2 joins with spaces.
		cfg.Scopes = []string{strings.Join(scopes, ",")}
	}
	if c.cfg.Flavour == FlavourInstagram {
		cfg.Endpoint = oauth2.Endpoint{
			AuthURL:  c.hostURL(hostInstagramWWW, "/oauth/authorize"),
			TokenURL: c.hostURL(hostInstagramAPI, "/oauth/access_token"),
		}
	} else {
		cfg.Endpoint = oauth2.Endpoint{
			AuthURL:  c.hostURL(hostFacebookWWW, c.vpath("dialog", "oauth")),
			TokenURL: c.hostURL(hostGraph, c.vpath("oauth", "access_token")),
		}
	}
	return cfg
}

// AuthCodeURL returns the URL to open in the browser:
// www.instagram.com/oauth/authorize (Instagram Login) or
// www.facebook.com/<ver>/dialog/oauth (Facebook Login), with client_id,
// redirect_uri, response_type=code, scope, state and, when PKCE is used,
// code_challenge + code_challenge_method=S256.
func (c *Client) AuthCodeURL(o AuthURLOptions) (string, error) {
	const op = "auth url"
	switch {
	case o.State == "":
		return "", invalidf(op, "state is required")
	case c.cfg.AppID == "":
		return "", invalidf(op, "app id is required")
	case c.cfg.RedirectURL == "":
		return "", invalidf(op, "redirect url is required")
	case c.UsesPKCE() && o.Verifier == "":
		return "", invalidf(op, "a PKCE verifier is required for this flavour")
	}
	scopes := o.Scopes
	if len(scopes) == 0 && o.ConfigID == "" {
		scopes = DefaultScopes(c.cfg.Flavour)
	}
	var opts []oauth2.AuthCodeOption
	if c.UsesPKCE() {
		opts = append(opts, oauth2.S256ChallengeOption(o.Verifier))
	}
	if o.ConfigID != "" {
		opts = append(opts, oauth2.SetAuthURLParam("config_id", o.ConfigID))
	}
	if o.ForceAuthentication && c.cfg.Flavour == FlavourInstagram {
		opts = append(opts, oauth2.SetAuthURLParam("force_authentication", "1"))
	}
	return c.oauth2Config(scopes).AuthCodeURL(o.State, opts...), nil
}

// Token is an access token with what Meta said about it. Its String,
// GoString and LogValue hide AccessToken, so printing or logging a Token by
// accident leaks nothing.
type Token struct {
	AccessToken string
	TokenType   string
	// ExpiresIn is Meta's expires_in in seconds (0: not sent).
	ExpiresIn int64
	// Expiry is when the token expires (zero: unknown or never).
	Expiry time.Time
	// UserID is the Instagram professional account id (Instagram Login code
	// exchange; carried over to the long-lived token).
	UserID string
	// Permissions granted, when Meta reports them.
	Permissions []string
}

func (t Token) String() string {
	exp := "unknown"
	if !t.Expiry.IsZero() {
		exp = t.Expiry.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("meta.Token{AccessToken:%s, Expiry:%s, UserID:%s}", redactedMark, exp, t.UserID)
}

// GoString hides the token from %#v.
func (t Token) GoString() string { return t.String() }

// LogValue hides the token from log/slog.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_token", redactedMark), slog.Time("expiry", t.Expiry), slog.String("user_id", t.UserID))
}

// OAuth2 converts t for use as an oauth2.TokenSource.
func (t *Token) OAuth2() *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.Expiry, ExpiresIn: t.ExpiresIn}
}

// StaticToken returns a token source that always returns tok.
func StaticToken(tok string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})
}

type wireToken struct {
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	ExpiresIn   int64      `json:"expires_in"`
	UserID      flexString `json:"user_id"`
	Permissions flexList   `json:"permissions"`
}

func (c *Client) token(w wireToken) *Token {
	t := &Token{AccessToken: w.AccessToken, TokenType: w.TokenType, ExpiresIn: w.ExpiresIn,
		UserID: string(w.UserID), Permissions: w.Permissions}
	if w.ExpiresIn > 0 {
		t.Expiry = c.now().Add(time.Duration(w.ExpiresIn) * time.Second)
	}
	return t
}

func (c *Client) needApp(op string) error {
	if c.cfg.AppID == "" || c.cfg.AppSecret == "" {
		return invalidf(op, "app id and app secret are required")
	}
	if c.cfg.RedirectURL == "" && op == "exchange code" {
		return invalidf(op, "redirect url is required")
	}
	return nil
}

// ExchangeCode turns the authorization code from the redirect into a
// long-lived token: code → short-lived → long-lived (about 60 days). Pass
// the verifier given to [Client.AuthCodeURL] (ignored without PKCE). A
// trailing "#_" that Instagram appends to the code is stripped.
func (c *Client) ExchangeCode(ctx context.Context, code, verifier string) (*Token, error) {
	short, err := c.ExchangeCodeShortLived(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	return c.ExchangeLongLived(ctx, short)
}

// ExchangeCodeShortLived exchanges the code for a short-lived token.
// Instagram Login: POST api.instagram.com/oauth/access_token (form, both
// the {"data":[...]} and the flat response shapes). Facebook Login: GET
// graph.facebook.com/<ver>/oauth/access_token. Never retried: a code is
// single-use.
func (c *Client) ExchangeCodeShortLived(ctx context.Context, code, verifier string) (*Token, error) {
	const op = "exchange code"
	if err := c.needApp(op); err != nil {
		return nil, err
	}
	code = strings.TrimSuffix(code, "#_")
	if code == "" {
		return nil, invalidf(op, "empty code")
	}
	v := url.Values{"client_id": {c.cfg.AppID}, "client_secret": {c.cfg.AppSecret},
		"redirect_uri": {c.cfg.RedirectURL}, "code": {code}}
	if c.UsesPKCE() && verifier != "" {
		v.Set("code_verifier", verifier)
	}
	r := &request{op: op, auth: authNone, secrets: []string{code, verifier}}
	if c.cfg.Flavour == FlavourInstagram {
		v.Set("grant_type", "authorization_code")
		r.method, r.host, r.path, r.form = http.MethodPost, hostInstagramAPI, "/oauth/access_token", v
		var out struct {
			wireToken
			Data []wireToken `json:"data"`
		}
		if err := c.do(ctx, r, &out); err != nil {
			return nil, err
		}
		w := out.wireToken
		if len(out.Data) > 0 {
			w = out.Data[0]
		}
		if w.AccessToken == "" {
			return nil, &Error{Op: op, Message: "no access_token in response"}
		}
		return c.token(w), nil
	}
	r.method, r.host, r.path, r.query = http.MethodGet, hostGraph, c.vpath("oauth", "access_token"), v
	var w wireToken
	if err := c.do(ctx, r, &w); err != nil {
		return nil, err
	}
	if w.AccessToken == "" {
		return nil, &Error{Op: op, Message: "no access_token in response"}
	}
	return c.token(w), nil
}

// ExchangeLongLived swaps a short-lived token for a long-lived one.
// Instagram Login: GET graph.instagram.com/access_token?grant_type=
// ig_exchange_token&client_secret=… with access_token=<short>. Facebook
// Login: GET graph.facebook.com/<ver>/oauth/access_token?grant_type=
// fb_exchange_token&client_id&client_secret&fb_exchange_token=<short>.
// UserID and Permissions of short are carried over.
func (c *Client) ExchangeLongLived(ctx context.Context, short *Token) (*Token, error) {
	const op = "exchange long-lived token"
	if err := c.needApp(op); err != nil {
		return nil, err
	}
	r := &request{op: op, method: http.MethodGet, host: hostGraph, idempotent: true, secrets: []string{short.AccessToken}}
	if c.cfg.Flavour == FlavourInstagram {
		r.path = "/access_token"
		r.query = url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {c.cfg.AppSecret}}
		r.auth, r.token, r.noProof = authQuery, short.AccessToken, true
	} else {
		r.path = c.vpath("oauth", "access_token")
		r.query = url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {c.cfg.AppID},
			"client_secret": {c.cfg.AppSecret}, "fb_exchange_token": {short.AccessToken}}
		r.auth = authNone
	}
	var w wireToken
	if err := c.do(ctx, r, &w); err != nil {
		return nil, err
	}
	if w.AccessToken == "" {
		return nil, &Error{Op: op, Message: "no access_token in response"}
	}
	t := c.token(w)
	if t.UserID == "" {
		t.UserID = short.UserID
	}
	if len(t.Permissions) == 0 {
		t.Permissions = short.Permissions
	}
	return t, nil
}

// RefreshToken extends an Instagram Login long-lived token by another ~60
// days: GET graph.instagram.com/refresh_access_token?grant_type=
// ig_refresh_token with access_token=<long-lived>. Meta refuses tokens
// younger than 24 h or already expired. No app secret is needed. Facebook
// Login user tokens cannot be refreshed this way: [ErrUnsupported].
func (c *Client) RefreshToken(ctx context.Context, longLived string) (*Token, error) {
	const op = "refresh token"
	if c.cfg.Flavour != FlavourInstagram {
		return nil, fmt.Errorf("meta: %s: %w", op, ErrUnsupported)
	}
	var w wireToken
	err := c.do(ctx, &request{op: op, method: http.MethodGet, host: hostGraph, path: "/refresh_access_token",
		query: url.Values{"grant_type": {"ig_refresh_token"}}, auth: authQuery, token: longLived,
		noProof: true, idempotent: true}, &w)
	if err != nil {
		return nil, err
	}
	if w.AccessToken == "" {
		return nil, &Error{Op: op, Message: "no access_token in response"}
	}
	return c.token(w), nil
}
