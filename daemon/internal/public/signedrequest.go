package public

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"
)

// Meta's signed_request (deauthorize and data-deletion callbacks,
// docs/META.md §14, docs/SECURITY.md §3):
//
//	signed_request=<base64url(HMAC-SHA256(app secret, P))>.<P = base64url(JSON payload)>
//
// The signature covers the encoded payload exactly as received, so it is
// checked before the payload is decoded, in constant time, and only then
// is the JSON trusted; the algorithm must be "HMAC-SHA256" exactly (copied
// doc samples never check it). Both callbacks share this code: community's
// deauthorize and privacy's data deletion use [ReadSignedRequest].

// maxSignedRequest caps the form value; real ones are a few hundred bytes.
const maxSignedRequest = 8 << 10

// Errors of ParseSignedRequest. None of them carries the input.
var (
	ErrSignedRequestMalformed = errors.New("signed_request: malformed")
	ErrSignedRequestSignature = errors.New("signed_request: signature does not match the app secret")
	ErrSignedRequestAlgorithm = errors.New("signed_request: algorithm is not HMAC-SHA256")
	ErrSignedRequestNoUser    = errors.New("signed_request: no user_id")
	ErrSignedRequestNoSecret  = errors.New("signed_request: meta.app_secret is not configured")
)

// SignedRequest is a verified signed_request payload.
type SignedRequest struct {
	Algorithm string
	// UserID is the app-scoped id of the user who removed the app (for
	// Instagram Login, the Instagram-scoped id): store.ConnByAccount maps
	// it to a connection.
	UserID   string
	IssuedAt int64
	Expires  int64
	// payload is the payload as sent (base64url), which the signature
	// covers: the one spelling of a request, for [Replays].
	payload string
}

// ParseSignedRequest verifies raw with appSecret and returns its payload.
func ParseSignedRequest(raw, appSecret string) (SignedRequest, error) {
	var sr SignedRequest
	if appSecret == "" {
		return sr, ErrSignedRequestNoSecret
	}
	if len(raw) == 0 || len(raw) > maxSignedRequest || strings.Count(raw, ".") != 1 {
		return sr, ErrSignedRequestMalformed
	}
	encSig, encPayload, _ := strings.Cut(raw, ".")
	if encSig == "" || encPayload == "" {
		return sr, ErrSignedRequestMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encSig, "="))
	if err != nil || len(sig) != sha256.Size {
		return sr, ErrSignedRequestMalformed
	}
	if !ValidMAC(sig, []byte(encPayload), appSecret) {
		return sr, ErrSignedRequestSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encPayload, "="))
	if err != nil {
		return sr, ErrSignedRequestMalformed
	}
	var p struct {
		Algorithm string          `json:"algorithm"`
		UserID    json.RawMessage `json:"user_id"` // a string in every sample, a number in old SDKs
		IssuedAt  json.Number     `json:"issued_at"`
		Expires   json.Number     `json:"expires"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return sr, ErrSignedRequestMalformed
	}
	if p.Algorithm != "HMAC-SHA256" {
		return sr, ErrSignedRequestAlgorithm
	}
	sr.UserID = JSONID(p.UserID)
	if sr.UserID == "" {
		return sr, ErrSignedRequestNoUser
	}
	sr.Algorithm, sr.payload = p.Algorithm, encPayload
	sr.IssuedAt, _ = p.IssuedAt.Int64()
	sr.Expires, _ = p.Expires.Int64()
	return sr, nil
}

// JSONID reads an id Meta may send as a string or as a number; anything
// else (object, array, bool, null) is no id.
func JSONID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// ReadSignedRequest reads the signed_request form field of a public
// callback and verifies it with meta.app_secret. On failure it has written
// the answer (415 not a form, 413 too big, 400 malformed, 403 bad
// signature or algorithm, 503 no app secret) and returns false; nothing of
// the request is logged beyond the reason.
//
// appSecret is meta.app_secret; log gets the reason of a refusal.
func ReadSignedRequest(w http.ResponseWriter, r *http.Request, appSecret string, log *slog.Logger) (SignedRequest, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		Error(w, http.StatusUnsupportedMediaType, "want application/x-www-form-urlencoded")
		return SignedRequest{}, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignedRequest+1024)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			Error(w, http.StatusRequestEntityTooLarge, "body too large")
		} else {
			Error(w, http.StatusBadRequest, "bad form body")
		}
		return SignedRequest{}, false
	}
	sr, err := ParseSignedRequest(r.PostForm.Get("signed_request"), appSecret)
	switch {
	case err == nil:
		return sr, true
	case errors.Is(err, ErrSignedRequestNoSecret):
		log.Warn("public callback refused: meta.app_secret is not configured", "path", r.URL.Path)
		Error(w, http.StatusServiceUnavailable, "not configured")
	case errors.Is(err, ErrSignedRequestSignature), errors.Is(err, ErrSignedRequestAlgorithm):
		log.Warn("public callback refused", "path", r.URL.Path, "reason", err.Error())
		Error(w, http.StatusForbidden, "invalid signed_request")
	default:
		log.Warn("public callback refused", "path", r.URL.Path, "reason", err.Error())
		Error(w, http.StatusBadRequest, "invalid signed_request")
	}
	return SignedRequest{}, false
}
