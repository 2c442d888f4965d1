package api

import (
	"context"
	"net/url"
	"time"
)

// Connection flavours: the Meta login product a connection was made with.
const (
	FlavorInstagram = "instagram" // Instagram Login, graph.instagram.com
	FlavorFacebook  = "facebook"  // Facebook Login, graph.facebook.com, IG account via a Page
)

// Connection states as `auth status` shows them.
const (
	ConnOK           = "ok"
	ConnRefreshDue   = "refresh_due"  // inside the refresh window, or a refresh failed for now
	ConnLoginNeeded  = "login_needed" // expired or revoked: `impress auth login --connection N`
	ConnDisconnected = "disconnected" // logged out; the record is kept until purged
)

// AuthConnection is one connection as `auth status` shows it. It never
// carries a token.
type AuthConnection struct {
	Connection        string    `json:"connection"`
	Default           bool      `json:"default"`
	Flavor            string    `json:"flavor"`
	AccountID         string    `json:"account_id"` // Instagram professional account id
	AppUserID         string    `json:"app_user_id,omitempty"`
	PageID            string    `json:"page_id,omitempty"`
	Username          string    `json:"username,omitempty"`
	Name              string    `json:"name,omitempty"`
	AccountType       string    `json:"account_type,omitempty"`
	ProfilePictureURL string    `json:"profile_picture_url,omitempty"`
	Scopes            []string  `json:"scopes"`
	ExpiresAt         time.Time `json:"expires_at,omitzero"` // zero: unknown or never
	IssuedAt          time.Time `json:"issued_at,omitzero"`
	State             string    `json:"state"`
	// StateReason says why the state is not ok.
	StateReason string `json:"state_reason,omitempty"`
	// Fix is the exact command that repairs the state, when one does.
	Fix string `json:"fix,omitempty"`
	// Removal says why a disconnected connection was disconnected by Meta
	// (deauthorize), with the confirmation code.
	Removal   *ConnRemoval `json:"removal,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// Reasons a connection was removed (ConnRemoval.Reason).
const (
	RemovedByPurge        = "purge"         // `impress privacy purge`
	RemovedByMetaDeletion = "meta_deletion" // a data deletion request from Meta
	RemovedByDeauthorize  = "deauthorize"   // the app was removed from the account (Meta's callback)
)

// ConnRemoval says when and why a connection was removed (or, for
// deauthorize, disconnected), the confirmation code, and the command that
// connects it again. It holds no personal data: the connection's name is
// the label the user chose, and nothing of Meta's account is kept.
type ConnRemoval struct {
	Connection string    `json:"connection"`
	Reason     string    `json:"reason"` // purge | meta_deletion | deauthorize
	Code       string    `json:"code,omitempty"`
	At         time.Time `json:"at"`
	// Message says it in a sentence for people.
	Message string `json:"message"`
	// Fix is the command that connects again.
	Fix string `json:"fix"`
}

// KeyStorage says where the master key that protects tokens is kept.
type KeyStorage struct {
	// Backend is "keyring", "file", or "none" (no key yet: nothing stored).
	Backend string `json:"backend"`
	// Location is the keyring entry or the key file's path.
	Location string `json:"location,omitempty"`
	// Note explains an automatic choice of the key file, or a problem.
	Note string `json:"note,omitempty"`
}

// AuthStatus is the answer of GET /v1/auth/status.
type AuthStatus struct {
	KeyStorage  KeyStorage       `json:"key_storage"`
	Default     string           `json:"default,omitempty"`
	Connections []AuthConnection `json:"connections"`
	// Removed are connections that no longer exist because a purge or a
	// deletion request from Meta removed them, newest first (until one of
	// the name is made again).
	Removed []ConnRemoval `json:"removed,omitempty"`
}

// LoginRequest starts a browser login (POST /v1/auth/login).
type LoginRequest struct {
	Connection string `json:"connection,omitempty"`
	Flavor     string `json:"flavor,omitempty"`
	// Account picks the Instagram account of a Facebook login that
	// manages several.
	Account string `json:"account,omitempty"`
	// Manual: the browser runs elsewhere (SSH, no display); the user
	// pastes the redirect URL, sent with [Client.LoginRedirect].
	Manual bool `json:"manual,omitempty"`
	// Interactive: the CLI can ask which account to use (a TTY); without
	// it several accounts and no Account fail with invalid_input.
	Interactive bool `json:"interactive,omitempty"`
}

// Login stages, in order.
const (
	LoginAuthorize     = "authorize"      // open AuthURL; waiting for the redirect
	LoginExchanging    = "exchanging"     // the redirect came; exchanging the code
	LoginChooseAccount = "choose_account" // several IG accounts: answer with [Client.LoginAccount]
	LoginDone          = "done"           // Connection is stored
)

// LoginEvent is one line of the login stream.
type LoginEvent struct {
	Stage       string    `json:"stage"`
	LoginID     string    `json:"login_id,omitempty"`
	AuthURL     string    `json:"auth_url,omitempty"`
	RedirectURI string    `json:"redirect_uri,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	// Listening is false when the loopback listener could not be opened
	// (manual mode only): the pasted URL is then the only way in.
	Listening  bool            `json:"listening,omitempty"`
	Accounts   []AccountChoice `json:"accounts,omitempty"`
	Connection *AuthConnection `json:"connection,omitempty"`
	Message    string          `json:"message,omitempty"`
}

