package auth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// Auth feature: connections to Meta accounts, their encrypted tokens, the
// browser login (login.go), the token lifecycle (tokens.go, refresh.go).
//
//	GET  /v1/auth/status                 connections and where the master key is
//	POST /v1/auth/login                  browser login, NDJSON stages (api.LoginEvent)
//	POST /v1/auth/login/{id}/redirect    the redirect URL pasted in --no-browser mode
//	POST /v1/auth/login/{id}/account     the IG account chosen among several
//	POST /v1/auth/token                  --with-token: store a token after /me
//	POST /v1/auth/logout                 forget the tokens (and revoke them)
//	POST /v1/auth/refresh                refresh an Instagram token now

// Routes registers the auth feature's local API routes.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/auth/status", s.NeedStore(s.authStatus))
	mux.HandleFunc("POST /v1/auth/login", s.NeedStore(s.postLogin))
	mux.HandleFunc("POST /v1/auth/login/{id}/redirect", s.NeedStore(s.postLoginRedirect))
	mux.HandleFunc("POST /v1/auth/login/{id}/account", s.NeedStore(s.postLoginAccount))
	mux.HandleFunc("POST /v1/auth/token", s.NeedStore(s.postToken))
	mux.HandleFunc("POST /v1/auth/logout", s.NeedStore(s.postLogout))
	mux.HandleFunc("POST /v1/auth/refresh", s.NeedStore(s.postRefresh))
}

// Start starts the token refresher.
func (s *Service) Start(ctx context.Context) error {
	s.startRefresher(ctx)
	return nil
}

// Stop stops the token refresher, waiting for a sweep in progress
// (bounded by ctx).
func (s *Service) Stop(ctx context.Context) {
	if s.stopRefresher != nil {
		s.stopRefresher(ctx)
	}
}

// Disconnect deletes a connection's tokens and marks it disconnected, as
// `auth logout` does (Meta's deauthorize callback), and records why.
func (s *Service) Disconnect(r store.RemovedConn) error {
	mu := s.connLock(r.Name)
	mu.Lock()
	defer mu.Unlock()
	_, err := s.DB.UpdateConn(r.Name, func(c *store.Conn) error {
		c.SealedToken, c.SealedPageToken = nil, nil
		c.State, c.StateReason = store.ConnDisconnected, removalToAPI(r).Message
		return nil
	})
	if err != nil {
		return err
	}
	return s.DB.PutRemoved(r)
}

// removalToAPI says why a connection went, for people, and how to connect
// it again.
func removalToAPI(r store.RemovedConn) api.ConnRemoval {
	when := r.At.UTC().Format("2006-01-02 15:04 UTC")
	code := ""
	if r.Code != "" {
		code = ", confirmation code " + r.Code
	}
	out := api.ConnRemoval{Connection: r.Name, Reason: r.Reason, Code: r.Code, At: r.At.UTC(),
		Fix: "impress auth login --connection " + r.Name}
	switch r.Reason {
	case store.RemovedByMetaDeletion:
		out.Message = fmt.Sprintf("removed on %s by a data deletion request from Meta (the account's owner asked Meta to delete their data%s): its tokens and data were purged", when, code)
	case store.RemovedByDeauthorize:
		out.Message = fmt.Sprintf("disconnected on %s: the app was removed from the account in Instagram or Facebook (Meta's deauthorize callback%s); its tokens were deleted, its data stays until `impress privacy purge --connection %s`", when, code, r.Name)
	default:
		out.Message = fmt.Sprintf("removed on %s by `impress privacy purge`%s", when, strings.Replace(code, "confirmation code", "receipt", 1))
	}
	return out
}

