package privacy

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/store"
)

// The deletion status page, GET /privacy/deletion/{code} on the public
// endpoint: what a person who asked Meta to delete their data sees. It
// names who holds the data (the business of `account set --company
// --store`), how to reach them (`--contact`, else `--email`) and their
// privacy policy (privacy.policy_url), and the request's state and times.
// Nothing about the person: the same page, word for word, whether they
// were a connection or not, so the page cannot tell who was a user.
//
// HTML unless the client asks for JSON only. The page loads nothing: the
// style is inline, allowed by its hash in the page's own
// Content-Security-Policy, which otherwise forbids everything.

// deletionStatus is the public status of a request: state and times, and
// who holds the data.
type deletionStatus struct {
	ConfirmationCode string    `json:"confirmation_code"`
	Status           string    `json:"status"` // received | in_progress | done
	ReceivedAt       time.Time `json:"received_at"`
	CompletedAt      time.Time `json:"completed_at,omitzero"`
	Verified         *bool     `json:"verified,omitempty"`
	// FinalCheck is the scan after the deletion: clean, reviewed (the
	// operator looked at what it found), or pending.
	FinalCheck string        `json:"final_check,omitempty"`
	Operator   statusContact `json:"operator"`
}

// statusContact is who holds the data, as the operator set it.
type statusContact struct {
	Name          string `json:"name,omitempty"`
	Contact       string `json:"contact,omitempty"`
	PrivacyPolicy string `json:"privacy_policy,omitempty"`
}

// statusCSS is the page's whole style: small, readable, light and dark.
const statusCSS = `
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#f6f6f4;--card:#fff;--muted:#5f6368;--line:#e3e3e0;--ok:#137333;--wait:#8a5a00}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#161617;--card:#222224;--muted:#a0a0a5;--line:#3a3a3d;--ok:#81c995;--wait:#f2c35b}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
article{max-width:34rem;margin:2.5rem auto;padding:1.75rem 1.5rem;background:var(--card);border:1px solid var(--line);border-radius:12px}
.org{margin:0;color:var(--muted);font-size:.9rem;letter-spacing:.02em}
h1{margin:.2rem 0 1rem;font-size:1.45rem;line-height:1.25}
.status{margin:0 0 .5rem;font-size:1.05rem}
.status strong{color:var(--wait)}
.status.done strong{color:var(--ok)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1.25rem 0;padding:1rem 0;border-top:1px solid var(--line);border-bottom:1px solid var(--line)}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
code{font:.95rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
footer p{margin:.3rem 0;color:var(--muted);font-size:.93rem}
a{color:inherit}
@media (max-width:30rem){body{background:var(--card)}article{margin:0;border:0;border-radius:0}}
`

// statusCSP allows the inline style by its hash and nothing else.
// Built on first use, like the page: package globals cost every command.
var statusCSP = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(statusCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
})

var statusPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Data deletion request{{if .Name}} · {{.Name}}{{end}}</title>
<style>` + statusCSS + `</style></head>
<body><article>
{{if .Name}}<p class="org">{{.Name}}</p>{{end}}
<h1>Your data deletion request</h1>
<p class="status {{.Class}}">Status: <strong>{{.Label}}</strong></p>
<p>{{.Explain}}</p>
<dl>
<dt>Confirmation code</dt><dd><code>{{.ConfirmationCode}}</code></dd>
<dt>Received</dt><dd>{{.ReceivedAt}}</dd>
{{if .CompletedAt}}<dt>Completed</dt><dd>{{.CompletedAt}}</dd>{{end}}
</dl>
<footer>
<p>You asked Meta to delete the data {{if .Name}}{{.Name}}{{else}}this app{{end}} holds about you; Meta passed the request on. Keep the code to ask about it.</p>
{{if .Contact}}<p>Questions: {{if .Mailto}}<a href="{{.Mailto}}">{{.Contact}}</a>{{else}}{{.Contact}}{{end}}</p>{{end}}
{{if .PrivacyPolicy}}<p><a href="{{.PrivacyPolicy}}" rel="noreferrer">Privacy policy</a></p>{{end}}
</footer>
</article></body></html>
`))
})

// operator is who holds the data, from the account profile and
// privacy.policy_url (an http(s) URL, else left out).
func (s *Service) operator() statusContact {
	var out statusContact
	if a, err := s.DB.Account(); err == nil {
		out.Name = businessName(a)
		out.Contact = strings.TrimSpace(a.Contact)
		if out.Contact == "" {
			out.Contact = strings.TrimSpace(a.Email)
		}
	}
	if u, err := url.Parse(strings.TrimSpace(s.Settings().String(config.PrivacyPolicyURL))); err == nil &&
		(u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		out.PrivacyPolicy = u.String()
	}
	return out
}

// businessName is "Store (Company)", or whichever is set.
func businessName(a store.Account) string {
	st, co := strings.TrimSpace(a.Store), strings.TrimSpace(a.Company)
	switch {
	case st != "" && co != "" && !strings.EqualFold(st, co):
		return st + " (" + co + ")"
	case st != "":
		return st
	}
	return co
}

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
	st := deletionStatus{ConfirmationCode: rc.Code, Status: rc.Status, ReceivedAt: rc.StartedAt.UTC(),
		CompletedAt: rc.FinishedAt.UTC(), Operator: s.operator()}
	if rc.Status == api.RequestDone {
		v := rc.Verified
		st.Verified = &v
		switch {
		case rc.Verified:
			st.FinalCheck = "clean"
		case rc.Reviewed:
			st.FinalCheck = "reviewed"
		default:
			st.FinalCheck = "pending"
		}
	}
	accept := r.Header.Get("Accept")
	if strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html") {
		httpx.WriteJSON(w, http.StatusOK, st)
		return
	}
	view := struct {
		deletionStatus
		statusContact
		Label, Class, Explain, ReceivedAt, CompletedAt string
		Mailto                                         string
	}{deletionStatus: st, statusContact: st.Operator, ReceivedAt: st.ReceivedAt.Format("2 January 2006, 15:04 UTC")}
	if a, err := mail.ParseAddress(st.Operator.Contact); err == nil && a.Address == st.Operator.Contact {
		view.Mailto = "mailto:" + a.Address // html/template checks and escapes it
	}
	if !rc.FinishedAt.IsZero() {
		view.CompletedAt = st.CompletedAt.Format("2 January 2006, 15:04 UTC")
	}
	switch {
	case rc.Status == api.RequestReceived:
		view.Label, view.Explain = "received", "Your request was recorded and will be carried out shortly."
	case rc.Status == api.RequestInProgress:
		view.Label, view.Explain = "in progress", "Your data is being deleted."
	default:
		view.Label, view.Class = "done", "done"
		switch st.FinalCheck {
		case "clean":
			view.Explain = "Everything held about you was deleted, its encryption keys were destroyed, and every file was checked afterwards: nothing of it is left."
		case "reviewed":
			view.Explain = "Everything held about you was deleted and its encryption keys were destroyed. The check of every file afterwards was reviewed by the operator."
		default:
			view.Explain = "Everything held about you was deleted and its encryption keys were destroyed; the check of every file afterwards is still being reviewed by the operator."
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", statusCSP())
	w.WriteHeader(http.StatusOK)
	if err := statusPage().Execute(w, view); err != nil {
		s.Log.Warn("deletion status page", "err", err)
	}
}

// statusHealth is doctor's view of the status page: with the public
// endpoint on, a page that names no business, contact or policy leaves the
// person who asked unable to tell who holds their data.
func (s *Service) statusHealth() []api.Check {
	if strings.TrimSpace(s.Settings().String(config.DaemonPublicListen)) == "" {
		return nil
	}
	op := s.operator()
	var missing, fix []string
	// Only the user knows these values, so no command in backquotes: those
	// work as printed (doctor's test runs them).
	if op.Name == "" {
		missing, fix = append(missing, "business"), append(fix, "name it with impress account set --store (or --company)")
	}
	if op.Contact == "" {
		missing, fix = append(missing, "contact"), append(fix, "give a contact with impress account set --contact")
	}
	if op.PrivacyPolicy == "" {
		missing, fix = append(missing, "privacy policy"), append(fix, "give your policy's address with impress config set privacy.policy_url")
	}
	if len(missing) == 0 {
		return nil
	}
	return []api.Check{{Name: "deletion page", Status: "WARN",
		Detail: "the data deletion status page names no " + strings.Join(missing, ", no "),
		Fix:    strings.Join(fix, "; ")}}
}
