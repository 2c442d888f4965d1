package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/store"
)

// startRefresher runs the token refresher until ctx ends: a sweep at start
// (a daemon that was off may find tokens close to expiry) and then every
// refreshEvery. The decisions use the injectable clock s.now; tests call
// refreshSweep directly instead of waiting for the ticker.
func (s *Service) startRefresher(ctx context.Context) {
	every := s.auth.refreshEvery
	if every <= 0 {
		every = defaultRefreshEvery
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.refreshSweep(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	s.stopRefresher = func(stopCtx context.Context) {
		cancel()
		select {
		case <-done:
		case <-stopCtx.Done():
		}
	}
}

// refreshDecision says what the refresher should do with a connection now.
type refreshDecision int

const (
	refreshNothing refreshDecision = iota
	refreshNow                     // Instagram token inside the window and ≥ 24 h old
	refreshExpired                 // past its expiry: login needed
)

func decideRefresh(c store.Conn, now time.Time) refreshDecision {
	if c.State == store.ConnLoginNeeded || c.State == store.ConnDisconnected || len(c.SealedToken) == 0 {
		return refreshNothing
	}
	if !c.TokenExpiry.IsZero() && !now.Before(c.TokenExpiry) {
		return refreshExpired
	}
	if c.Flavour != string(meta.FlavourInstagram) || now.Sub(c.TokenIssuedAt) < minRefreshAge {
		return refreshNothing
	}
	// Unknown expiry (a token given with --with-token): refresh once it is
	// old enough, which also tells us the expiry.
	if c.TokenExpiry.IsZero() || c.TokenExpiry.Sub(now) <= refreshWindow {
		return refreshNow
	}
	return refreshNothing
}

// refreshSweep refreshes every Instagram token that is due and marks
// expired ones login_needed. Failures are logged and recorded on the
// connection; the next sweep tries again.
func (s *Service) refreshSweep(ctx context.Context) {
	conns, err := s.DB.Conns()
	if err != nil {
		s.Log.Error("token refresher: list connections", "err", err)
		return
	}
	for _, c := range conns {
		if ctx.Err() != nil {
			return
		}
		switch decideRefresh(c, s.Now()) {
		case refreshExpired:
			s.expire(c)
		case refreshNow:
			if _, err := s.refreshConn(ctx, c.Name, false); err != nil {
				s.Log.Warn("token refresh failed", "connection", c.Name, "err", err)
			} else {
				s.Log.Info("token refreshed", "connection", c.Name)
			}
		}
	}
}

func (s *Service) expire(c store.Conn) {
	mu := s.connLock(c.Name)
	mu.Lock()
	defer mu.Unlock()
	s.expireLocked(c)
}

// expireLocked marks an expired token login_needed; the caller holds the
// connection's lock.
func (s *Service) expireLocked(c store.Conn) {
	_, err := s.DB.UpdateConn(c.Name, func(cur *store.Conn) error {
		if !bytes.Equal(cur.SealedToken, c.SealedToken) {
			return errStale
		}
		cur.State = store.ConnLoginNeeded
		cur.StateReason = "the token expired on " + c.TokenExpiry.UTC().Format(time.RFC3339)
		return nil
	})
	if err == nil {
		s.Log.Warn("connection token expired", "connection", c.Name)
	}
}

// refreshConn refreshes an Instagram Login token now (GET
// refresh_access_token) and writes the new sealed token in one
// transaction, only if the stored token is still the one it refreshed.
// force is `impress auth refresh`: it explains instead of skipping.
func (s *Service) refreshConn(ctx context.Context, name string, force bool) (store.Conn, error) {
	mu := s.connLock(name)
	mu.Lock()
	defer mu.Unlock()
	c, err := s.DB.Conn(name)
	if err != nil {
		return c, err
	}
	if lerr := loginNeededErr(c); lerr != nil {
		return c, lerr
	}
	now := s.Now()
	switch {
	case c.Flavour != string(meta.FlavourInstagram):
		return c, &api.Error{Code: api.CodeInvalid,
			Message: fmt.Sprintf("connection %q uses Facebook Login, whose tokens cannot be refreshed (they last about 60 days%s)", name, expiresText(c.TokenExpiry)),
			Hint:    "log in again before then: `impress auth login --connection " + name + "`"}
	case !c.TokenExpiry.IsZero() && !now.Before(c.TokenExpiry):
		s.expireLocked(c)
		return c, loginNeeded(name, "the token of connection %q expired on %s", name, c.TokenExpiry.UTC().Format(time.RFC3339))
	case now.Sub(c.TokenIssuedAt) < minRefreshAge && (!force || !c.TokenExpiry.IsZero()):
		// With an unknown expiry (a --with-token token) its age is unknown
		// too: a forced refresh lets Meta decide.
		if !force {
			return c, nil
		}
		return c, &api.Error{Code: api.CodeConflict,
			Message: fmt.Sprintf("the token of connection %q is less than 24 hours old; Meta refreshes only older tokens", name),
			Hint:    "nothing to do: the daemon refreshes it on its own after " + c.TokenIssuedAt.Add(minRefreshAge).UTC().Format(time.RFC3339)}
	}
	dk, err := s.ConnKey(ctx, name)
	if err != nil {
		return c, err
	}
	old, err := s.OpenToken(dk, c, fieldToken)
	if err != nil {
		return c, err
	}
	cl, err := s.newMetaClient(meta.FlavourInstagram, nil, s.metaTransport())
	if err != nil {
		return c, err
	}
	cctx, cancel := context.WithTimeout(ctx, metaCallTimeout)
	tok, err := cl.RefreshToken(cctx, old)
	cancel()
	if err != nil {
		return c, s.refreshFailed(c, err)
	}
	s.AddSecret(tok.AccessToken)
	sealed, err := dk.Seal(fieldToken, []byte(tok.AccessToken))
	if err != nil {
		return c, err
	}
	before := c.SealedToken
	out, err := s.DB.UpdateConn(name, func(cur *store.Conn) error {
		if !bytes.Equal(cur.SealedToken, before) {
			return errStale
		}
		cur.SealedToken = sealed
		cur.TokenIssuedAt = now.UTC()
		cur.TokenExpiry = s.tokenExpiry(tok)
		cur.State, cur.StateReason = store.ConnOK, ""
		return nil
	})
	if errors.Is(err, errStale) {
		// Someone (a login) replaced the token while we refreshed: theirs wins.
		return s.DB.Conn(name)
	}
	return out, err
}

// refreshFailed records a failed refresh: a login error ends the
// connection's usability (login_needed); an outage leaves it usable and
// flags it refresh_due so `auth status` shows the problem; a refusal of
// the refresh alone changes nothing.
func (s *Service) refreshFailed(c store.Conn, err error) error {
	ae := s.MetaFail(c.Name, err)
	var state string
	switch {
	case meta.IsLoginNeeded(err):
		state = store.ConnLoginNeeded
	case meta.IsTransient(err), errors.Is(err, context.DeadlineExceeded):
		state = store.ConnRefreshDue
	default:
		// Meta refused this refresh (e.g. a token under 24 h old whose
		// age we did not know); the token itself is still good.
		return ae
	}
	before := c.SealedToken
	s.DB.UpdateConn(c.Name, func(cur *store.Conn) error {
		if !bytes.Equal(cur.SealedToken, before) {
			return errStale
		}
		cur.State, cur.StateReason = state, "refresh failed: "+ae.Message
		return nil
	})
	return ae
}

func expiresText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return "; this one expires on " + t.UTC().Format(time.RFC3339)
}
