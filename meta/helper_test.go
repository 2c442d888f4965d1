package meta

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorded is what a fake Meta server saw of one request.
type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Form   url.Values // parsed form body
	Body   []byte
}

// fake is a loopback Meta stand-in whose handler each test supplies.
type fake struct {
	srv *httptest.Server
	mu  sync.Mutex
	rec []recorded
}

func newFake(t *testing.T, h func(w http.ResponseWriter, r *http.Request, rec recorded)) *fake {
	t.Helper()
	f := &fake{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
		if !strings.HasPrefix(r.URL.Path, "/ig-api-upload/") {
			rec.Body, _ = io.ReadAll(r.Body)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				rec.Form, _ = url.ParseQuery(string(rec.Body))
			}
		}
		f.mu.Lock()
		f.rec = append(f.rec, rec)
		f.mu.Unlock()
		h(w, r, rec)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.rec...)
}

func (f *fake) last(t *testing.T) recorded {
	t.Helper()
	r := f.requests()
	if len(r) == 0 {
		t.Fatal("no request reached the fake server")
	}
	return r[len(r)-1]
}

// testClient builds a client aimed at f with instant, recorded backoff.
func testClient(t *testing.T, f *fake, cfg Config) (*Client, *[]time.Duration) {
	t.Helper()
	if cfg.Flavour == "" {
		cfg.Flavour = FlavourInstagram
	}
	if f != nil {
		cfg.Endpoint = f.srv.URL
	}
	if cfg.TokenSource == nil {
		cfg.TokenSource = StaticToken(testToken)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var mu sync.Mutex
	slept := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*slept = append(*slept, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, slept
}

const (
	testToken     = "IGAAtestTOKEN0123456789abcdef"
	testAppID     = "1234567890"
	testAppSecret = "appSECRET0123456789"
)

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func replyOK(body string) func(http.ResponseWriter, *http.Request, recorded) {
	return func(w http.ResponseWriter, _ *http.Request, _ recorded) { reply(w, 200, body) }
}

func graphErr(code, subcode int, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": "OAuthException", "code": code, "error_subcode": subcode, "fbtrace_id": "AbCdEf123"}})
	return string(b)
}

// wantValues checks that every key in want has that value in got.
func wantValues(t *testing.T, what string, got url.Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := got.Get(k); g != v {
			t.Errorf("%s %q = %q, want %q", what, k, g, v)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// newFakeB starts a plain loopback server for benchmarks and returns its URL.
func newFakeB(b *testing.B, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}
