package public

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/impress-dev/impress/daemon/internal/daemontest"
)

const srSecret = "test_app_secret_0123456789"

func TestParseSignedRequest(t *testing.T) {
	valid := daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": "218471", "issued_at": 1291836800, "expires": 1291840400}, srSecret)
	sig, payload, _ := strings.Cut(valid, ".")
	tamperedPayload := base64.RawURLEncoding.EncodeToString([]byte(`{"algorithm":"HMAC-SHA256","user_id":"999"}`))
	tests := []struct {
		name    string
		raw     string
		secret  string
		want    string
		wantErr error
	}{
		{"valid", valid, srSecret, "218471", nil},
		{"numeric user id", daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": 218471}, srSecret), srSecret, "218471", nil},
		{"padded base64", sig + "=." + payload + "==", srSecret, "", ErrSignedRequestSignature}, // signature covers the payload as sent
		{"padding in both, signed as sent", signPadded(t, srSecret), srSecret, "42", nil},
		{"wrong secret", valid, "another_secret", "", ErrSignedRequestSignature},
		{"tampered payload", sig + "." + tamperedPayload, srSecret, "", ErrSignedRequestSignature},
		{"lower-case algorithm", daemontest.SignRequest(t, map[string]any{"algorithm": "hmac-sha256", "user_id": "1"}, srSecret), srSecret, "", ErrSignedRequestAlgorithm},
		{"no algorithm", daemontest.SignRequest(t, map[string]any{"user_id": "1"}, srSecret), srSecret, "", ErrSignedRequestAlgorithm},
		{"other algorithm", daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA1", "user_id": "1"}, srSecret), srSecret, "", ErrSignedRequestAlgorithm},
		{"no user", daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256"}, srSecret), srSecret, "", ErrSignedRequestNoUser},
		{"user is an object", daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": map[string]int{"a": 1}}, srSecret), srSecret, "", ErrSignedRequestNoUser},
		{"signed non-JSON", daemontest.SignRaw("not json", srSecret), srSecret, "", ErrSignedRequestMalformed},
		{"no dot", sig + payload, srSecret, "", ErrSignedRequestMalformed},
		{"two dots", valid + ".x", srSecret, "", ErrSignedRequestMalformed},
		{"empty signature", "." + payload, srSecret, "", ErrSignedRequestMalformed},
		{"short signature", "AAAA." + payload, srSecret, "", ErrSignedRequestMalformed},
		{"not base64", "!!!." + payload, srSecret, "", ErrSignedRequestMalformed},
		{"empty", "", srSecret, "", ErrSignedRequestMalformed},
		{"too long", sig + "." + strings.Repeat("A", maxSignedRequest), srSecret, "", ErrSignedRequestMalformed},
		{"no app secret", valid, "", "", ErrSignedRequestNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr, err := ParseSignedRequest(tt.raw, tt.secret)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (sr.UserID != tt.want || sr.Algorithm != "HMAC-SHA256") {
				t.Errorf("got %+v, want user %q", sr, tt.want)
			}
			if err != nil && tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

// signPadded signs a payload that carries base64 padding as sent: some
// senders keep '='; the signature is over the string as received.
func signPadded(t *testing.T, secret string) string {
	enc := base64.URLEncoding.EncodeToString([]byte(`{"algorithm":"HMAC-SHA256","user_id":"42" }`))
	if !strings.HasSuffix(enc, "=") {
		t.Fatal("test payload needs padding")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(enc))
	return base64.URLEncoding.EncodeToString(mac.Sum(nil)) + "." + enc
}

// FuzzParseSignedRequest: whatever the input, no panic; an accepted
// request is one that really is signed with the secret, says HMAC-SHA256
// and names a user.
func FuzzParseSignedRequest(f *testing.F) {
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"218471"}`, srSecret))
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256","user_id":218471}`, srSecret))
	f.Add(daemontest.SignRaw(`{"algorithm":"hmac-sha256","user_id":"1"}`, srSecret))
	f.Add(daemontest.SignRaw(`{"algorithm":"HMAC-SHA256"}`, srSecret))
	f.Add(daemontest.SignRaw(`[]`, srSecret))
	f.Add("a.b")
	f.Add("..")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		sr, err := ParseSignedRequest(raw, srSecret)
		if err != nil {
			return
		}
		if sr.Algorithm != "HMAC-SHA256" || sr.UserID == "" {
			t.Fatalf("accepted %q as %+v", raw, sr)
		}
		encSig, encPayload, _ := strings.Cut(raw, ".")
		mac := hmac.New(sha256.New, []byte(srSecret))
		mac.Write([]byte(encPayload))
		got, _ := base64.RawURLEncoding.DecodeString(strings.TrimRight(encSig, "="))
		if !hmac.Equal(got, mac.Sum(nil)) {
			t.Fatalf("accepted %q without a valid signature", raw)
		}
	})
}
