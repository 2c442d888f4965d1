// Package public holds what the features that answer on the daemon's
// public endpoint share: the routes other features serve there (the
// community feature owns the listener and registers them through
// feature.PublicRoutes), its plain-text error answer, and Meta's signed
// requests and HMAC check.
package public

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/http"
	"regexp"
	"sync"
)

// The public routes a feature other than community serves. Until the
// feature registers its handler, the route answers 404 (GET pages) or 503
// (Meta's data-deletion POST, so Meta retries later instead of seeing
// "gone").
const (
	// DataDeletion is Meta's Data Deletion Request callback (privacy
	// feature). Use [ReadSignedRequest] to verify it.
	DataDeletion = "POST /meta/data-deletion"
	// DeletionStatus is the status page a deletion answer links to
	// (privacy feature).
	DeletionStatus = "GET /privacy/deletion/{code}"
	// Media serves a short-lived signed media URL to Meta's fetcher
	// (publish feature). GET also answers HEAD.
	Media = "GET /media/{token}"
)

// Error answers with a short text body: nothing internal, no HTML.
func Error(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// ValidMAC reports in constant time whether sig is the HMAC-SHA256 of msg
// under secret: the check behind webhook signatures and signed requests.
func ValidMAC(sig, msg []byte, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(msg)
	return hmac.Equal(sig, mac.Sum(nil))
}

// codeEncoding writes confirmation codes: 128 random bits, lower-case
// base32 without padding (26 characters, easy to read out and to paste).
var codeEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// CodeRE is what a confirmation code looks like, compiled on first use
// (package globals are built by every command the binary runs).
var CodeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z2-7]{26}$`) })

// NewCode is a random confirmation code (data deletion, deauthorize,
// purge receipts), never derived from who asked.
func NewCode() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("confirmation code: %w", err)
	}
	return codeEncoding.EncodeToString(b), nil
}