// removals are the removal records by connection name.
func (s *Service) removals() map[string]store.RemovedConn {
	rs, err := s.DB.Removed()
	if err != nil {
		s.Log.Warn("read the records of removed connections", "err", err)
	}
	out := map[string]store.RemovedConn{}
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

// defaultConnName applies README's rule ("Which connection a command
// uses"): the only connection, else the
// one named "default"; "" when neither applies.
func defaultConnName(conns []store.Conn) string {
	if len(conns) == 1 {
		return conns[0].Name
	}
	for _, c := range conns {
		if c.Name == "default" {
			return c.Name
		}
	}
	return ""
}

func connNames(conns []store.Conn) string {
	names := make([]string, len(conns))
	for i, c := range conns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// ResolveConn finds the connection a command means: the named one, or the
// default. Errors are wire errors: no connection at all is login_needed,
// an unknown name not_found, an ambiguous default invalid_input
// naming --connection.
func (s *Service) ResolveConn(name string) (store.Conn, error) {
	conns, err := s.DB.Conns()
	if err != nil {
		return store.Conn{}, err
	}
	if name == "" {
		name = defaultConnName(conns)
		switch {
		case len(conns) == 0:
			return store.Conn{}, &api.Error{Code: api.CodeLoginNeeded, Message: "no Meta connection yet",
				Hint: "run `impress auth login` (or `impress auth login --with-token` in CI)"}
		case name == "":
			return store.Conn{}, api.Errorf(api.CodeInvalid,
				"there are several connections (%s) and none is named default; pick one with --connection NAME", connNames(conns))
		}
	}
	for _, c := range conns {
		if c.Name == name {
			return c, nil
		}
	}
	if len(conns) == 0 {
		return store.Conn{}, loginNeeded(name, "no Meta connection yet")
	}
	return store.Conn{}, &api.Error{Code: api.CodeNotFound, Message: fmt.Sprintf("no connection named %q", name),
		Hint: "the connections are: " + connNames(conns) + " (`impress auth status`)"}
}

// displayState is the state `auth status` shows: the stored one, plus what
// the clock says (expired, inside the refresh window), with the fix.
func displayState(c store.Conn, now time.Time) (state, reason, fix string) {
	login := "impress auth login --connection " + c.Name
	switch {
	case c.State == store.ConnDisconnected:
		return api.ConnDisconnected, c.StateReason, login
	case c.State == store.ConnLoginNeeded:
		return api.ConnLoginNeeded, c.StateReason, login
	case !c.TokenExpiry.IsZero() && !now.Before(c.TokenExpiry):
		return api.ConnLoginNeeded, "the token expired on " + c.TokenExpiry.UTC().Format(time.RFC3339), login
	}
	ig := c.Flavour == string(meta.FlavourInstagram)
	switch {
	case c.State == store.ConnRefreshDue && ig:
		return api.ConnRefreshDue, c.StateReason, "impress auth refresh --connection " + c.Name
	case ig && !c.TokenExpiry.IsZero() && c.TokenExpiry.Sub(now) <= refreshWindow:
		return api.ConnRefreshDue, "the token expires on " + c.TokenExpiry.UTC().Format(time.RFC3339) +
			"; the daemon refreshes it", "impress auth refresh --connection " + c.Name
	case !ig && !c.TokenExpiry.IsZero() && c.TokenExpiry.Sub(now) <= expiryWarning:
		return api.ConnRefreshDue, "the token expires on " + c.TokenExpiry.UTC().Format(time.RFC3339) +
			"; Facebook Login tokens cannot be refreshed, log in again before then", login
	}
	return api.ConnOK, "", ""
}

// ConnToAPI maps a connection to the wire; the profile is decrypted when
// the keys are at hand (it stays empty otherwise).
func (s *Service) ConnToAPI(ctx context.Context, c store.Conn, isDefault bool) api.AuthConnection {
	var p feature.Profile
	if dk, err := s.ConnKey(ctx, c.Name); err == nil {
		p = s.OpenProfile(dk, c)
	}
	state, reason, fix := displayState(c, s.Now())
	var removal *api.ConnRemoval
	if state == api.ConnDisconnected {
		if rc, err := s.DB.Removed(); err == nil {
			for _, r := range rc {
				if r.Name == c.Name && r.Reason == store.RemovedByDeauthorize {
					x := removalToAPI(r)
					removal = &x
				}
			}
		}
	}
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return api.AuthConnection{
		Connection: c.Name, Default: isDefault, Flavor: c.Flavour,
		AccountID: c.IGUserID, AppUserID: c.AppUserID, PageID: c.PageID,
		Username: p.Username, Name: p.Name, AccountType: c.AccountType, ProfilePictureURL: p.ProfilePictureURL,
		Scopes: scopes, ExpiresAt: c.TokenExpiry, IssuedAt: c.TokenIssuedAt,
		State: state, StateReason: reason, Fix: fix, Removal: removal, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

func (s *Service) authStatus(w http.ResponseWriter, r *http.Request) {
	conns, err := s.DB.Conns()
	if err != nil {
		s.Fail(w, err)
		return
	}
	def := defaultConnName(conns)
	out := api.AuthStatus{KeyStorage: s.keyStorage(r.Context(), len(conns) > 0), Default: def,
		Connections: []api.AuthConnection{}}
	removed := s.removals()
	for _, c := range conns {
		out.Connections = append(out.Connections, s.ConnToAPI(r.Context(), c, c.Name == def))
		delete(removed, c.Name)
	}
	for _, rc := range removed {
		out.Removed = append(out.Removed, removalToAPI(rc))
	}
	slices.SortFunc(out.Removed, func(a, b api.ConnRemoval) int { return b.At.Compare(a.At) })
	httpx.WriteJSON(w, http.StatusOK, out)
}

// readConnRequest decodes a request into req and resolves the connection
// it names (*conn, a field of req); false means the error is written.
func (s *Service) readConnRequest(w http.ResponseWriter, r *http.Request, req any, conn *string) (store.Conn, bool) {
	if !httpx.DecodeBody(w, r, req) {
		return store.Conn{}, false
	}
	c, err := s.ResolveConn(*conn)
	if err != nil {
		s.Fail(w, err)
		return c, false
	}
	return c, true
}

func (s *Service) postRefresh(w http.ResponseWriter, r *http.Request) {
	var req api.RefreshRequest
	c, ok := s.readConnRequest(w, r, &req, &req.Connection)
	if !ok {
		return
	}
	c, err := s.refreshConn(r.Context(), c.Name, true)
	if err != nil {
		s.Fail(w, err)
		return
	}
	conns, _ := s.DB.Conns()
	httpx.WriteJSON(w, http.StatusOK, s.ConnToAPI(r.Context(), c, defaultConnName(conns) == c.Name))
}

// postLogout forgets a connection's tokens: the sealed tokens are removed
// and the state becomes disconnected; the record, its data key and what
// features stored for it stay until `impress privacy purge`. With revoke,
// Meta is asked first to drop the app's permissions (Facebook Login; best
// effort: the local token goes whatever Meta answers).
func (s *Service) postLogout(w http.ResponseWriter, r *http.Request) {
	var req api.LogoutRequest
	c, ok := s.readConnRequest(w, r, &req, &req.Connection)
	if !ok {
		return
	}
	res := api.LogoutResult{Connection: c.Name, State: api.ConnDisconnected}
	if req.Revoke {
		res.Revoked, res.RevokeError = s.Revoke(r.Context(), c)
	}
	mu := s.connLock(c.Name)
	mu.Lock()
	_, err := s.DB.UpdateConn(c.Name, func(cur *store.Conn) error {
		cur.SealedToken, cur.SealedPageToken = nil, nil
		cur.State = store.ConnDisconnected
		cur.StateReason = "logged out on " + s.Now().UTC().Format(time.RFC3339)
		return nil
	})
	mu.Unlock()
	if err != nil {
		s.Fail(w, err)
		return
	}
	s.Log.Info("logged out", "connection", c.Name, "revoked", res.Revoked)
	httpx.WriteJSON(w, http.StatusOK, res)
}

// Revoke asks Meta to remove the app's permissions for the connection's
// user (DELETE /me/permissions). Instagram Login documents no revoke.
func (s *Service) Revoke(ctx context.Context, c store.Conn) (bool, string) {
	if c.Flavour != string(meta.FlavourFacebook) {
		return false, "Instagram Login has no revoke endpoint; remove the app in Instagram: Settings → Apps and websites"
	}
	if len(c.SealedToken) == 0 {
		return false, "no token to revoke (already logged out)"
	}
	dk, err := s.ConnKey(ctx, c.Name)
	if err != nil {
		return false, s.RedactString(err.Error())
	}
	tok, err := s.OpenToken(dk, c, fieldToken)
	if err != nil {
		return false, s.RedactString(err.Error())
	}
	cl, err := s.newMetaClient(meta.FlavourFacebook, meta.StaticToken(tok), s.metaTransport())
	if err != nil {
		return false, err.Error()
	}
	cctx, cancel := context.WithTimeout(ctx, metaCallTimeout)
	defer cancel()
	if err := cl.Revoke(cctx); err != nil {
		return false, s.MetaFail("", err).Message
	}
	return true, ""
}

// Health is doctor's view of the master key and each connection.
func (s *Service) Health() []api.Check {
	if s.DB == nil {
		return nil
	}
	conns, err := s.DB.Conns()
	if err != nil {
		return []api.Check{{Name: "tokens", Status: "FAIL", Detail: err.Error()}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*secrets.DefaultTimeout)
	defer cancel()
	var out []api.Check
	// Connections a purge or Meta removed: say when, why, with the code.
	removed := s.removals()
	for _, c := range conns {
		delete(removed, c.Name)
	}
	names := slices.Sorted(maps.Keys(removed))
	for _, n := range names {
		r := removalToAPI(removed[n])
		status := "OK" // the user's own purge: said, not a problem
		if r.Reason != api.RemovedByPurge {
			status = "WARN"
		}
		out = append(out, api.Check{Name: "connection " + n, Status: status, Detail: r.Message, Fix: "to connect again: `" + r.Fix + "`"})
	}
	ks := s.keyStorage(ctx, len(conns) > 0)
	switch {
	case len(conns) == 0:
		out = append(out, api.Check{Name: "tokens", Status: "WARN", Detail: "no Meta connection",
			Fix: "run `impress auth login` (it opens your browser), or with a token from the App Dashboard: `printenv IG_TOKEN | impress auth login --with-token`"})
		return out
	case ks.Backend == "none":
		out = append(out, api.Check{Name: "master key", Status: "FAIL", Detail: ks.Note,
			Fix: "unlock the OS keyring, or see `impress auth status`"})
	case ks.Backend == string(secrets.BackendFile):
		out = append(out, api.Check{Name: "master key", Status: "OK", Detail: "key file " + ks.Location + note(ks.Note)})
	default:
		out = append(out, api.Check{Name: "master key", Status: "OK", Detail: ks.Location})
	}
	for _, c := range conns {
		state, reason, fix := displayState(c, s.Now())
		ch := api.Check{Name: "connection " + c.Name, Status: "OK", Detail: state}
		if reason != "" {
			ch.Detail += ": " + reason
		}
		switch state {
		case api.ConnRefreshDue:
			ch.Status, ch.Fix = "WARN", "run `"+fix+"`"
		case api.ConnLoginNeeded, api.ConnDisconnected:
			ch.Status, ch.Fix = "FAIL", "run `"+fix+"`"
		}
		out = append(out, ch)
	}
	return out
}

func note(n string) string {
	if n == "" {
		return ""
	}
	return " (" + n + ")"
}

// errNoAccount is the cause of a Facebook login whose Pages have no
// Instagram professional account.
var errNoAccount = errors.New("no Instagram professional account is linked to your Facebook Pages")
