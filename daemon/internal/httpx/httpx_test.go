package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
)

// TestDecodeBody: one JSON value, white space around it allowed; anything
// else after it (a second document, a stray byte, a truncated value) is
// invalid_input, as are unknown fields.
func TestDecodeBody(t *testing.T) {
	type req struct {
		Name string `json:"name"`
	}
	tests := []struct {
		body string
		ok   bool
	}{
		{`{"name":"a"}`, true},
		{"{\"name\":\"a\"}\n", true},
		{" \t{\"name\":\"a\"} \r\n ", true},
		{`{"name":"a"}{"name":"b"}`, false},
		{`{"name":"a"} {"name":"b"}`, false},
		{"{\"name\":\"a\"}\n{\"name\":\"b\"}\n", false},
		{`{"name":"a"}x`, false},
		{`{"name":"a"}]`, false},
		{`{"name":"a"} 1`, false},
		{`{"name":"a"}"`, false},
		{`{"name":"a"}null`, false},
		{`{"name":"a"`, false},
		{``, false},
		{`{"name":"a","other":1}`, false},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
		var v req
		got := DecodeBody(rec, r, &v)
		if got != tt.ok {
			t.Errorf("DecodeBody(%q) = %v, want %v", tt.body, got, tt.ok)
			continue
		}
		if tt.ok {
			if v.Name != "a" {
				t.Errorf("DecodeBody(%q) decoded %+v", tt.body, v)
			}
			continue
		}
		var e struct{ Error api.Error }
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code != api.CodeInvalid {
			t.Errorf("DecodeBody(%q) answered %d %s, want 400 invalid_input", tt.body, rec.Code, rec.Body)
		}
	}
}

// FuzzDecodeBody: whatever the body, an accepted one is exactly one JSON
// object (or null, which leaves the request empty), with nothing after it
// but white space.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{"name":"a"}{}`, `{} `, `{}]`, `[]`, ``, `null`, `null{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		var v struct {
			Name string `json:"name"`
		}
		if !DecodeBody(rec, r, &v) {
			return
		}
		trimmed := strings.TrimSpace(body)
		if !json.Valid([]byte(trimmed)) || !strings.HasPrefix(trimmed, "{") && trimmed != "null" {
			t.Fatalf("accepted %q", body)
		}
	})
}

// TestAnswer: a bad body is refused before fn runs; fn's error goes to
// fail; fn's answer is written with 200.
func TestAnswer(t *testing.T) {
	type req struct {
		N int `json:"n"`
	}
	double := func(_ context.Context, q req) (req, error) {
		if q.N < 0 {
			return req{}, errors.New("negative")
		}
		return req{N: 2 * q.N}, nil
	}
	for _, tc := range []struct {
		body   string
		status int
		answer string // the body written, or the error fail got
	}{
		{`{"n":21}`, http.StatusOK, `{"n":42}`},
		{`{"n":-1}`, http.StatusTeapot, "negative"},
		{`{"m":1}`, http.StatusBadRequest, ""},
	} {
		rec := httptest.NewRecorder()
		var failed error
		fail := func(w http.ResponseWriter, err error) { failed = err; w.WriteHeader(http.StatusTeapot) }
		Answer(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body)), fail, double)
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.body, rec.Code, tc.status)
		}
		switch tc.status {
		case http.StatusOK:
			if got := strings.TrimSpace(rec.Body.String()); got != tc.answer || failed != nil {
				t.Errorf("%s: answered %s (fail got %v), want %s", tc.body, got, failed, tc.answer)
			}
		case http.StatusTeapot:
			if failed == nil || failed.Error() != tc.answer {
				t.Errorf("%s: fail got %v, want %s", tc.body, failed, tc.answer)
			}
		default:
			if failed != nil {
				t.Errorf("%s: fn ran on a bad body (fail got %v)", tc.body, failed)
			}
		}
	}
}
