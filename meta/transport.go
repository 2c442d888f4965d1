package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// authMode is how a call carries its token. Meta wants different forms on
// different endpoints (docs/META.md §3, §6):
//
//   - Graph calls accept "Authorization: Bearer" (default; keeps the token
//     out of URLs) or the access_token parameter ([Config.TokenInQuery]).
//   - ig_exchange_token, ig_refresh_token and debug_token are documented
//     with the access_token query parameter only, so they use it.
//   - rupload wants "Authorization: OAuth <token>".
//   - code exchanges carry no token at all (client_secret + code).
type authMode int

const (
	authBearer authMode = iota
	authQuery
	authOAuth
	authNone
)

type authSpec struct {
	mode  authMode
	token string
	proof string // appsecret_proof, FlavourFacebook with an app secret
}

// String keeps the token out of anything that prints the request context.
func (authSpec) String() string { return "meta.authSpec{" + redactedMark + "}" }

type authKey struct{}

func withAuth(ctx context.Context, s authSpec) context.Context {
	return context.WithValue(ctx, authKey{}, s)
}

// authTransport is the one place that writes a token into a request. The
// token travels from [Client.once] in the request context, so the URL that
// net/http puts into its errors never contains it; the query form is added
// to a clone here, below the error-reporting layer.
type authTransport struct {
	base http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, ok := req.Context().Value(authKey{}).(authSpec)
	if !ok || s.mode == authNone || s.token == "" {
		return t.base.RoundTrip(req)
	}
	r2 := req.Clone(req.Context())
	switch s.mode {
	case authBearer:
		r2.Header.Set("Authorization", "Bearer "+s.token)
	case authOAuth:
		r2.Header.Set("Authorization", "OAuth "+s.token)
	case authQuery:
		q := r2.URL.Query()
		q.Set("access_token", s.token)
		r2.URL.RawQuery = q.Encode()
	}
	if s.proof != "" {
		q := r2.URL.Query()
		q.Set("appsecret_proof", s.proof)
		r2.URL.RawQuery = q.Encode()
	}
	return t.base.RoundTrip(r2)
}

// appSecretProof is hex(HMAC-SHA256(key=app secret, message=token)), which
// Facebook Login apps can require on every call ("Require App Secret").
func appSecretProof(token, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}
