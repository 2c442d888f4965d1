package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// igAuthorize serves www.instagram.com/oauth/authorize: it approves at once
// as the current login account and 302s to redirect_uri?code=…&state=…#_.
func (s *Server) igAuthorize(w http.ResponseWriter, r *http.Request) {
	s.authorize(w, r, flavourIG)
}

// fbDialog serves www.facebook.com/vNN.N/dialog/oauth.
func (s *Server) fbDialog(w http.ResponseWriter, r *http.Request) {
	s.authorize(w, r, flavourFB)
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, fl flavour) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.AppID {
		refusePage(w, "Invalid platform app", "The client_id is not the id of a sandbox app.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(s.opts.RedirectURIs, redirect) {
		if fl == flavourFB {
			refusePage(w, "URL blocked", "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs.")
		} else {
			refusePage(w, "Invalid redirect_uri", "The redirect_uri does not match a registered OAuth redirect URI (matching is exact).")
		}
		return
	}
	rt := q.Get("response_type")
	if rt != "code" && !(fl == flavourFB && rt == "") {
		refusePage(w, "Invalid response_type", "Only response_type=code is supported by the sandbox.")
		return
	}
	var scopes []string
	switch {
	case fl == flavourFB && q.Get("config_id") != "":
		scopes = slices.Clone(fbScopes) // a Login for Business configuration grants its permissions
	case fl == flavourFB && q.Get("scope") == "":
		scopes = []string{"public_profile"}
	default:
		ok, bad := grantedScopes(fl, q.Get("scope"))
		if len(bad) > 0 || len(ok) == 0 {
			refusePage(w, "Invalid Scopes", "Invalid Scopes: "+strings.Join(bad, ", ")+
				". Please refer to the documentation for valid permissions.")
			return
		}
		scopes = ok
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" {
		if method == "" {
			method = "plain"
		}
		if method != "S256" && method != "plain" {
			refusePage(w, "Invalid code_challenge_method", "code_challenge_method must be S256 or plain.")
			return
		}
	}
	u, err := url.Parse(redirect)
	if err != nil {
		refusePage(w, "Invalid redirect_uri", "The redirect_uri cannot be parsed.")
		return
	}
	rq := u.Query()
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}

	s.mu.Lock()
	deny := s.knobs.DenyLogins > 0
	var code string
	if deny {
		s.knobs.DenyLogins--
	} else {
		subject, life := s.knobs.LoginIG, igCodeLife
		if fl == flavourFB {
			subject, life = s.knobs.LoginFB, fbCodeLife
		}
		code = "AQ" + s.randString(62)
		s.st.codes[code] = &authCode{Code: code, ClientID: s.opts.AppID, RedirectURI: redirect, Subject: subject,
			Flavour: fl, Scopes: scopes, Challenge: challenge, Method: method, Expires: s.now().Add(life)}
		s.st.codesIssued++
	}
	s.mu.Unlock()

	suffix := ""
	switch {
	case deny && fl == flavourIG:
		rq.Set("error", "access_denied")
		rq.Set("error_reason", "user_denied")
		rq.Set("error_description", "The user denied your request")
	case deny:
		rq.Set("error", "access_denied")
		rq.Set("error_code", "200")
		rq.Set("error_description", "Permissions error")
		rq.Set("error_reason", "user_denied")
	default:
		rq.Set("code", code)
		if fl == flavourIG {
			suffix = "#_" // Instagram appends #_; clients must strip it (docs/META.md §3)
		}
	}
	u.RawQuery = rq.Encode()
	w.Header().Set("Location", u.String()+suffix)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// refusePage answers an authorize request that Meta would not redirect:
// a 400 page, never a redirect to an unregistered URI.
func refusePage(w http.ResponseWriter, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1><p>%s</p>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}

// igFlatError writes api.instagram.com's non-Graph error shape (docs/META.md §3, §10).
func igFlatError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusBadRequest)
	b, _ := json.Marshal(map[string]any{"error_type": "OAuthException", "code": 400, "error_message": msg})
	_, _ = w.Write(b)
}

