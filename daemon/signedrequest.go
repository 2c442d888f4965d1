package daemon

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
)

// Meta's signed_request (deauthorize and data-deletion callbacks,
// meta-graph-api.md §7.1, reliability.md §6):
//
//	signed_request=<base64url(HMAC-SHA256(app secret, P))>.<P = base64url(JSON payload)>
//
// The signature covers the encoded payload exactly as received, so it is
// checked before the payload is decoded, in constant time, and only then
// is the JSON trusted; the algorithm must be "HMAC-SHA256" exactly (copied
// doc samples never check it). Both callbacks share this code: the privacy
// feature's data-deletion handler uses [Server.readSignedRequest].

// maxSignedRequest caps the form value; real ones are a few hundred bytes.
const maxSignedRequest = 8 << 10

// Errors of parseSignedRequest. None of them carries the input.
var (
	errSignedRequestMalformed = errors.New("signed_request: malformed")
	errSignedRequestSignature = errors.New("signed_request: signature does not match the app secret")
	errSignedRequestAlgorithm = errors.New("signed_request: algorithm is not HMAC-SHA256")
	errSignedRequestNoUser    = errors.New("signed_request: no user_id")
	errSignedRequestNoSecret  = errors.New("signed_request: meta.app_secret is not configured")
)

// signedRequest is a verified signed_request payload.
type signedRequest struct {
	Algorithm string
	// UserID is the app-scoped id of the user who removed the app (for
	// Instagram Login, the Instagram-scoped id): store.ConnByAccount maps
	// it to a connection.
	UserID   string
	IssuedAt int64
	Expires  int64
}

// parseSignedRequest verifies raw with appSecret and returns its payload.
func parseSignedRequest(raw, appSecret string) (signedRequest, error) {
	var sr signedRequest
	if appSecret == "" {
		return sr, errSignedRequestNoSecret
	}
	if len(raw) == 0 || len(raw) > maxSignedRequest || strings.Count(raw, ".") != 1 {
		return sr, errSignedRequestMalformed
	}
	encSig, encPayload, _ := strings.Cut(raw, ".")
	if encSig == "" || encPayload == "" {
		return sr, errSignedRequestMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encSig, "="))
	if err != nil || len(sig) != sha256.Size {
		return sr, errSignedRequestMalformed
	}
	if !validMAC(sig, []byte(encPayload), appSecret) {
		return sr, errSignedRequestSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encPayload, "="))
	if err != nil {
		return sr, errSignedRequestMalformed
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
		return sr, errSignedRequestMalformed
	}
	if p.Algorithm != "HMAC-SHA256" {
		return sr, errSignedRequestAlgorithm
	}
	sr.UserID = jsonID(p.UserID)
	if sr.UserID == "" {
		return sr, errSignedRequestNoUser
	}
	sr.Algorithm = p.Algorithm
	sr.IssuedAt, _ = p.IssuedAt.Int64()
	sr.Expires, _ = p.Expires.Int64()
	return sr, nil
}

// jsonID reads an id Meta may send as a string or as a number; anything
// else (object, array, bool, null) is no id.
func jsonID(raw json.RawMessage) string {
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

// readSignedRequest reads the signed_request form field of a public
// callback and verifies it with meta.app_secret. On failure it has written
// the answer (415 not a form, 413 too big, 400 malformed, 403 bad
// signature or algorithm, 503 no app secret) and returns false; nothing of
// the request is logged beyond the reason.
func (s *Server) readSignedRequest(w http.ResponseWriter, r *http.Request) (signedRequest, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		publicError(w, http.StatusUnsupportedMediaType, "want application/x-www-form-urlencoded")
		return signedRequest{}, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignedRequest+1024)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			publicError(w, http.StatusRequestEntityTooLarge, "body too large")
		} else {
			publicError(w, http.StatusBadRequest, "bad form body")
		}
		return signedRequest{}, false
	}
	sr, err := parseSignedRequest(r.PostForm.Get("signed_request"), s.Settings().String("meta.app_secret"))
	switch {
	case err == nil:
		return sr, true
	case errors.Is(err, errSignedRequestNoSecret):
		s.Log.Warn("public callback refused: meta.app_secret is not configured", "path", r.URL.Path)
		publicError(w, http.StatusServiceUnavailable, "not configured")
	case errors.Is(err, errSignedRequestSignature), errors.Is(err, errSignedRequestAlgorithm):
		s.Log.Warn("public callback refused", "path", r.URL.Path, "reason", err.Error())
		publicError(w, http.StatusForbidden, "invalid signed_request")
	default:
		s.Log.Warn("public callback refused", "path", r.URL.Path, "reason", err.Error())
		publicError(w, http.StatusBadRequest, "invalid signed_request")
	}
	return signedRequest{}, false
}
