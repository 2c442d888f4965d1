package privacy

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/store"
)

// Meta's Data Deletion Request callback (meta-graph-api.md §7.1,
// reliability.md §6) on the public endpoint:
//
//	POST /meta/data-deletion          signed_request=<sig>.<payload>
//	GET  /privacy/deletion/{code}     the request's status, HTML or JSON
//
// The signed_request is verified by the parser the deauthorize callback
// uses (signedrequest.go: HMAC-SHA256 with the app secret over the encoded
// payload, constant-time, algorithm exactly HMAC-SHA256, malformed base64
// refused). This file adds freshness: a payload is refused once its
// "expires" has passed, or, when it has none, 24 hours after "issued_at";
// one without issued_at, or issued more than 5 minutes in the future, is
// refused too. 24 hours rather than minutes because Meta's retry schedule
// is not documented and a daemon may be down overnight; a replay inside
// that window can only repeat a deletion the user asked for. Meta's own
// samples set expires one hour after issued_at, which then applies.
//
// A verified request is stored (one fsynced commit) BEFORE it is
// answered, then purged by the worker; a request for a user who is not a
// connection is recorded and answered too (Meta's checker sends such
// requests), and its purge only scans for the id. Two requests for one
// connection while its purge runs share one code.

const (
	deletionMaxAge = 24 * time.Hour
	deletionSkew   = 5 * time.Minute
)

// Freshness errors (never carrying the payload).
var (
	errSignedRequestExpired = errors.New("signed_request: expired")
	errSignedRequestNoTime  = errors.New("signed_request: no issued_at")
	errSignedRequestFuture  = errors.New("signed_request: issued in the future")
)

// checkFresh applies the freshness rule above at now.
func checkFresh(sr public.SignedRequest, now time.Time) error {
	if sr.IssuedAt <= 0 {
		return errSignedRequestNoTime
	}
	issued := time.Unix(sr.IssuedAt, 0)
	if issued.After(now.Add(deletionSkew)) {
		return errSignedRequestFuture
	}
	if sr.Expires > 0 {
		if now.After(time.Unix(sr.Expires, 0).Add(deletionSkew)) {
			return errSignedRequestExpired
		}
		return nil
	}
	if now.Sub(issued) > deletionMaxAge {
		return errSignedRequestExpired
	}
	return nil
}

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
	sr, ok := public.ReadSignedRequest(w, r, s.Settings().String("meta.app_secret"), s.Log)
	if !ok {
		return
	}
	if err := checkFresh(sr, s.Now()); err != nil {
		s.Log.Warn("data deletion callback refused", "reason", err.Error())
		public.Error(w, http.StatusBadRequest, "invalid signed_request")
		return
	}
	t := purgeTarget{Scope: api.ScopeMetaUser}
	metaUser := sr.UserID
	conn, err := s.DB.ConnByAccount(sr.UserID)
	switch {
	case err == nil:
		t, metaUser = purgeTarget{Scope: api.ScopeConnection, Target: conn}, ""
	case !store.IsNotFound(err):
		s.Log.Error("data deletion callback: store", "err", err)
		public.Error(w, http.StatusInternalServerError, "retry")
		return
	}
	code := ""
	if t.Scope == api.ScopeConnection {
		if code, err = s.pendingPurgeFor(t); err != nil {
			s.Log.Error("data deletion callback: store", "err", err)
			public.Error(w, http.StatusInternalServerError, "retry")
			return
		}
	}
	if code == "" {
		if code, err = newConfirmationCode(); err == nil {
			err = s.newPurge(r.Context(), code, t, api.SourceMeta, metaUser)
		}
		if err != nil {
			// Not stored: Meta must retry, so no success answer.
			s.Log.Error("data deletion callback: could not record the request", "err", err)
			public.Error(w, http.StatusInternalServerError, "retry")
			return
		}
	}
	s.Log.Info("data deletion request received from Meta", "code", code, "scope", t.Scope)
	s.privacy.kick()
	httpx.WriteJSON(w, http.StatusOK, deletionAnswer{URL: s.deletionURL(r, code), ConfirmationCode: code})
}

// deletionURL is the status page of a request on the public address.
func (s *Service) deletionURL(r *http.Request, code string) string {
	base := strings.TrimRight(strings.TrimSpace(s.Settings().String("daemon.public_url")), "/")
	if base == "" {
		base = "https://" + r.Host
	}
	return base + "/privacy/deletion/" + code
}

// deletionStatus is the public status of a request: state and times only.
type deletionStatus struct {
	ConfirmationCode string    `json:"confirmation_code"`
	Status           string    `json:"status"` // received | in_progress | done
	ReceivedAt       time.Time `json:"received_at"`
	CompletedAt      time.Time `json:"completed_at,omitzero"`
	Verified         *bool     `json:"verified,omitempty"`
}

// statusPage is built on first use: parsing it at init cost every command.
var statusPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data deletion request</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>Data deletion request</h1>
<p>Confirmation code: <code>{{.ConfirmationCode}}</code></p>
<p>Status: <strong>{{.Label}}</strong></p>
<p>Received: {{.ReceivedAt}}</p>
{{if .CompletedAt}}<p>Completed: {{.CompletedAt}}</p>{{end}}
<p>{{.Explain}}</p>
</body></html>
`))
})

func (s *Service) deletionStatusPage(w http.ResponseWriter, r *http.Request) {
	if s.DB == nil {
		public.Error(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	rc, err := s.privacyRequest(r.PathValue("code"))
	if err != nil {
		if api.HasCode(err, api.CodeNotFound) {
			public.Error(w, http.StatusNotFound, "no such deletion request")
			return
		}
		s.Log.Error("deletion status page", "err", err)
		public.Error(w, http.StatusInternalServerError, "try again later")
		return
	}
	st := deletionStatus{ConfirmationCode: rc.Code, Status: rc.Status, ReceivedAt: rc.StartedAt.UTC(), CompletedAt: rc.FinishedAt.UTC()}
	if rc.Status == api.RequestDone {
		v := rc.Verified
		st.Verified = &v
	}
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html") {
		httpx.WriteJSON(w, http.StatusOK, st)
		return
	}
	view := struct {
		deletionStatus
		Label, Explain, ReceivedAt, CompletedAt string
	}{deletionStatus: st, ReceivedAt: st.ReceivedAt.Format(time.RFC1123)}
	if !rc.FinishedAt.IsZero() {
		view.CompletedAt = st.CompletedAt.Format(time.RFC1123)
	}
	switch rc.Status {
	case api.RequestReceived:
		view.Label, view.Explain = "received", "Your request was recorded and will be carried out shortly."
	case api.RequestInProgress:
		view.Label, view.Explain = "in progress", "Your data is being deleted."
	default:
		view.Label = "done"
		view.Explain = "Everything this app held about you was deleted, its encryption keys destroyed, and its files checked afterwards."
		if !rc.Verified {
			view.Explain = "Your data was deleted and its encryption keys destroyed; the final check is still being reviewed by the app's operator."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	statusPage().Execute(w, view)
}