// igCodeExchange serves POST api.instagram.com/oauth/access_token.
func (s *Server) igCodeExchange(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		igFlatError(w, "Unsupported request - method type: "+strings.ToLower(r.Method))
		return
	}
	p, err := readParams(r)
	if err != nil {
		igFlatError(w, "Invalid request body")
		return
	}
	switch {
	case p.Get("client_id") != s.opts.AppID:
		igFlatError(w, "Invalid platform app")
		return
	case !secretOK(p.Get("client_secret"), s.opts.AppSecret):
		igFlatError(w, "Error validating client secret.")
		return
	case p.Get("grant_type") != "authorization_code":
		igFlatError(w, "Invalid grant_type")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ac, msg := s.takeCodeLocked(strings.TrimSuffix(p.Get("code"), "#_"), flavourIG, p)
	if msg != "" {
		igFlatError(w, msg)
		return
	}
	t := s.issueToken(flavourIG, "short", ac.Subject, "", ac.Scopes, shortLived, "oauth")
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	b, _ := json.Marshal(map[string]any{"data": []map[string]string{{
		"access_token": t.Value, "user_id": s.st.accounts[ac.Subject].AppScopedID,
		"permissions": strings.Join(ac.Scopes, ","),
	}}})
	_, _ = w.Write(b)
}

func secretOK(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// takeCodeLocked looks up, consumes and checks an authorization code. It
// returns a message (IG wording) on failure. Caller holds s.mu.
func (s *Server) takeCodeLocked(code string, fl flavour, p url.Values) (*authCode, string) {
	ac, ok := s.st.codes[code]
	if !ok || ac.Flavour != fl || ac.Used {
		return nil, "Matching code was not found or was already used"
	}
	if !s.now().Before(ac.Expires) {
		return nil, "This authorization code has expired."
	}
	ac.Used = true
	s.st.codesUsed++
	if p.Get("redirect_uri") != ac.RedirectURI {
		return nil, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
	}
	if ac.Challenge != "" {
		v := p.Get("code_verifier")
		got := v
		if ac.Method == "S256" {
			sum := sha256.Sum256([]byte(v))
			got = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if v == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ac.Challenge)) != 1 {
			return nil, "Invalid code_verifier"
		}
	}
	return ac, ""
}

// fbExchange serves graph.facebook.com/vNN.N/oauth/access_token: code →
// user token, fb_exchange_token → long-lived token, client_credentials →
// app token.
func (s *Server) fbExchange(c *call) {
	p := c.params
	if p.Get("client_id") != s.opts.AppID {
		s.fail(c, gerr(400, 101, 0, typeOAuth, "Error validating application. Invalid application ID."))
		return
	}
	if !secretOK(p.Get("client_secret"), s.opts.AppSecret) {
		s.fail(c, gerr(400, 101, 0, typeOAuth, "Error validating client secret."))
		return
	}
	s.mu.Lock()
	var (
		t *token
		e *GraphError
	)
	switch gt := p.Get("grant_type"); {
	case gt == "client_credentials":
		s.mu.Unlock()
		s.ok(c, map[string]string{"access_token": s.opts.AppID + "|" + s.opts.AppSecret, "token_type": "bearer"})
		return
	case gt == "fb_exchange_token":
		var old *token
		old, e = s.checkTokenLocked(p.Get("fb_exchange_token"))
		if e == nil && (old.Flavour != flavourFB || old.Kind == "page") {
			e = errBadToken()
		}
		if e == nil {
			t = s.issueToken(flavourFB, "long", old.Subject, "", old.Scopes, longLived, "exchange")
		}
	case gt == "" || gt == "authorization_code":
		code := p.Get("code")
		if code == "" {
			e = errRequired("code")
			break
		}
		ac, ok := s.st.codes[code]
		switch {
		case !ok || ac.Flavour != flavourFB:
			e = gerr(400, 100, 0, typeOAuth, "Invalid verification code format.")
		case ac.Used:
			e = gerr(400, 100, 36009, typeOAuth, "This authorization code has been used.")
		case !s.now().Before(ac.Expires):
			e = gerr(400, 100, 36007, typeOAuth, "This authorization code has expired.")
		default:
			_, msg := s.takeCodeLocked(code, flavourFB, p)
			switch {
			case strings.HasPrefix(msg, "Error validating verification code"):
				e = gerr(400, 100, 36008, typeOAuth, msg)
			case msg != "":
				e = gerr(400, 100, 0, typeOAuth, msg)
			default:
				// The server-side code flow yields a long-lived (~60 day) user token (docs/META.md §3).
				t = s.issueToken(flavourFB, "long", ac.Subject, "", ac.Scopes, longLived, "oauth")
			}
		}
	default:
		e = errParam("Unsupported grant_type: " + gt)
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(c, e)
		return
	}
	s.ok(c, map[string]any{"access_token": t.Value, "token_type": "bearer",
		"expires_in": int(t.ExpiresAt.Sub(t.IssuedAt).Seconds())})
}

// igExchange serves graph.instagram.com/access_token?grant_type=ig_exchange_token.
func (s *Server) igExchange(c *call) {
	s.reissueLong(c, "ig_exchange_token", "exchange", true, func(old *token) *GraphError {
		if old.Flavour != flavourIG {
			return errBadToken()
		}
		return nil
	})
}

