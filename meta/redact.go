package meta

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// redactedMark replaces every secret this package removes from text.
const redactedMark = "[redacted]"

// secretKeys are the query, form and JSON keys whose values are secrets: the
// token itself, everything that can mint one (code, client_secret,
// fb_exchange_token, code_verifier) and the proof derived from the app secret.
const secretKeys = `access_token|appsecret_proof|client_secret|code|fb_exchange_token|input_token|code_verifier|refresh_token|signed_request|password`

// redactPatterns are compiled on first use, not at package init: every
// impress command links this package, few of them redact anything.
var redactPatterns = sync.OnceValue(func() (p struct{ keyValue, jsonValue, authHeader, tokenShape, userinfo *regexp.Regexp }) {
	// key=value in a URL, a form body or free text. The value runs to the
	// next separator; an encoded "%26" is not a separator, so an encoded
	// nested URL is over-redacted rather than under-redacted.
	p.keyValue = regexp.MustCompile(`(?i)((?:^|[?&;\s"'(,{]|%26|%3F)(?:` + secretKeys + `)(?:=|%3D))[^&\s"'#;,)}]+`)
	// "key": "value" in JSON-ish text.
	p.jsonValue = regexp.MustCompile(`(?i)("(?:` + secretKeys + `)"\s*:\s*")[^"]*`)
	// Authorization header values (Bearer for Graph, OAuth for rupload).
	p.authHeader = regexp.MustCompile(`(?i)(\b(?:Bearer|OAuth)\s+)[A-Za-z0-9._~+/=|%-]{16,}`)
	// Meta token shapes anywhere, including URL paths: Facebook user/page
	// tokens start EAA, Instagram Login tokens IGAA/IGQV/IGQW; app tokens are
	// "<app id>|<secret>" (raw or %7C-encoded).
	p.tokenShape = regexp.MustCompile(`\b(?:EAA|IGAA|IGQV|IGQW)[A-Za-z0-9_\-]{16,}|\b\d{5,}(?:\||%7[Cc])[A-Za-z0-9_\-]{16,}`)
	// user:password@ in URLs.
	p.userinfo = regexp.MustCompile(`(://)[^/@\s"]*:[^/@\s"]*@`)
	return p
})

// Redact returns s with every secret this package knows the shape of
// replaced by "[redacted]": values of access_token, appsecret_proof,
// client_secret, code, fb_exchange_token, input_token, code_verifier and
// similar keys (in query strings, form bodies and JSON), Authorization
// header values, Meta-shaped tokens anywhere (also in URL paths), app tokens
// and URL passwords. It works on URLs and on text that embeds URLs, such as
// the message of a *url.Error. It is deliberately greedy: a redacted
// harmless value costs less than a leaked token.
func Redact(s string) string {
	p := redactPatterns()
	s = p.keyValue.ReplaceAllString(s, "${1}"+redactedMark)
	s = p.jsonValue.ReplaceAllString(s, "${1}"+redactedMark)
	s = p.authHeader.ReplaceAllString(s, "${1}"+redactedMark)
	s = p.tokenShape.ReplaceAllString(s, redactedMark)
	s = p.userinfo.ReplaceAllString(s, "${1}"+redactedMark+"@")
	return s
}

// scrubber removes known secret values (the token of this call, the app
// secret, the code being exchanged, ...) on top of the shape-based Redact, so
// that a token of an unexpected shape still cannot leak.
type scrubber []string

func (s scrubber) with(more ...string) scrubber {
	out := append(scrubber(nil), s...)
	for _, m := range more {
		// Very short values would shred ordinary words; real secrets are long.
		if len(m) >= 6 {
			out = append(out, m)
		}
	}
	return out
}

func (s scrubber) clean(text string) string {
	for _, secret := range s {
		text = strings.ReplaceAll(text, secret, redactedMark)
		if esc := url.QueryEscape(secret); esc != secret {
			text = strings.ReplaceAll(text, esc, redactedMark)
		}
		if esc := url.PathEscape(secret); esc != secret {
			text = strings.ReplaceAll(text, esc, redactedMark)
		}
	}
	return Redact(text)
}

// safeError is an error whose text has been scrubbed. It keeps only the
// properties callers legitimately test for (context cancellation, timeouts,
// "nothing was sent"), never the original error value, whose Error() or
// fields could still hold a URL with secrets.
type safeError struct {
	msg     string
	cause   error // context.Canceled / context.DeadlineExceeded or nil
	timeout bool
	notSent bool // failed before any byte of the request left (dial, DNS)
}

func (e *safeError) Error() string   { return e.msg }
func (e *safeError) Unwrap() error   { return e.cause }
func (e *safeError) Timeout() bool   { return e.timeout }
func (e *safeError) Temporary() bool { return e.timeout }

// sanitize rebuilds err so that nothing reachable from it (Error(), Unwrap
// chain, *url.Error.URL) carries a secret. A *url.Error is rebuilt with a
// redacted URL, because net/http puts the full request URL, query included,
// into it.
func (s scrubber) sanitize(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*safeError); ok {
		return err
	}
	if ue, ok := err.(*url.Error); ok {
		return &url.Error{Op: ue.Op, URL: s.clean(ue.URL), Err: s.sanitize(ue.Err)}
	}
	se := &safeError{msg: s.clean(err.Error())}
	switch {
	case errors.Is(err, context.Canceled):
		se.cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		se.cause = context.DeadlineExceeded
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		se.timeout = true
	}
	se.notSent = notSent(err)
	return se
}

// notSent reports whether err proves that the request never reached the
// server: the connection was refused or the name did not resolve. Only then
// is a failed non-idempotent call (media_publish) known not to have happened.
func notSent(err error) bool {
	var se *safeError
	if errors.As(err, &se) {
		return se.notSent
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
