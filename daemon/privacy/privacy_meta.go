package privacy

import (
	"context"
	"net/http"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/store"
)

// Meta's Data Deletion Request callback (docs/META.md §14,
// docs/SECURITY.md §3) on the public endpoint:
//
//	POST /meta/data-deletion          signed_request=<sig>.<payload>
//	GET  /privacy/deletion/{code}     the request's status, HTML or JSON (privacy_status.go)
//
// The signed_request is verified by the parser the deauthorize callback
// uses (public.ReadSignedRequest: HMAC-SHA256 with the app secret over the
// encoded payload, constant-time, algorithm exactly HMAC-SHA256, malformed
// base64 refused), and must be fresh and new by the rules both callbacks
// share (public.CheckFresh, public.Replays): a replay of the same signed
// request inside its window gets the first answer, the same code, and
// starts no new purge.
//
// A verified request is stored (one fsynced commit) BEFORE it is
// answered, then purged by the worker; a request for a user who is not a
// connection is recorded and answered too (Meta's checker sends such
// requests), and its purge only scans for the id. Two requests for one
// connection while its purge runs share one code.

// deletionAnswer is what Meta expects back.
type deletionAnswer struct {
	URL              string `json:"url"`
	ConfirmationCode string `json:"confirmation_code"`
}

func (s *Service) dataDeletionCallback(w http.ResponseWriter, r *http.Request) {
	if s.DB == nil {
		public.Error(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	secret := s.Settings().String(config.MetaAppSecret)
	sr, ok := public.ReadSignedRequest(w, r, secret, s.Log)
	if !ok {
		return
	}
	now := s.Now()
	if err := public.CheckFresh(sr, now); err != nil {
		s.Log.Warn("data deletion callback refused", "reason", err.Error())
		public.Error(w, http.StatusBadRequest, "invalid signed_request")
		return
	}
	ans, err := s.deletionOnce.Once(s.DB, sr, secret, now, s.requestStands, func() (string, error) {
		return s.recordDeletion(r.Context(), sr)
	})
	if !public.Answered(w, s.Log, "data deletion request", ans, err) {
		return // not stored: Meta must retry, so no success answer
	}
	s.privacy.kick()
	httpx.WriteJSON(w, http.StatusOK, deletionAnswer{URL: s.deletionURL(r, ans.Code), ConfirmationCode: ans.Code})
}

// recordDeletion records the purge a deletion request asks for (or finds
// the one in progress for the same connection) and returns its code.
func (s *Service) recordDeletion(ctx context.Context, sr public.SignedRequest) (string, error) {
	t := purgeTarget{Scope: api.ScopeMetaUser}
	metaUser := sr.UserID
	conn, err := s.DB.ConnByAccount(sr.UserID)
	switch {
	case err == nil:
		t, metaUser = purgeTarget{Scope: api.ScopeConnection, Target: conn}, ""
	case !store.IsNotFound(err):
		return "", err
	}
	if t.Scope == api.ScopeConnection {
		code, err := s.pendingPurgeFor(t)
		if err != nil || code != "" {
			return code, err
		}
	}
	code, err := newConfirmationCode()
	if err == nil {
		err = s.newPurge(ctx, code, t, api.SourceMeta, metaUser)
	}
	if err != nil {
		return "", err
	}
	s.Log.Info("data deletion request received from Meta", "code", code, "scope", t.Scope)
	return code, nil
}

// requestStands says whether the purge a code names is still on record
// (in progress or with its receipt): a replay is answered with it only
// then.
func (s *Service) requestStands(code string) bool {
	if _, err := s.DB.Purge(code); err == nil {
		return true
	}
	_, err := s.DB.Receipt(code)
	return err == nil
}

// deletionURL is the status page of a request on the public address.
func (s *Service) deletionURL(r *http.Request, code string) string {
	base := strings.TrimRight(strings.TrimSpace(s.Settings().String(config.DaemonPublicURL)), "/")
	if base == "" {
		base = "https://" + r.Host
	}
	return base + "/privacy/deletion/" + code
}
