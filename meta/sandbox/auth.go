package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Token lifetimes (docs/META.md §3).
const (
	shortLived = time.Hour
	longLived  = 60 * 24 * time.Hour
	igCodeLife = time.Hour
	fbCodeLife = 10 * time.Minute
)

// capability names an ability a token's scopes must grant.
type capability int

const (
	capBasic capability = iota
	capPublish
	capComments
	capMessages
	capInsights
	capPages
)

var capScopes = map[capability][2]string{ // [IG Login scope, FB Login scope]
	capBasic:    {"instagram_business_basic", "instagram_basic"},
	capPublish:  {"instagram_business_content_publish", "instagram_content_publish"},
	capComments: {"instagram_business_manage_comments", "instagram_manage_comments"},
	capMessages: {"instagram_business_manage_messages", "instagram_manage_messages"},
	capInsights: {"instagram_business_manage_insights", "instagram_manage_insights"},
	capPages:    {"", "pages_show_list"},
}

func (t *token) can(c capability) bool {
	pair := capScopes[c]
	want := pair[1]
	if t.Flavour == flavourIG {
		want = pair[0]
	}
	return want != "" && slices.Contains(t.Scopes, want)
}

// randString returns n random characters. Caller holds s.mu.
func (s *Server) randString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// issueToken creates and records a token. life 0 means it never expires.
// Caller holds s.mu.
func (s *Server) issueToken(fl flavour, kind, subject, user string, scopes []string, life time.Duration, source string) *token {
	prefix := "EAA"
	if fl == flavourIG {
		prefix = "IGAA"
	}
	now := s.now()
	t := &token{Value: prefix + s.randString(48), Flavour: fl, Kind: kind, Subject: subject, User: user,
		Scopes: slices.Clone(scopes), IssuedAt: now, Source: source}
	if life > 0 {
		t.ExpiresAt = now.Add(life)
	}
	s.st.tokens[t.Value] = t
	s.st.tokenOrder = append(s.st.tokenOrder, t.Value)
	return t
}

// tokenFromRequest reads access_token from the params or an
// "Authorization: Bearer|OAuth <token>" header.
func tokenFromRequest(r *http.Request, params map[string][]string) string {
	if v := params["access_token"]; len(v) > 0 && v[0] != "" {
		return v[0]
	}
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "OAuth ", "bearer ", "oauth "} {
		if strings.HasPrefix(h, scheme) {
			return strings.TrimSpace(h[len(scheme):])
		}
	}
	return ""
}

// checkTokenLocked validates a token value. Caller holds s.mu.
func (s *Server) checkTokenLocked(v string) (*token, *GraphError) {
	if v == "" {
		return nil, errNoToken()
	}
	t, ok := s.st.tokens[v]
	if !ok {
		return nil, errBadToken()
	}
	if t.Revoked != 0 {
		return nil, s.revokedError(t.Revoked)
	}
	if !t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt) {
		return nil, expiredError(t.ExpiresAt, s.now())
	}
	return t, nil
}

func expiredError(at, now time.Time) *GraphError {
	const layout = "Monday, 02-Jan-06 15:04:05 MST"
	return gerr(400, 190, 463, typeOAuth, fmt.Sprintf(
		"Error validating access token: Session has expired on %s. The current time is %s.",
		at.UTC().Format(layout), now.UTC().Format(layout)))
}

// revokedError gives the 190 error for an invalidated token.
func (s *Server) revokedError(sub int) *GraphError {
	msg := map[int]string{
		458: fmt.Sprintf("Error validating access token: The user has not authorized application %s.", s.opts.AppID),
		459: "Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.",
		460: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
		463: "Error validating access token: Session has expired.",
		464: "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.",
		467: "Error validating access token: The session is invalid because the user logged out.",
		492: "Error validating access token: The session is invalid because the user is no longer an admin of the page.",
	}[sub]
	if msg == "" {
		msg = "Error validating access token: The session is invalid."
	}
	return gerr(400, 190, sub, typeOAuth, msg)
}

// authenticate resolves and validates the call's token into c.tok.
func (s *Server) authenticate(c *call) *GraphError {
	v := tokenFromRequest(c.r, c.params)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e := s.checkTokenLocked(v)
	if e != nil {
		return e
	}
	// appsecret_proof is optional; when sent it must be
	// hex(HMAC-SHA256(key=app secret, message=token)), as Graph checks it.
	if proof := c.params.Get("appsecret_proof"); proof != "" {
		m := hmac.New(sha256.New, []byte(s.opts.AppSecret))
		m.Write([]byte(v))
		if !hmac.Equal([]byte(proof), []byte(hex.EncodeToString(m.Sum(nil)))) {
			return gerr(400, 100, 0, typeMethod, "Invalid appsecret_proof provided in the API argument")
		}
	}
	c.tok = t
	if c.account == "" {
		c.account = s.defaultAccountLocked(t)
	}
	return nil
}

// defaultAccountLocked is the IG account a token speaks for by default:
// the IG account itself, a page's IG account, a user's first page's.
func (s *Server) defaultAccountLocked(t *token) string {
	switch {
	case t.Flavour == flavourIG:
		return t.Subject
	case t.Kind == "page":
		if p := s.st.pages[t.Subject]; p != nil {
			return p.IGID
		}
	default:
		if u := s.st.users[t.Subject]; u != nil && len(u.Pages) > 0 {
			return s.st.pages[u.Pages[0]].IGID
		}
	}
	return ""
}

// canAccessIG reports whether t may act on IG account igID. Caller holds s.mu.
func (s *Server) canAccessIG(t *token, igID string) bool {
	switch {
	case t.Flavour == flavourIG:
		return t.Subject == igID
	case t.Kind == "page":
		p := s.st.pages[t.Subject]
		return p != nil && p.IGID == igID
	default:
		u := s.st.users[t.Subject]
		if u == nil {
			return false
		}
		for _, pid := range u.Pages {
			if s.st.pages[pid].IGID == igID {
				return true
			}
		}
	}
	return false
}

// revokeWhere invalidates matching tokens with subcode sub. Caller holds s.mu.
func (s *Server) revokeWhere(sub int, match func(*token) bool) int {
	n := 0
	for _, v := range s.st.tokenOrder {
		t := s.st.tokens[v]
		if t.Revoked == 0 && match(t) {
			t.Revoked = sub
			n++
		}
	}
	return n
}

// grantedScopes parses a comma (or space) separated scope list and checks
// every name against the flavour's known scopes.
func grantedScopes(fl flavour, raw string) ([]string, []string) {
	known := fbScopes
	if fl == flavourIG {
		known = igScopes
	}
	var ok, bad []string
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' }) {
		if slices.Contains(known, f) {
			if !slices.Contains(ok, f) {
				ok = append(ok, f)
			}
		} else {
			bad = append(bad, f)
		}
	}
	return ok, bad
}
