package public

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/impress-dev/impress/store"
)

// Freshness and replays of Meta's signed callbacks (deauthorize and data
// deletion share both; docs/SECURITY.md §3).
//
// Fresh: issued_at must be present, at most SignedRequestMaxAge old and
// at most SignedRequestSkew in the future; a payload with "expires" is
// refused once that has passed (plus the skew). 24 hours rather than
// minutes because Meta's retry schedule is not documented and a daemon
// may be down overnight. Meta's own samples set expires one hour after
// issued_at, which then applies.
//
// Once: inside its window, the same signed payload gets the same answer
// (the confirmation code of the first) and does nothing new: a captured
// callback replayed 240 times is one purge, not 240. What is remembered
// is a digest of the payload keyed with the app secret, never the payload
// (it names the user), and only until the request would be stale anyway.

const (
	SignedRequestMaxAge = 24 * time.Hour
	SignedRequestSkew   = 5 * time.Minute
)

// Freshness errors (never carrying the payload).
var (
	ErrSignedRequestStale  = errors.New("signed_request: expired or issued too long ago")
	ErrSignedRequestNoTime = errors.New("signed_request: no issued_at")
	ErrSignedRequestFuture = errors.New("signed_request: issued in the future")
)

// CheckFresh applies the freshness rule at now.
func CheckFresh(sr SignedRequest, now time.Time) error {
	if sr.IssuedAt <= 0 {
		return ErrSignedRequestNoTime
	}
	issued := time.Unix(sr.IssuedAt, 0)
	switch {
	case issued.After(now.Add(SignedRequestSkew)):
		return ErrSignedRequestFuture
	case now.After(sr.FreshUntil()):
		return ErrSignedRequestStale
	}
	return nil
}

// FreshUntil is the last moment CheckFresh accepts sr: issued_at plus the
// maximum age, or its expiry (plus the skew) when that comes first.
func (sr SignedRequest) FreshUntil() time.Time {
	until := time.Unix(sr.IssuedAt, 0).Add(SignedRequestMaxAge)
	if sr.Expires > 0 {
		if exp := time.Unix(sr.Expires, 0).Add(SignedRequestSkew); exp.Before(until) {
			until = exp
		}
	}
	return until
}

// Replays answers each signed request of one route once. The zero value
// is not usable: use [NewReplays].
type Replays struct {
	route string
	// mu makes look-up, action and record one step, so two copies of a
	// request arriving together act once. Lock order: taken by a public
	// callback with nothing held; under it the action takes what it
	// needs (an auth per-connection lock, the auth state lock, the
	// store), never a call to Meta.
	mu sync.Mutex
}

// NewReplays is the replay guard of one public route.
func NewReplays(route string) *Replays { return &Replays{route: route} }

// Answer is what the first request of a payload got.
type Answer struct {
	Code string
	// Replay is true when this request repeated one already answered.
	Replay bool
}

// Once runs act for sr unless the same payload was answered inside its
// window and still stands (stands says whether a code's record is still
// there; nil: always), in which case the first answer is returned and act
// does not run. act returns the confirmation code; an error from it is
// returned and nothing is remembered (the caller answers 5xx and Meta
// retries).
func (r *Replays) Once(db *store.DB, sr SignedRequest, appSecret string, now time.Time,
	stands func(code string) bool, act func() (string, error)) (Answer, error) {
	key := r.key(sr, appSecret)
	r.mu.Lock()
	defer r.mu.Unlock()
	seen, err := db.SeenRequest(key, now)
	switch {
	case err == nil && (stands == nil || stands(seen.Code)):
		return Answer{Code: seen.Code, Replay: true}, nil
	case err != nil && !store.IsNotFound(err):
		return Answer{}, err
	}
	code, err := act()
	if err != nil {
		return Answer{}, err
	}
	if err := db.RememberRequest(key, store.SeenRequest{Code: code, SeenAt: now.UTC(), Until: sr.FreshUntil().UTC()}, now); err != nil {
		// Done but not remembered: a replay would act again, which a
		// retry from Meta may do anyway. Not worth a 5xx.
		return Answer{Code: code}, err
	}
	return Answer{Code: code}, nil
}

// key is the record's key: route and a digest of the payload as signed,
// keyed with the app secret. The signature part is left out: its base64
// has several spellings of one value (padding, unused bits), the payload
// has one, since the signature covers it as sent.
func (r *Replays) key(sr SignedRequest, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write([]byte("impress/replay/v1\x00" + r.route + "\x00" + sr.payload))
	return r.route + " " + hex.EncodeToString(mac.Sum(nil))
}

// Answered logs how Once went for a callback (what names it in the log)
// and, when nothing was done, answers 500 so that Meta retries; it
// returns false when it answered.
func Answered(w http.ResponseWriter, log *slog.Logger, what string, ans Answer, err error) bool {
	switch {
	case err != nil && ans.Code == "":
		log.Error(what+": could not record the request", "err", err)
		Error(w, http.StatusInternalServerError, "retry")
		return false
	case err != nil:
		log.Warn(what+": answered but not remembered for replays", "err", err)
	case ans.Replay:
		log.Warn(what+" replayed: answered as before, nothing done again", "code", ans.Code)
	}
	return true
}
