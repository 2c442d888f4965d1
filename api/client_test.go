package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// roundTripFunc lets a test answer requests without a socket.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func answer(status int, ctype, body string) roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Status: http.StatusText(status),
			Header: http.Header{"Content-Type": {ctype}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
}

func TestDoDecodesTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		code     Code
		contains string
	}{
		{"not found", 404, `{"error":{"code":"not_found","message":"project \"x\" not found"}}`, CodeNotFound, `project "x" not found`},
		{"login", 401, `{"error":{"code":"login_needed","message":"token expired","hint":"run impress auth login"}}`, CodeLoginNeeded, "run impress auth login"},
		{"rejected", 422, `{"error":{"code":"rejected","message":"too long"}}`, CodeRejected, "too long"},
		{"transient", 503, `{"error":{"code":"transient","message":"rate limited"}}`, CodeTransient, "rate limited"},
		{"unconfirmed", 500, `{"error":{"code":"unconfirmed","message":"maybe live"}}`, CodeUnconfirmed, "maybe live"},
		{"html page", 502, `<html>bad gateway</html>`, CodeInternal, "bad gateway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{Transport: answer(tc.status, "application/json", tc.body)}
			err := c.Do(t.Context(), "GET", "/v1/x", nil, nil)
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("Do error = %v, want *Error", err)
			}
			if e.Code != tc.code || e.Status != tc.status || !strings.Contains(e.Error(), tc.contains) {
				t.Errorf("got %+v (%q)", e, e.Error())
			}
		})
	}
}

func TestRequestsCarryTheDaemonHost(t *testing.T) {
	var host string
	c := &Client{Transport: func() roundTripFunc {
		return func(r *http.Request) (*http.Response, error) {
			host = r.Host
			return answer(200, "application/json", `{"version":"v"}`)(r)
		}
	}()}
	if _, err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if host != Host {
		t.Errorf("Host = %q, want %q (the daemon refuses any other)", host, Host)
	}
}

func TestStream(t *testing.T) {
	type ev struct {
		Stage string `json:"stage"`
	}
	for _, tc := range []struct {
		name    string
		body    string
		stages  string
		errCode Code
	}{
		{"events then end", "{\"stage\":\"a\"}\n\n{\"stage\":\"b\"}\n", "a,b", ""},
		{"error after events", "{\"stage\":\"a\"}\n{\"error\":{\"code\":\"rejected\",\"message\":\"no\"}}\n{\"stage\":\"never\"}\n", "a", CodeRejected},
		{"error first", "{\"error\":{\"code\":\"cancelled\",\"message\":\"stopped\"}}\n", "", CodeCancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Client{Transport: answer(200, "application/x-ndjson", tc.body)}
			var got []string
			err := StreamEvents(t.Context(), c, "GET", "/v1/s", nil, func(e ev) error {
				got = append(got, e.Stage)
				return nil
			})
			if strings.Join(got, ",") != tc.stages {
				t.Errorf("stages = %v, want %s", got, tc.stages)
			}
			if tc.errCode == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if tc.errCode != "" && !HasCode(err, tc.errCode) {
				t.Errorf("err = %v, want code %s", err, tc.errCode)
			}
		})
	}
	// A callback error stops the stream and is returned as is.
	stop := errors.New("enough")
	c := &Client{Transport: answer(200, "application/x-ndjson", "{\"stage\":\"a\"}\n{\"stage\":\"b\"}\n")}
	n := 0
	err := c.Stream(t.Context(), "GET", "/v1/s", nil, func(json.RawMessage) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: err=%v after %d events", err, n)
	}
}

func TestDaemonNotRunning(t *testing.T) {
	c := NewClient("/nonexistent/impress-test.sock")
	_, err := c.Ping(context.Background())
	if !errors.Is(err, ErrDaemonNotRunning) {
		t.Errorf("Ping on a missing socket = %v, want ErrDaemonNotRunning", err)
	}
}

// TestClientNeverFollowsRedirects: a redirect from the daemon is an error,
// and the place it points to is never asked. On b62770a the client
// followed the redirect (with a Referer) that `project show .` got.
func TestClientNeverFollowsRedirects(t *testing.T) {
	followed := 0
	c := &Client{Socket: "/nowhere", Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path != "/v1/projects/." {
			followed++
			return answer(200, "application/json", `{}`)(r)
		}
		return &http.Response{StatusCode: 301, Status: "Moved Permanently",
			Header: http.Header{"Location": {"/v1/projects/"}}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})}
	_, err := c.Project(context.Background(), ".")
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("Project(.) = %v, want an error about the redirect", err)
	}
	if followed != 0 {
		t.Errorf("the client followed the redirect %d time(s)", followed)
	}
}
