package redact

import (
	"strings"
	"testing"
)

func TestPatterns(t *testing.T) {
	for _, tc := range []struct{ in, leak string }{
		{`Get "https://graph.instagram.com/v25.0/me?access_token=IGQWRabc123xyz&fields=id": dial tcp`, "IGQWRabc123xyz"},
		{`POST https://x/oauth/access_token?client_secret=s3cr3tvalue&code=AQBcode99`, "s3cr3tvalue"},
		{`POST https://x/oauth/access_token?client_secret=s3cr3tvalue&code=AQBcode99`, "AQBcode99"},
		{`{"access_token":"EAAGm0PX4ZCpsBAabcdefghijklmnopqrstu","token_type":"bearer"}`, "EAAGm0PX4ZCpsBAabcdefghijklmnopqrstu"},
		{`Authorization: OAuth EAAtokenvaluehere12345`, "EAAtokenvaluehere12345"},
		{`Authorization: Bearer abc.def-ghi_jkl`, "abc.def-ghi_jkl"},
		{`appsecret_proof=deadbeefcafe&x=1`, "deadbeefcafe"},
		{`bare token EAAB1234567890abcdefghijkl in text`, "EAAB1234567890abcdefghijkl"},
	} {
		got := Patterns(tc.in)
		if strings.Contains(got, tc.leak) {
			t.Errorf("Patterns(%q) = %q still contains %q", tc.in, got, tc.leak)
		}
		if !strings.Contains(got, Mask) {
			t.Errorf("Patterns(%q) = %q has no mask", tc.in, got)
		}
	}
	if got := Patterns("render of summer-sale done in 2.1s"); got != "render of summer-sale done in 2.1s" {
		t.Errorf("ordinary text changed: %q", got)
	}
}

func TestKnownSecrets(t *testing.T) {
	var r Redactor
	r.Add("plain-secret-without-shape", "abc") // "abc" too short: ignored
	got := r.String("failed with plain-secret-without-shape at abc")
	if strings.Contains(got, "plain-secret-without-shape") {
		t.Errorf("known secret leaked: %q", got)
	}
	if !strings.Contains(got, "abc") {
		t.Errorf("short value masked: %q", got)
	}
	r.Remove("plain-secret-without-shape")
	if got := r.String("plain-secret-without-shape"); got != "plain-secret-without-shape" {
		t.Errorf("after Remove: %q", got)
	}
}