// AccountChoice is one Instagram account reachable through a Facebook login.
type AccountChoice struct {
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	PageID   string `json:"page_id,omitempty"`
	PageName string `json:"page_name,omitempty"`
}

// TokenLogin stores a token given by the user (POST /v1/auth/token): the
// `auth login --with-token` path for CI and dashboard-generated tokens.
type TokenLogin struct {
	Connection string `json:"connection,omitempty"`
	Flavor     string `json:"flavor,omitempty"`
	Account    string `json:"account,omitempty"`
	Token      string `json:"token"`
}

// LogoutRequest is POST /v1/auth/logout.
type LogoutRequest struct {
	Connection string `json:"connection,omitempty"`
	// Revoke also asks Meta to remove the app's permissions (best effort;
	// Facebook Login only).
	Revoke bool `json:"revoke,omitempty"`
}

// LogoutResult says what logout did.
type LogoutResult struct {
	Connection string `json:"connection"`
	Revoked    bool   `json:"revoked"`
	// RevokeError says why revoking did not happen or failed; the local
	// token is gone either way.
	RevokeError string `json:"revoke_error,omitempty"`
	State       string `json:"state"`
}

// RefreshRequest is POST /v1/auth/refresh.
type RefreshRequest struct {
	Connection string `json:"connection,omitempty"`
}

// AuthStatus lists connections and where the master key is kept.
func (c *Client) AuthStatus(ctx context.Context) (*AuthStatus, error) {
	return doJSON[AuthStatus](ctx, c, "GET", "/v1/auth/status", nil)
}

// Login runs a browser login and calls fn with each stage. The login lives
// as long as the request: cancelling ctx abandons it and closes the
// daemon's loopback listener.
func (c *Client) Login(ctx context.Context, r LoginRequest, fn func(LoginEvent) error) error {
	return StreamEvents(ctx, c, "POST", "/v1/auth/login", r, fn)
}

// LoginRedirect hands the daemon the redirect URL the user pasted.
func (c *Client) LoginRedirect(ctx context.Context, loginID, redirectURL string) error {
	return c.Do(ctx, "POST", "/v1/auth/login/"+url.PathEscape(loginID)+"/redirect", map[string]string{"url": redirectURL}, nil)
}

// LoginAccount answers a choose_account stage.
func (c *Client) LoginAccount(ctx context.Context, loginID, account string) error {
	return c.Do(ctx, "POST", "/v1/auth/login/"+url.PathEscape(loginID)+"/account", map[string]string{"account": account}, nil)
}

// LoginWithToken stores a token after discovering its account through /me.
func (c *Client) LoginWithToken(ctx context.Context, r TokenLogin) (*AuthConnection, error) {
	return doJSON[AuthConnection](ctx, c, "POST", "/v1/auth/token", r)
}

// Logout forgets a connection's tokens (and revokes them when asked).
func (c *Client) Logout(ctx context.Context, r LogoutRequest) (*LogoutResult, error) {
	return doJSON[LogoutResult](ctx, c, "POST", "/v1/auth/logout", r)
}

// RefreshAuth refreshes a connection's token now.
func (c *Client) RefreshAuth(ctx context.Context, r RefreshRequest) (*AuthConnection, error) {
	return doJSON[AuthConnection](ctx, c, "POST", "/v1/auth/refresh", r)
}
