// Package redact removes secrets from text before it reaches a log line, an
// error shown to a user, or any other output.
//
// It works two ways, because neither alone is enough: known secrets (every
// token and app secret the daemon has decrypted, registered with
// [Redactor.Add]) are replaced wherever they appear, and patterns catch
// secret-shaped values the daemon never saw, such as an access_token query
// parameter in a URL copied into an error by net/http.
package redact

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask replaces a secret.
const Mask = "[REDACTED]"

// sensitiveParams are query/form/JSON keys whose values are secrets.
var sensitiveParams = []string{
	"access_token", "input_token", "client_secret", "app_secret", "appsecret_proof",
	"code", "fb_exchange_token", "refresh_token", "signed_request", "code_verifier",
	"password", "token", "secret", "hub.verify_token", "verify_token",
}

// patterns are compiled on first use, not at package init: every impress
// command links this package, few of them redact anything.
var patterns = sync.OnceValue(func() (p struct{ param, json, auth, metaToken *regexp.Regexp }) {
	// key=value in URLs and forms.
	p.param = regexp.MustCompile(`(?i)\b(` + alternation(sensitiveParams) + `)=([^&\s"'<>]+)`)
	// "key":"value" in JSON.
	p.json = regexp.MustCompile(`(?i)"(` + alternation(sensitiveParams) + `)"\s*:\s*"([^"]*)"`)
	// Authorization headers.
	p.auth = regexp.MustCompile(`(?i)\b(Bearer|OAuth)\s+([A-Za-z0-9._\-|%]{8,})`)
	// Meta token shapes: EAA… (Facebook), IGQ…/IGAA… (Instagram).
	p.metaToken = regexp.MustCompile(`\b(EAA[A-Za-z0-9]{20,}|IG[A-Z]{2}[A-Za-z0-9_\-]{20,})`)
	return p
})

func alternation(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(q, "|")
}

// Redactor holds known secrets. The zero value is ready to use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another is masked whole
}

// Add registers secrets to mask. Values shorter than 6 bytes are ignored:
// masking them would shred ordinary text and they are not credentials.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		dup := false
		for _, have := range r.secrets {
			if have == s {
				dup = true
				break
			}
		}
		if !dup {
			r.secrets = append(r.secrets, s)
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// Remove forgets secrets (after a purge, so the redactor itself holds no
// personal data longer than needed).
func (r *Redactor) Remove(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keep := r.secrets[:0]
	for _, have := range r.secrets {
		drop := false
		for _, s := range secrets {
			if have == s {
				drop = true
			}
		}
		if !drop {
			keep = append(keep, have)
		}
	}
	r.secrets = keep
}

// String returns s with every known secret and secret-shaped value masked.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		for _, sec := range r.secrets {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Mask)
			}
		}
		r.mu.RUnlock()
	}
	return Patterns(s)
}

// Patterns masks secret-shaped values only (no known secrets).
func Patterns(s string) string {
	p := patterns()
	s = p.param.ReplaceAllString(s, "${1}="+Mask)
	s = p.json.ReplaceAllString(s, `"${1}":"`+Mask+`"`)
	s = p.auth.ReplaceAllString(s, "${1} "+Mask)
	s = p.metaToken.ReplaceAllString(s, Mask)
	return s
}
