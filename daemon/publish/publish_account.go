package publish

import (
	"context"

	"github.com/impress-dev/impress/meta"
)

// pubAccount is what a publish needs of a connection: a Graph client whose
// token is read from the store at every call, and the account's ids.
type pubAccount struct {
	Client   *meta.Client
	Conn     string // the connection's name (resolved from the default)
	IGUser   string // Instagram account id used in paths
	Flavour  meta.Flavour
	Username string
}

// connAccount is publisher.account in the daemon: the auth feature's
// metaClient (default connection, login_needed errors with their fix).
func (p *publisher) connAccount(ctx context.Context, conn string) (*pubAccount, error) {
	cl, ci, err := p.s.accounts.MetaClient(ctx, conn)
	if err != nil {
		return nil, err
	}
	ig := ci.IGUserID
	if ig == "" && ci.Flavour == meta.FlavourInstagram {
		ig = "me" // Instagram Login accepts "me" in paths
	}
	return &pubAccount{Client: cl, Conn: ci.Name, IGUser: ig, Flavour: ci.Flavour, Username: ci.Username}, nil
}

// metaError maps an error of a Meta call to the wire error a job ends with.
func (p *publisher) metaError(conn string, err error) error {
	return p.s.accounts.MetaFail(conn, err)
}
