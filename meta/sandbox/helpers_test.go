package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
)

type env struct {
	t     *testing.T
	s     *Server
	srv   *httptest.Server
	clock *testkit.Clock
	base  string
}

// newEnv starts a sandbox on a loopback httptest server with a fake clock.
// ProcessingTime defaults to one minute so the IN_PROGRESS state is
// observable; tests move the clock.
func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	if opts.ProcessingTime == 0 {
		opts.ProcessingTime = time.Minute
	}
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return &env{t: t, s: s, srv: srv, clock: clock, base: srv.URL}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// gerr decodes a Graph error envelope, failing if the body is not one.
func (r *resp) gerr(t *testing.T) GraphError {
	t.Helper()
	var env struct {
		Error *GraphError `json:"error"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Error == nil {
		t.Fatalf("not a Graph error envelope (status %d): %s", r.status, r.body)
	}
	return *env.Error
}

// do sends a request. GET/DELETE params go in the query, POST params in a
// form body; the token (if any) as access_token.
func (e *env) do(method, path string, params url.Values, token string) *resp {
	e.t.Helper()
	if params == nil {
		params = url.Values{}
	}
	if token != "" {
		params.Set("access_token", token)
	}
	var body io.Reader
	target := e.base + path
	if method == http.MethodPost {
		body = strings.NewReader(params.Encode())
	} else if len(params) > 0 {
		target += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, target, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *resp {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) get(path, token string, kv ...string) *resp {
	e.t.Helper()
	return e.do(http.MethodGet, path, vals(kv...), token)
}

func (e *env) post(path, token string, kv ...string) *resp {
	e.t.Helper()
	return e.do(http.MethodPost, path, vals(kv...), token)
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// igToken mints a long-lived Instagram-Login token for sandbox_creator.
func (e *env) igToken() string {
	e.t.Helper()
	tok, err := e.s.IssueToken(TokenRequest{})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) fbToken() string {
	e.t.Helper()
	tok, err := e.s.IssueToken(TokenRequest{Flavour: "facebook"})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// admin calls the admin API with a JSON body.
func (e *env) admin(method, path string, body any) *resp {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.base+"/_sandbox"+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return e.send(req)
}

func wantStatus(t *testing.T, r *resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
}

func wantErr(t *testing.T, r *resp, status, code, sub int) GraphError {
	t.Helper()
	g := r.gerr(t)
	if r.status != status || g.Code != code || g.Subcode != sub {
		t.Fatalf("error = status %d code %d/%d, want %d code %d/%d: %s", r.status, g.Code, g.Subcode, status, code, sub, r.body)
	}
	if g.FBTraceID == "" || g.Type == "" || g.Message == "" {
		t.Fatalf("envelope misses message/type/fbtrace_id: %s", r.body)
	}
	return g
}

func str(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

func list(m map[string]any, key string) []map[string]any {
	raw, _ := m[key].([]any)
	var out []map[string]any
	for _, x := range raw {
		if mm, ok := x.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
