package public

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/store"
)

// TestCheckFresh: the one freshness rule of both callbacks. A request
// from 2001 or from far in the future is refused whatever its expiry.
func TestCheckFresh(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	n := now.Unix()
	tests := []struct {
		name            string
		issued, expires int64
		want            error
	}{
		{"now", n, 0, nil},
		{"an hour ago", n - 3600, 0, nil},
		{"23 h ago", n - 23*3600, 0, nil},
		{"25 h ago", n - 25*3600, 0, ErrSignedRequestStale},
		{"2001", time.Date(2001, 9, 9, 0, 0, 0, 0, time.UTC).Unix(), 0, ErrSignedRequestStale},
		{"2001 with an expiry far ahead", time.Date(2001, 9, 9, 0, 0, 0, 0, time.UTC).Unix(), n + 3600, ErrSignedRequestStale},
		{"in 4 min (clock skew)", n + 240, 0, nil},
		{"in an hour", n + 3600, 0, ErrSignedRequestFuture},
		{"in 2100", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 0, ErrSignedRequestFuture},
		{"expired", n - 7200, n - 3600, ErrSignedRequestStale},
		{"expired within the skew", n - 3600, n - 60, nil},
		{"not expired", n - 60, n + 3540, nil},
		{"no issued_at", 0, n + 3600, ErrSignedRequestNoTime},
		{"negative issued_at", -5, 0, ErrSignedRequestNoTime},
	}
	for _, tt := range tests {
		err := CheckFresh(SignedRequest{IssuedAt: tt.issued, Expires: tt.expires}, now)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: CheckFresh = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// FuzzSignedRequestFresh: whatever arrives, a request is accepted only
// when its signature is the app secret's HMAC of the payload as sent, its
// algorithm is exactly HMAC-SHA256, it names a user and it is fresh; and
// it stays accepted until FreshUntil, no longer.
func FuzzSignedRequestFresh(f *testing.F) {
	const secret = "fuzz-app-secret"
	now := time.Unix(1_800_000_000, 0)
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","user_id":"1","issued_at":1800000000}`, secret))
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","user_id":12,"issued_at":1799910000}`, secret))
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","user_id":"1","issued_at":1800000000,"expires":1799999000}`, secret))
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","user_id":"1","issued_at":1000000000,"expires":4000000000}`, secret))
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","user_id":"1","issued_at":1800000000}`, "other"))
	f.Add(daemontest.SignRaw(`{"algorithm":"none","user_id":"1"}`, secret))
	f.Add("a.b")
	f.Add("===.===")
	f.Add(".")
	f.Fuzz(func(t *testing.T, raw string) {
		sr, err := ParseSignedRequest(raw, secret)
		if err != nil {
			return
		}
		sig, payload, _ := strings.Cut(raw, ".")
		got, _ := base64.RawURLEncoding.DecodeString(strings.TrimRight(sig, "="))
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(payload))
		if !hmac.Equal(got, mac.Sum(nil)) {
			t.Fatalf("accepted a signature that is not the secret's: %q", raw)
		}
		if sr.Algorithm != "HMAC-SHA256" || sr.UserID == "" {
			t.Fatalf("accepted %+v", sr)
		}
		if CheckFresh(sr, now) != nil {
			return
		}
		issued := time.Unix(sr.IssuedAt, 0)
		if sr.IssuedAt <= 0 || issued.After(now.Add(SignedRequestSkew)) || now.Sub(issued) > SignedRequestMaxAge ||
			sr.Expires > 0 && now.After(time.Unix(sr.Expires, 0).Add(SignedRequestSkew)) {
			t.Fatalf("accepted a stale request: %+v", sr)
		}
		if until := sr.FreshUntil(); CheckFresh(sr, until) != nil || CheckFresh(sr, until.Add(time.Second)) == nil {
			t.Fatalf("FreshUntil %v is not the end of the window of %+v", until, sr)
		}
	})
}

// TestReplaysOnce: the same signed payload acts once inside its window,
// also when copies arrive together; another payload, or the same one once
// its first answer no longer stands, acts again; other spellings of the
// same signature are the same request.
func TestReplaysOnce(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "impress.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const secret = "replay-secret"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	raw := daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": "42", "issued_at": now.Unix()}, secret)
	sr, err := ParseSignedRequest(raw, secret)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReplays(DataDeletion)
	var acts atomic.Int32
	act := func() (string, error) {
		n := acts.Add(1)
		return "code" + string(rune('0'+n)), nil
	}
	var wg sync.WaitGroup
	codes := make([]string, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := r.Once(db, sr, secret, now, nil, act)
			if err != nil {
				t.Error(err)
			}
			codes[i] = a.Code
		}()
	}
	wg.Wait()
	if acts.Load() != 1 {
		t.Fatalf("20 copies acted %d times, want once", acts.Load())
	}
	for _, c := range codes {
		if c != "code1" {
			t.Fatalf("answers %v, want code1 for every copy", codes)
		}
	}
	// The signature spelled with padding is the same request.
	sig, payload, _ := strings.Cut(raw, ".")
	padded, err := ParseSignedRequest(sig+"=."+payload, secret)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := r.Once(db, padded, secret, now.Add(time.Hour), nil, act); !a.Replay || a.Code != "code1" {
		t.Errorf("padded signature: %+v, want a replay of code1", a)
	}
	// Another route keeps its own answers.
	if a, _ := NewReplays("POST /meta/deauthorize").Once(db, sr, secret, now, nil, act); a.Replay {
		t.Errorf("another route answered as a replay: %+v", a)
	}
	// An answer whose record is gone does not stand: act again.
	if a, _ := r.Once(db, sr, secret, now, func(string) bool { return false }, act); a.Replay || a.Code == "code1" {
		t.Errorf("answer that no longer stands: %+v", a)
	}
	// Past the window the request is stale (CheckFresh refuses it) and
	// its record is dropped with the next one remembered.
	later := sr.FreshUntil().Add(time.Minute)
	other, _ := ParseSignedRequest(daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": "43", "issued_at": later.Unix()}, secret), secret)
	if a, _ := r.Once(db, other, secret, later, nil, act); a.Replay {
		t.Errorf("a new request answered as a replay: %+v", a)
	}
	if _, err := db.SeenRequest(r.key(sr, secret), sr.FreshUntil()); !store.IsNotFound(err) {
		t.Errorf("stale record kept: %v", err)
	}
	// Failure: nothing remembered, the next copy acts.
	boom := errors.New("store full")
	third, _ := ParseSignedRequest(daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": "44", "issued_at": later.Unix()}, secret), secret)
	if _, err := r.Once(db, third, secret, later, nil, func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("failing action: %v", err)
	}
	if a, _ := r.Once(db, third, secret, later, nil, act); a.Replay {
		t.Error("a request whose first action failed was answered as a replay")
	}
}