// igRefresh serves graph.instagram.com/refresh_access_token: only GET, only
// long-lived IG tokens at least 24 h old, not expired, with
// instagram_business_basic (docs/META.md §3).
func (s *Server) igRefresh(c *call) {
	s.reissueLong(c, "ig_refresh_token", "refresh", false, func(old *token) *GraphError {
		switch {
		case old.Flavour != flavourIG:
			return errBadToken()
		case old.Kind != "long":
			return gerr(400, 100, 0, typeIGAPI, "(#100) Only long-lived access tokens can be refreshed")
		case s.now().Sub(old.IssuedAt) < 24*time.Hour:
			return gerr(400, 100, 0, typeIGAPI, "(#100) The access token is less than 24 hours old and cannot be refreshed yet")
		case !old.can(capBasic):
			return errPermission()
		}
		return nil
	})
}

// reissueLong answers an exchange or a refresh (how): a GET with
// grant_type grant (and the app secret, when withSecret), whose token,
// valid and accepted by check (called under s.mu), is answered with a new
// long-lived IG token.
func (s *Server) reissueLong(c *call, grant, how string, withSecret bool, check func(old *token) *GraphError) {
	if c.r.Method != http.MethodGet {
		s.fail(c, errUnsupportedMethod(c.r.Method))
		return
	}
	if c.params.Get("grant_type") != grant {
		s.fail(c, errParam("Invalid grant_type, expected "+grant))
		return
	}
	if withSecret && !secretOK(c.params.Get("client_secret"), s.opts.AppSecret) {
		s.fail(c, gerr(400, 101, 0, typeOAuth, "Error validating client secret."))
		return
	}
	s.mu.Lock()
	old, e := s.checkTokenLocked(tokenFromRequest(c.r, c.params))
	if e == nil {
		e = check(old)
	}
	var t *token
	if e == nil {
		c.account = old.Subject
		t = s.issueToken(flavourIG, "long", old.Subject, "", old.Scopes, longLived, how)
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(c, e)
		return
	}
	s.ok(c, map[string]any{"access_token": t.Value, "token_type": "bearer", "expires_in": int(longLived.Seconds())})
}

// debugToken serves graph.facebook.com/debug_token.
func (s *Server) debugToken(c *call) {
	s.reply(c, func() (any, *GraphError) {
		in := c.params.Get("input_token")
		if in == "" {
			return nil, errRequired("input_token")
		}
		caller := tokenFromRequest(c.r, c.params)
		if caller != s.opts.AppID+"|"+s.opts.AppSecret {
			ct, e := s.checkTokenLocked(caller)
			if e == nil && ct.Flavour != flavourFB {
				e = errBadToken()
			}
			if e != nil {
				return nil, e
			}
		}
		data := map[string]any{"app_id": s.opts.AppID, "application": s.opts.AppName}
		t, ok := s.st.tokens[in]
		if !ok {
			data["is_valid"] = false
			data["scopes"] = []string{}
			data["error"] = map[string]any{"code": 190, "message": "Invalid OAuth access token."}
			return map[string]any{"data": data}, nil
		}
		_, verr := s.checkTokenLocked(in)
		data["is_valid"] = verr == nil
		if verr != nil {
			data["error"] = map[string]any{"code": verr.Code, "subcode": verr.Subcode, "message": verr.Message}
		}
		data["type"] = "USER"
		data["issued_at"] = t.IssuedAt.Unix()
		data["expires_at"] = int64(0)
		if !t.ExpiresAt.IsZero() {
			data["expires_at"] = t.ExpiresAt.Unix()
		}
		data["data_access_expires_at"] = t.IssuedAt.Add(90 * 24 * time.Hour).Unix()
		data["scopes"] = t.Scopes
		targets := []string{}
		switch {
		case t.Flavour == flavourIG:
			data["user_id"] = s.st.accounts[t.Subject].AppScopedID
			targets = append(targets, t.Subject)
		case t.Kind == "page":
			data["type"] = "PAGE"
			data["user_id"] = t.User
			data["profile_id"] = t.Subject
			targets = append(targets, t.Subject)
		default:
			data["user_id"] = t.Subject
			if u := s.st.users[t.Subject]; u != nil {
				targets = append(targets, u.Pages...)
			}
		}
		gs := []map[string]any{}
		for _, sc := range t.Scopes {
			g := map[string]any{"scope": sc}
			if strings.HasPrefix(sc, "instagram_") || strings.HasPrefix(sc, "pages_") {
				g["target_ids"] = targets
			}
			gs = append(gs, g)
		}
		data["granular_scopes"] = gs
		return map[string]any{"data": data}, nil
	})
}
