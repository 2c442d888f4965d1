package meta

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Account describes the logged-in identity. With Instagram Login, /me is
// the Instagram professional account: UserID is the IG account id to use in
// paths ("me" works too), ID the app-scoped id. With Facebook Login, /me is
// the Facebook user (or the Page, for a page token): only ID and Name are
// set, and the IG account comes from [Client.Pages].
type Account struct {
	ID                string `json:"id"`
	UserID            string `json:"user_id"`
	Username          string `json:"username"`
	Name              string `json:"name"`
	AccountType       string `json:"account_type"`
	ProfilePictureURL string `json:"profile_picture_url"`
	FollowersCount    int    `json:"followers_count"`
	MediaCount        int    `json:"media_count"`
}

// Me discovers who the token belongs to (used by `auth login --with-token`).
// Instagram Login asks for id,user_id,username,name,account_type,
// profile_picture_url; Facebook Login for id,name (the other fields do not
// exist on a Facebook user and would fail the call).
func (c *Client) Me(ctx context.Context) (*Account, error) {
	fields := "id,name"
	if c.cfg.Flavour == FlavourInstagram {
		fields = "id,user_id,username,name,account_type,profile_picture_url"
	}
	var a Account
	err := c.do(ctx, &request{op: "me", method: http.MethodGet, host: hostGraph, path: c.vpath("me"),
		query: url.Values{"fields": {fields}}, idempotent: true}, &a)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// IGAccount reads an Instagram professional account node by id (for
// Facebook Login, the id from [Page.IGAccount]).
func (c *Client) IGAccount(ctx context.Context, igUser string) (*Account, error) {
	var a Account
	err := c.do(ctx, &request{op: "ig account", method: http.MethodGet, host: hostGraph, path: c.vpath(igUser),
		query: url.Values{"fields": {"id,username,name,profile_picture_url,followers_count,media_count"}}, idempotent: true}, &a)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Page is a Facebook Page the user manages, with its linked Instagram
// account (nil when the Page has none) and the Page access token. Its String
// hides the token.
type Page struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	AccessToken string         `json:"access_token"`
	IGAccount   *IGAccountLink `json:"instagram_business_account"`
}

// IGAccountLink is a Page's instagram_business_account.
type IGAccountLink struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

func (p Page) String() string {
	ig := "none"
	if p.IGAccount != nil {
		ig = p.IGAccount.ID + " @" + p.IGAccount.Username
	}
	return fmt.Sprintf("meta.Page{ID:%s, Name:%q, IG:%s, AccessToken:%s}", p.ID, p.Name, ig, redactedMark)
}

// GoString hides the token from %#v.
func (p Page) GoString() string { return p.String() }

// maxPages bounds pagination loops against a server that never stops.
const maxPages = 100

// Pages lists every Page of the Facebook Login user with its Instagram
// account: GET /me/accounts?fields=id,name,access_token,
// instagram_business_account{id,username}, following cursors. All Pages are
// returned; the caller picks (Pages without IGAccount cannot publish).
// Pages granted only through Business Manager may be missing (docs/META.md §2).
func (c *Client) Pages(ctx context.Context) ([]Page, error) {
	if c.cfg.Flavour != FlavourFacebook {
		return nil, fmt.Errorf("meta: pages: %w", ErrUnsupported)
	}
	var pages []Page
	after := ""
	for range maxPages {
		q := url.Values{"fields": {"id,name,access_token,instagram_business_account{id,username}"}}
		PageOptions{After: after}.apply(q)
		var out list[Page]
		if err := c.do(ctx, &request{op: "pages", method: http.MethodGet, host: hostGraph,
			path: c.vpath("me", "accounts"), query: q, idempotent: true}, &out); err != nil {
			return nil, err
		}
		pages = append(pages, out.Data...)
		p := out.Paging.paging()
		if !p.HasNext || p.After == "" || p.After == after || len(out.Data) == 0 {
			break
		}
		after = p.After
	}
	return pages, nil
}

// TokenInfo is the result of debug_token.
type TokenInfo struct {
	AppID               string
	Type                string // USER, PAGE, APP
	Application         string
	IsValid             bool
	UserID              string
	Scopes              []string
	GranularScopes      []GranularScope
	IssuedAt            time.Time
	ExpiresAt           time.Time // zero: never expires
	DataAccessExpiresAt time.Time
}

// GranularScope is one entry of debug_token's granular_scopes.
type GranularScope struct {
	Scope     string   `json:"scope"`
	TargetIDs []string `json:"target_ids"`
}

// DebugToken inspects a token with GET graph.facebook.com/<ver>/debug_token
// ?input_token=…, authenticated with the app token "<app id>|<app secret>".
// It needs AppID and AppSecret, and works for Facebook Login tokens; for
// Instagram Login tokens Meta documents no inspection endpoint (call
// [Client.Me] and track expiry locally).
func (c *Client) DebugToken(ctx context.Context, input string) (*TokenInfo, error) {
	const op = "debug token"
	if c.cfg.AppID == "" || c.cfg.AppSecret == "" {
		return nil, invalidf(op, "app id and app secret are required")
	}
	var out struct {
		Data struct {
			AppID               flexString      `json:"app_id"`
			Type                string          `json:"type"`
			Application         string          `json:"application"`
			IsValid             bool            `json:"is_valid"`
			UserID              flexString      `json:"user_id"`
			Scopes              []string        `json:"scopes"`
			GranularScopes      []GranularScope `json:"granular_scopes"`
			IssuedAt            int64           `json:"issued_at"`
			ExpiresAt           int64           `json:"expires_at"`
			DataAccessExpiresAt int64           `json:"data_access_expires_at"`
		} `json:"data"`
	}
	err := c.do(ctx, &request{op: op, method: http.MethodGet, host: hostFacebookGraph, path: c.vpath("debug_token"),
		query: url.Values{"input_token": {input}}, auth: authQuery, token: c.cfg.AppID + "|" + c.cfg.AppSecret,
		noProof: true, idempotent: true, secrets: []string{input}}, &out)
	if err != nil {
		return nil, err
	}
	d := out.Data
	unix := func(s int64) time.Time {
		if s <= 0 {
			return time.Time{}
		}
		return time.Unix(s, 0).UTC()
	}
	return &TokenInfo{AppID: string(d.AppID), Type: d.Type, Application: d.Application, IsValid: d.IsValid,
		UserID: string(d.UserID), Scopes: d.Scopes, GranularScopes: d.GranularScopes,
		IssuedAt: unix(d.IssuedAt), ExpiresAt: unix(d.ExpiresAt), DataAccessExpiresAt: unix(d.DataAccessExpiresAt)}, nil
}

// Revoke removes the app's permissions for the Facebook Login user:
// DELETE graph.facebook.com/<ver>/me/permissions. Instagram Login has no
// documented revoke endpoint ([UNVERIFIED]): [ErrUnsupported]; the user
// removes the app in Instagram's settings. Either way the caller must also
// delete its stored token.
func (c *Client) Revoke(ctx context.Context) error {
	const op = "revoke"
	if c.cfg.Flavour != FlavourFacebook {
		return fmt.Errorf("meta: %s: %w", op, ErrUnsupported)
	}
	return c.expectSuccess(ctx, &request{op: op, method: http.MethodDelete, host: hostGraph,
		path: c.vpath("me", "permissions"), idempotent: true})
}

// SubscribeApp subscribes the app to webhook fields for one account:
// POST /<owner>/subscribed_apps?subscribed_fields=… where owner is "me"
// (Instagram Login) or the Page id with a Page token (Facebook Login).
func (c *Client) SubscribeApp(ctx context.Context, owner string, fields []string) error {
	return c.expectSuccess(ctx, &request{op: "subscribe app", method: http.MethodPost, host: hostGraph,
		path: c.vpath(owner, "subscribed_apps"), form: url.Values{"subscribed_fields": {strings.Join(fields, ",")}},
		idempotent: true})
}

// expectSuccess performs r and requires {"success":true} or true.
func (c *Client) expectSuccess(ctx context.Context, r *request) error {
	var ok success
	if err := c.do(ctx, r, &ok); err != nil {
		return err
	}
	if !ok {
		return &Error{Op: r.op, Message: "Meta did not confirm success"}
	}
	return nil
}
