package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// discovered is what a token tells about its account, ready to be stored.
type discovered struct {
	flavour     meta.Flavour
	appUserID   string
	igUserID    string
	pageID      string
	accountType string
	profile     feature.Profile
	scopes      []string
	token       string
	pageToken   string
	expiry      time.Time
}

// chooseFunc picks one of several Instagram accounts of a Facebook login.
type chooseFunc func([]api.AccountChoice) (string, error)

// discover asks Meta who the token belongs to. Instagram Login: /me is the
// professional account. Facebook Login: /me is the Facebook user, the IG
// account is found through the user's Pages (account picks one when there
// are several; otherwise choose is asked).
func (s *Service) discover(ctx context.Context, f meta.Flavour, tok *meta.Token, account string, choose chooseFunc) (*discovered, error) {
	cl, err := s.newMetaClient(f, meta.StaticToken(tok.AccessToken), s.metaTransport())
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, metaCallTimeout)
	defer cancel()
	d := &discovered{flavour: f, token: tok.AccessToken, scopes: tok.Permissions, expiry: s.tokenExpiry(tok)}
	me, err := cl.Me(cctx)
	if err != nil {
		return nil, s.MetaFail("", err)
	}
	d.appUserID = me.ID
	if f == meta.FlavourInstagram {
		d.igUserID = me.UserID
		if d.igUserID == "" {
			d.igUserID = me.ID
		}
		if d.igUserID == "" || (me.UserID == "" && me.Username == "") {
			return nil, api.Errorf(api.CodeLoginNeeded, "Meta did not name an Instagram professional account for this token; is it a Facebook Login token? (try --flavor facebook)")
		}
		if account != "" && account != d.igUserID {
			return nil, api.Errorf(api.CodeInvalid, "--account %s does not match the token's Instagram account %s (@%s)", account, d.igUserID, me.Username)
		}
		d.accountType = me.AccountType
		d.profile = feature.Profile{Username: me.Username, Name: me.Name, ProfilePictureURL: me.ProfilePictureURL}
		return d, nil
	}

	pages, err := cl.Pages(cctx)
	if err != nil {
		return nil, s.MetaFail("", err)
	}
	var choices []api.AccountChoice
	byID := map[string]meta.Page{}
	for _, p := range pages {
		if p.IGAccount == nil || p.IGAccount.ID == "" {
			continue
		}
		if _, dup := byID[p.IGAccount.ID]; dup {
			continue
		}
		byID[p.IGAccount.ID] = p
		choices = append(choices, api.AccountChoice{ID: p.IGAccount.ID, Username: p.IGAccount.Username, PageID: p.ID, PageName: p.Name})
	}
	var pick string
	switch {
	case len(choices) == 0:
		return nil, &api.Error{Code: api.CodeRejected, Message: fmt.Sprintf("%v (the login sees %d Page(s))", errNoAccount, len(pages)),
			Hint: "link an Instagram professional account to a Facebook Page you manage (Page settings → Linked accounts), then log in again; or use --flavor instagram"}
	case account != "":
		for _, c := range choices {
			if c.ID == account || strings.EqualFold(strings.TrimPrefix(account, "@"), c.Username) {
				pick = c.ID
			}
		}
		if pick == "" {
			return nil, api.Errorf(api.CodeInvalid, "--account %s is not among this login's Instagram accounts: %s", account, tooManyAccounts(choices).(*api.Error).Message)
		}
	case len(choices) == 1:
		pick = choices[0].ID
	default:
		if pick, err = choose(choices); err != nil {
			return nil, err
		}
	}
	page := byID[pick]
	d.igUserID, d.pageID, d.pageToken = pick, page.ID, page.AccessToken
	s.AddSecret(d.pageToken)
	d.profile = feature.Profile{Username: page.IGAccount.Username}
	if ig, err := cl.IGAccount(cctx, pick); err == nil {
		d.profile = feature.Profile{Username: ig.Username, Name: ig.Name, ProfilePictureURL: ig.ProfilePictureURL}
		d.accountType = ig.AccountType
	} else {
		s.Log.Warn("read Instagram account details", "err", err)
	}
	// Scopes and expiry: debug_token is the only place Meta states them for
	// a Facebook token. Without them the login still stands.
	if info, err := cl.DebugToken(cctx, tok.AccessToken); err == nil {
		if len(info.Scopes) > 0 {
			d.scopes = info.Scopes
		}
		if d.expiry.IsZero() {
			d.expiry = info.ExpiresAt
		}
	} else {
		s.Log.Warn("debug_token", "err", err)
	}
	return d, nil
}

// pickLoginConn decides which connection a login lands in: the one that
// already holds the account (a re-login), else the requested or default
// name. A connection holding another account is never overwritten.
func (s *Service) pickLoginConn(requested string, explicit bool, d *discovered) (string, error) {
	if owner, err := s.DB.ConnByAccount(d.igUserID); err == nil {
		if explicit && owner != requested {
			return "", &api.Error{Code: api.CodeConflict,
				Message: fmt.Sprintf("Instagram account %s is already connection %q", d.igUserID, owner),
				Hint:    "log in again with `impress auth login --connection " + owner + "`"}
		}
		return owner, nil
	}
	name := requested
	if !explicit {
		conns, err := s.DB.Conns()
		if err != nil {
			return "", err
		}
		if name = defaultConnName(conns); name == "" {
			name = "default"
		}
	}
	if c, err := s.DB.Conn(name); err == nil && c.IGUserID != "" && c.IGUserID != d.igUserID {
		return "", &api.Error{Code: api.CodeConflict,
			Message: fmt.Sprintf("connection %q belongs to Instagram account %s, not to %s", name, c.IGUserID, d.igUserID),
			Hint:    "give the new account its own connection: `impress auth login --connection NAME`"}
	}
	return name, nil
}

