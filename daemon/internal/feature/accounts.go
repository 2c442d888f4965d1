package feature

import (
	"context"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// Accounts is the auth feature as community and publish use it: Graph
// clients for a connection, the connection's data key, and what a Graph
// error means on the wire. daemon/auth implements it.
type Accounts interface {
	// MetaClient returns a Graph client for connection conn ("" picks the
	// default connection) and what the caller needs to know about it.
	// Errors are wire errors: not_found, login_needed with the fix, ….
	// Every Meta call made on behalf of a connection goes through one.
	MetaClient(ctx context.Context, conn string) (*meta.Client, ConnInfo, error)
	// MetaPageClient is MetaClient with the Page token of a Facebook Login
	// connection (conversations, messages).
	MetaPageClient(ctx context.Context, conn string) (*meta.Client, ConnInfo, error)
	// ResolveConn finds the connection a command means: the named one, or
	// the default.
	ResolveConn(name string) (store.Conn, error)
	// ConnKey opens a connection's data key, which seals everything kept
	// for it. Nothing is cached: after a purge the key exists nowhere.
	ConnKey(ctx context.Context, name string) (*secrets.DataKey, error)
	// MetaFail maps an error of a Meta call made for connection conn to
	// the wire error to return (redacted).
	MetaFail(conn string, err error) *api.Error
	// Disconnect deletes a connection's tokens and marks it disconnected,
	// as `auth logout` does, and records why (r.Name is the connection),
	// so that `auth status` and doctor can say it with r.Code.
	Disconnect(r store.RemovedConn) error
}

// AccountData is Accounts plus what the privacy feature needs to purge and
// export a connection: the master key (a purge seals its own secret with
// it), the sealed tokens and profile, Meta's revoke, and the connection as
// `auth status` shows it.
type AccountData interface {
	Accounts
	MasterKey(ctx context.Context) (*secrets.Master, error)
	// RemoveMasterKey deletes the master key wherever it is kept and says
	// where that was (`privacy purge --all`).
	RemoveMasterKey(ctx context.Context) (string, error)
	// OpenToken opens the token sealed in field (FieldToken or
	// FieldPageToken) of c.
	OpenToken(dk *secrets.DataKey, c store.Conn, field string) (string, error)
	// OpenProfile opens c's sealed profile (empty without a key).
	OpenProfile(dk *secrets.DataKey, c store.Conn) Profile
	// Revoke asks Meta to remove the app's permissions for c's user; it
	// says whether it did, or why not.
	Revoke(ctx context.Context, c store.Conn) (bool, string)
	ConnToAPI(ctx context.Context, c store.Conn, isDefault bool) api.AuthConnection
}

// Sealed token fields of a connection (the associated data of each sealed
// value, store.Conn.SealedToken and SealedPageToken).
const (
	FieldToken     = "token"
	FieldPageToken = "page_token"
)

// ConnInfo is what features need to know about a connection to call Meta.
// It holds no token.
type ConnInfo struct {
	Name      string
	Flavour   meta.Flavour
	IGUserID  string // the Instagram account id to use in paths
	AppUserID string // app-scoped user id (deletion callbacks)
	PageID    string // Facebook Login: the Page linked to the account
	Username  string
	Scopes    []string
	ExpiresAt time.Time
}

// Profile is the sealed part of a connection's identity.
type Profile struct {
	Username          string `json:"username,omitempty"`
	Name              string `json:"name,omitempty"`
	ProfilePictureURL string `json:"profile_picture_url,omitempty"`
}
