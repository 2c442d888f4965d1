package meta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{`Get "http://127.0.0.1:9/v21.0/me?fields=id&access_token=IGQVJSECRET123": dial tcp 127.0.0.1:9: connect: connection refused`,
			`Get "http://127.0.0.1:9/v21.0/me?fields=id&access_token=[redacted]": dial tcp 127.0.0.1:9: connect: connection refused`},
		{"https://graph.facebook.com/v25.0/oauth/access_token?client_id=1&client_secret=s3cr3t&code=AQD123&redirect_uri=http%3A%2F%2Flocalhost",
			"https://graph.facebook.com/v25.0/oauth/access_token?client_id=1&client_secret=[redacted]&code=[redacted]&redirect_uri=http%3A%2F%2Flocalhost"},
		{"/x?fb_exchange_token=EAAB&appsecret_proof=abc&input_token=t&code_verifier=v",
			"/x?fb_exchange_token=[redacted]&appsecret_proof=[redacted]&input_token=[redacted]&code_verifier=[redacted]"},
		{"ACCESS_TOKEN=abc", "ACCESS_TOKEN=[redacted]"},
		{"redirect=https%3A%2F%2Fx%2Fcb%3Fcode%3Dsecretcode%26state%3Ds", "redirect=https%3A%2F%2Fx%2Fcb%3Fcode%3D[redacted]"},
		{`{"access_token":"IGAA1","user_id":"5"}`, `{"access_token":"[redacted]","user_id":"5"}`},
		{"Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "Authorization: Bearer [redacted]"},
		{"Authorization: OAuth abcdefghijklmnopqrstuvwxyz", "Authorization: OAuth [redacted]"},
		{"Invalid OAuth access token - Cannot parse access token", "Invalid OAuth access token - Cannot parse access token"},
		{"https://graph.instagram.com/v25.0/IGAAabcdefghijklmnopqrstu/media", "https://graph.instagram.com/v25.0/[redacted]/media"},
		{"token EAAGm0PX4ZCpsBAKZCZA0 here", "token [redacted] here"},
		{"debug_token?access_token=123456%7Cabcdefabcdefabcdef01", "debug_token?access_token=[redacted]"},
		{"app token 123456|abcdefabcdefabcdef01 leaked", "app token [redacted] leaked"},
		{"https://user:pass@host/x", "https://[redacted]@host/x"},
		{"error_code=100&state=xyz&fields=id", "error_code=100&state=xyz&fields=id"},
		{"container 17889455560051444 ok", "container 17889455560051444 ok"},
	}
	for _, tc := range cases {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeURLError(t *testing.T) {
	sc := scrubber(nil).with("weirdTOKENshape")
	in := &url.Error{Op: "Get", URL: "http://h/me?access_token=weirdTOKENshape&x=1", Err: fmt.Errorf("boom weirdTOKENshape: %w", context.DeadlineExceeded)}
	out := sc.sanitize(in)
	ue, ok := out.(*url.Error)
	if !ok || strings.Contains(ue.URL, "weird") || strings.Contains(out.Error(), "weird") {
		t.Fatalf("sanitized = %#v (%v)", out, out)
	}
	if !errors.Is(out, context.DeadlineExceeded) {
		t.Error("sanitize lost context.DeadlineExceeded")
	}
	if !ue.Timeout() {
		t.Error("sanitize lost Timeout()")
	}
}

// planted secrets: deliberately not shaped like Meta tokens, so only the
// known-value scrubbing can catch them.
const (
	pToken    = "plantedTOKENq7Wm2"
	pSecret   = "plantedSECRETz9"
	pCode     = "plantedCODEx4"
	pVerifier = "plantedVERIFIERk1"
	pShort    = "plantedSHORTv8"
	pInput    = "plantedINPUTn3"
)

func secretsOf() []string {
	s := []string{pToken, pSecret, pCode, pVerifier, pShort, pInput, appSecretProof(pToken, pSecret)}
	var out []string
	for _, v := range s {
		out = append(out, v, url.QueryEscape(v))
	}
	return out
}

// errorTexts collects every string a caller could get out of err.
func errorTexts(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e.Error(), fmt.Sprintf("%v|%+v|%#v|%s|%q", e, e, e, e, e))
		var me *Error
		if errors.As(e, &me) {
			out = append(out, me.UserMessage(), me.Message, me.UserMsg, me.UserTitle)
		}
		var ue *url.Error
		if errors.As(e, &ue) {
			out = append(out, ue.URL)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

// echoAll answers with an error whose every text field repeats the whole
// request: URL, headers and body — a worst-case server.
func echoAll(status int) func(http.ResponseWriter, *http.Request, recorded) {
	return func(w http.ResponseWriter, r *http.Request, rec recorded) {
		if strings.HasPrefix(r.URL.Path, "/ig-api-upload/") {
			io.Copy(io.Discard, r.Body)
		}
		echo := fmt.Sprintf("url=%s auth=%s body=%s", r.URL.String(), r.Header.Get("Authorization"), rec.Body)
		reply(w, status, fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":190,"error_user_title":%q,"error_user_msg":%q,"fbtrace_id":"x"}}`, echo, echo, echo))
	}
}

func TestNoSecretInErrors(t *testing.T) {
	behaviours := []struct {
		name string
		h    func(http.ResponseWriter, *http.Request, recorded) // nil: dial refused
		hc   *http.Client
	}{
		{"dial refused", nil, nil},
		{"timeout", nil, &http.Client{Timeout: 50 * time.Millisecond}}, // handler set below
		{"500 echoing the request", echoAll(500), nil},
		{"190 echoing the request", echoAll(400), nil},
		{"html 502 echoing", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			w.WriteHeader(502)
			fmt.Fprintf(w, "<html>%s %s</html>", r.URL, r.Header.Get("Authorization"))
		}, nil},
		{"malformed json echoing", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 200, `{"id": `+r.URL.Query().Get("access_token")+r.URL.Query().Get("code"))
		}, nil},
		{"connection cut", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, nil},
		{"redirect carrying the url", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			http.Redirect(w, r, "http://127.0.0.1:1/steal?"+r.URL.RawQuery, http.StatusFound)
		}, nil},
	}
	calls := []struct {
		name string
		cfg  Config
		call func(ctx context.Context, c *Client) error
	}{
		{"me bearer", Config{Flavour: FlavourFacebook}, func(ctx context.Context, c *Client) error { return testkit.ErrOf(c.Me(ctx)) }},
		{"me query", Config{Flavour: FlavourInstagram, TokenInQuery: true}, func(ctx context.Context, c *Client) error { return testkit.ErrOf(c.Me(ctx)) }},
		{"ig code exchange", Config{Flavour: FlavourInstagram, PKCE: PKCEAlways}, func(ctx context.Context, c *Client) error {
			return testkit.ErrOf(c.ExchangeCodeShortLived(ctx, pCode, pVerifier))
		}},
		{"fb code exchange", Config{Flavour: FlavourFacebook}, func(ctx context.Context, c *Client) error {
			return testkit.ErrOf(c.ExchangeCodeShortLived(ctx, pCode, pVerifier))
		}},
		{"fb long-lived", Config{Flavour: FlavourFacebook}, func(ctx context.Context, c *Client) error {
			return testkit.ErrOf(c.ExchangeLongLived(ctx, &Token{AccessToken: pShort}))
		}},
		{"ig long-lived", Config{Flavour: FlavourInstagram}, func(ctx context.Context, c *Client) error {
			return testkit.ErrOf(c.ExchangeLongLived(ctx, &Token{AccessToken: pShort}))
		}},
		{"ig refresh", Config{Flavour: FlavourInstagram}, func(ctx context.Context, c *Client) error { return testkit.ErrOf(c.RefreshToken(ctx, pToken)) }},
		{"debug token", Config{Flavour: FlavourFacebook}, func(ctx context.Context, c *Client) error { return testkit.ErrOf(c.DebugToken(ctx, pInput)) }},
		{"publish", Config{Flavour: FlavourFacebook}, func(ctx context.Context, c *Client) error { return testkit.ErrOf(c.Publish(ctx, "1784", "c1")) }},
		{"upload", Config{Flavour: FlavourFacebook}, func(ctx context.Context, c *Client) error {
			return c.Upload(ctx, "CID", bytes.NewReader(make([]byte, 4096)), 4096, UploadOptions{MaxAttempts: 2})
		}},
		{"send message", Config{Flavour: FlavourInstagram}, func(ctx context.Context, c *Client) error { return testkit.ErrOf(c.SendMessage(ctx, "me", "u", "hi")) }},
	}
	secrets := secretsOf()
	for _, b := range behaviours {
		for _, cl := range calls {
			t.Run(b.name+"/"+cl.name, func(t *testing.T) {
				cfg := cl.cfg
				cfg.AppID, cfg.AppSecret, cfg.RedirectURL = testAppID, pSecret, "http://localhost:8788/callback"
				cfg.TokenSource = StaticToken(pToken)
				cfg.HTTPClient = b.hc
				cfg.Retry = RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
				h := b.h
				if b.hc != nil {
					// Stall until the client gave up. Go only notices a
					// client hang-up after the body was read, and the
					// release channel frees the handler at test end.
					release := make(chan struct{})
					h = func(w http.ResponseWriter, r *http.Request, _ recorded) {
						io.Copy(io.Discard, r.Body)
						select {
						case <-r.Context().Done():
						case <-release:
						}
					}
					defer close(release)
				}
				var f *fake
				if h != nil {
					f = newFake(t, h)
				} else {
					cfg.Endpoint = closedURL(t)
				}
				c, _ := testClient(t, f, cfg)
				err := cl.call(t.Context(), c)
				if err == nil {
					t.Fatal("want an error")
				}
				for _, text := range errorTexts(err) {
					for _, s := range secrets {
						if strings.Contains(text, s) {
							t.Fatalf("secret %q leaked in %q", s, text)
						}
					}
				}
			})
		}
	}
}