// saveLogin seals the tokens and profile with the connection's data key
// (made now for a new connection) and stores record and key together.
func (s *Service) saveLogin(ctx context.Context, requested string, explicit bool, d *discovered) (api.AuthConnection, error) {
	name, err := s.pickLoginConn(requested, explicit, d)
	if err != nil {
		return api.AuthConnection{}, err
	}
	mu := s.connLock(name)
	mu.Lock()
	defer mu.Unlock()
	m, err := s.MasterKey(ctx)
	if err != nil {
		return api.AuthConnection{}, err
	}
	var newKey []byte
	dk, err := s.ConnKey(ctx, name)
	if store.IsNotFound(err) {
		dk, newKey, err = m.NewDataKey(name)
	}
	if err != nil {
		return api.AuthConnection{}, err
	}
	c := store.Conn{Name: name, Flavour: string(d.flavour), AppUserID: d.appUserID, IGUserID: d.igUserID,
		PageID: d.pageID, AccountType: d.accountType, Scopes: d.scopes, State: store.ConnOK,
		TokenIssuedAt: s.Now().UTC(), TokenExpiry: d.expiry.UTC()}
	if d.expiry.IsZero() {
		c.TokenExpiry = time.Time{}
	}
	if c.SealedToken, err = dk.Seal(fieldToken, []byte(d.token)); err != nil {
		return api.AuthConnection{}, err
	}
	if d.pageToken != "" {
		if c.SealedPageToken, err = dk.Seal(fieldPageToken, []byte(d.pageToken)); err != nil {
			return api.AuthConnection{}, err
		}
	}
	prof, _ := json.Marshal(d.profile)
	if c.SealedProfile, err = dk.Seal(fieldProfile, prof); err != nil {
		return api.AuthConnection{}, err
	}
	c, err = s.DB.PutConn(c, newKey)
	if errors.Is(err, store.ErrAccountInUse) {
		return api.AuthConnection{}, api.Errorf(api.CodeConflict, "%s", strings.TrimPrefix(err.Error(), "store: "))
	}
	if err != nil {
		return api.AuthConnection{}, err
	}
	conns, _ := s.DB.Conns()
	return s.ConnToAPI(ctx, c, defaultConnName(conns) == c.Name), nil
}

// postToken is `impress auth login --with-token`: the CI path, and the
// way to use a token generated in Meta's App Dashboard. The flavour is
// --flavor, else guessed from the token's shape (EAA… Facebook, IG…
// Instagram) with the other tried when Meta does not recognise it. No app
// secret is needed. Instagram tokens given this way have no known expiry
// until the first refresh (24 h later) reports one.
func (s *Service) postToken(w http.ResponseWriter, r *http.Request) {
	var req api.TokenLogin
	if !httpx.DecodeBody(w, r, &req) {
		return
	}
	tok := strings.TrimSpace(req.Token)
	if tok == "" {
		s.Fail(w, api.Errorf(api.CodeInvalid, "no token given: pipe it on stdin, e.g. `impress auth login --with-token < token.txt`"))
		return
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		s.Fail(w, api.Errorf(api.CodeInvalid, "the token contains spaces or line breaks; give exactly one token"))
		return
	}
	s.AddSecret(tok)
	if req.Connection != "" {
		if err := validConnName(req.Connection); err != nil {
			s.Fail(w, err)
			return
		}
	}
	var order []meta.Flavour
	switch {
	case req.Flavor != "":
		f, err := meta.ParseFlavour(req.Flavor)
		if err != nil {
			s.Fail(w, api.Errorf(api.CodeInvalid, "--flavor %q: want instagram or facebook", req.Flavor))
			return
		}
		order = []meta.Flavour{f}
	case strings.HasPrefix(tok, "EAA"):
		order = []meta.Flavour{meta.FlavourFacebook, meta.FlavourInstagram}
	default:
		order = []meta.Flavour{meta.FlavourInstagram, meta.FlavourFacebook}
	}
	noPrompt := func(c []api.AccountChoice) (string, error) { return "", tooManyAccounts(c) }
	var d *discovered
	var first error
	for _, f := range order {
		var err error
		d, err = s.discover(r.Context(), f, &meta.Token{AccessToken: tok}, req.Account, noPrompt)
		if err == nil {
			break
		}
		if first == nil {
			first = err
		}
		// Only "Meta does not know this token here" is worth another try.
		if !api.HasCode(err, api.CodeLoginNeeded) {
			break
		}
	}
	if d == nil {
		s.Fail(w, s.toAPIError(first))
		return
	}
	ac, err := s.saveLogin(r.Context(), req.Connection, req.Connection != "", d)
	if err != nil {
		s.Fail(w, s.toAPIError(err))
		return
	}
	s.Log.Info("token stored", "connection", ac.Connection, "flavor", ac.Flavor)
	httpx.WriteJSON(w, http.StatusOK, ac)
}
