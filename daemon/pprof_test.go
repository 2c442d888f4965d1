package daemon

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
)

// The profiler is off unless asked for, and when on it sits behind the
// local API's hardening like every other route.
func TestPprofOnlyWhenAsked(t *testing.T) {
	t.Setenv(pprofEnv, "")
	c, _, _ := startDaemon(t, testPaths(t))
	if err := c.Do(t.Context(), "GET", "/debug/pprof/goroutine", nil, nil); !api.IsNotFound(err) {
		t.Fatalf("GET /debug/pprof/goroutine without %s = %v, want not_found", pprofEnv, err)
	}

	p := testPaths(t)
	startDaemonWith(t, Config{Paths: p, Load: loader(p), Version: "test-1", Stderr: &bytes.Buffer{}, Pprof: true})
	get := func(path string, hdr map[string]string) (int, string) {
		t.Helper()
		hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", p.Socket)
		}}}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+api.Host+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := get("/debug/pprof/goroutine?debug=1", nil); code != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("goroutine profile: %d %.200q", code, body)
	}
	if code, body := get("/debug/pprof/profile?seconds=1", nil); code != 200 || len(body) == 0 {
		t.Errorf("cpu profile: %d, %d bytes", code, len(body))
	}
	if code, _ := get("/debug/pprof/nosuch", nil); code != 404 {
		t.Errorf("unknown profile: %d, want 404", code)
	}
	if code, _ := get("/debug/pprof/goroutine", map[string]string{"Origin": "http://evil.example"}); code != 403 {
		t.Errorf("profile with an Origin: %d, want 403", code)
	}
}
