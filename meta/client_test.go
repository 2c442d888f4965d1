package meta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestRetryIdempotentOnly(t *testing.T) {
	cases := []struct {
		name      string
		replies   []string // status:body per attempt
		call      func(ctx context.Context, c *Client) error
		wantCalls int
		wantErr   bool
	}{
		{"GET retried after 500", []string{"500", "200"},
			func(ctx context.Context, c *Client) error { _, err := c.Me(ctx); return err }, 2, false},
		{"GET retried after rate limit", []string{"400:" + graphErr(4, 0, "limit"), "200"},
			func(ctx context.Context, c *Client) error { _, err := c.Me(ctx); return err }, 2, false},
		{"GET gives up after MaxAttempts", []string{"500", "500", "500", "500"},
			func(ctx context.Context, c *Client) error { _, err := c.Me(ctx); return err }, 3, true},
		{"GET not retried on 190", []string{"400:" + graphErr(190, 463, "expired"), "200"},
			func(ctx context.Context, c *Client) error { _, err := c.Me(ctx); return err }, 1, true},
		{"GET not retried on permanent", []string{"400:" + graphErr(100, 0, "bad"), "200"},
			func(ctx context.Context, c *Client) error { _, err := c.Me(ctx); return err }, 1, true},
		{"DELETE retried", []string{"503", "200"},
			func(ctx context.Context, c *Client) error { return c.DeleteComment(ctx, "c1") }, 2, false},
		{"hide retried", []string{"500", "200"},
			func(ctx context.Context, c *Client) error { return c.HideComment(ctx, "c1", true) }, 2, false},
		{"publish never retried", []string{"500", "200"},
			func(ctx context.Context, c *Client) error { _, err := c.Publish(ctx, "1", "2"); return err }, 1, true},
		{"publish not retried on rate limit", []string{"400:" + graphErr(4, 0, "limit"), "200"},
			func(ctx context.Context, c *Client) error { _, err := c.Publish(ctx, "1", "2"); return err }, 1, true},
		{"container creation never retried", []string{"500", "200"},
			func(ctx context.Context, c *Client) error {
				_, err := c.CreateContainer(ctx, "1", ContainerRequest{MediaType: MediaReels, VideoURL: "https://x"})
				return err
			}, 1, true},
		{"comment never retried", []string{"500", "200"},
			func(ctx context.Context, c *Client) error { _, err := c.PostComment(ctx, "m", "hi"); return err }, 1, true},
		{"message never retried", []string{"500", "200"},
			func(ctx context.Context, c *Client) error { _, err := c.SendMessage(ctx, "me", "u", "hi"); return err }, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
				i := int(n.Add(1)) - 1
				spec := tc.replies[min(i, len(tc.replies)-1)]
				status, body := spec, `{"id":"1","success":true,"recipient_id":"u","message_id":"m"}`
				if len(spec) > 3 {
					status, body = spec[:3], spec[4:]
				}
				var code int
				fmt.Sscan(status, &code)
				if code >= 500 {
					body = `{"error":{"message":"Service unavailable","code":2}}`
				}
				reply(w, code, body)
			})
			c, slept := testClient(t, f, Config{Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 4 * time.Second}})
			err := tc.call(t.Context(), c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got := int(n.Load()); got != tc.wantCalls {
				t.Errorf("%d calls, want %d", got, tc.wantCalls)
			}
			if len(*slept) != tc.wantCalls-1 {
				t.Errorf("slept %v, want %d backoffs", *slept, tc.wantCalls-1)
			}
			for i, d := range *slept {
				hi := min(time.Second<<i, 4*time.Second)
				if d < hi/2 || d > hi {
					t.Errorf("backoff %d = %v, want in [%v, %v]", i, d, hi/2, hi)
				}
			}
		})
	}
}

func TestRateLimitRegainEstimate(t *testing.T) {
	buc := func(minutes int) string {
		return fmt.Sprintf(`{"17841400000000000":[{"type":"instagram","call_count":100,"total_cputime":10,"total_time":12,"estimated_time_to_regain_access":%d}]}`, minutes)
	}
	for _, tc := range []struct {
		minutes   int
		wantCalls int
	}{{0, 2}, {10, 1}} {
		var n atomic.Int32
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
			if n.Add(1) == 1 {
				w.Header().Set("X-Business-Use-Case-Usage", buc(tc.minutes))
				reply(w, 400, graphErr(80002, 0, "There have been too many calls to this Instagram account"))
				return
			}
			reply(w, 200, `{"id":"1"}`)
		})
		c, _ := testClient(t, f, Config{Retry: RetryPolicy{MaxDelay: time.Minute}})
		_, err := c.Me(t.Context())
		if got := int(n.Load()); got != tc.wantCalls {
			t.Errorf("regain %d min: %d calls, want %d (err %v)", tc.minutes, got, tc.wantCalls, err)
		}
		if tc.wantCalls == 1 {
			var e *Error
			if !errors.As(err, &e) || e.RetryAfter != 10*time.Minute || !IsRateLimited(err) {
				t.Errorf("err = %#v, want rate-limited with RetryAfter 10m", err)
			}
		}
	}
}

func TestUsageHeaders(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		w.Header().Set("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":25}`)
		w.Header().Set("X-Business-Use-Case-Usage", `{"17841400000000000":[{"type":"instagram","call_count":3,"total_cputime":1,"total_time":85,"estimated_time_to_regain_access":2}]}`)
		w.Header().Set("X-Ad-Account-Usage", `{"acc_id_util_pct":9.67,"reset_time_duration":0,"ads_api_access_tier":"standard_access"}`)
		w.Header().Set("x-fb-ads-insights-throttle", `{"app_id_util_pct":12,"acc_id_util_pct":3}`)
		reply(w, 200, `{"id":"1"}`)
	})
	var seen []Usage
	c, _ := testClient(t, f, Config{OnUsage: func(u Usage) { seen = append(seen, u) }})
	if !c.LastUsage().IsZero() {
		t.Fatal("usage before any call")
	}
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
	u := c.LastUsage()
	if u.App == nil || u.App.CallCount != 28 || len(u.BusinessUseCase) != 1 || u.BusinessUseCase[0].ID != "17841400000000000" ||
		u.AdAccount == nil || u.AdAccount.AccIDUtilPct != 9.67 || u.AdsInsights == nil || u.AdsInsights.AppIDUtilPct != 12 {
		t.Errorf("usage = %+v", u)
	}
	if u.Max() != 85 || !u.High() || u.RegainAccess() != 2*time.Minute {
		t.Errorf("Max %v High %v Regain %v, want 85 true 2m", u.Max(), u.High(), u.RegainAccess())
	}
	if len(seen) != 1 || seen[0].Max() != 85 {
		t.Errorf("OnUsage calls = %v", seen)
	}
	low := parseUsage(http.Header{"X-App-Usage": {`{"call_count":79}`}, "X-Business-Use-Case-Usage": {`not json`}}, time.Now())
	if low.High() || low.Max() != 79 || len(low.BusinessUseCase) != 0 {
		t.Errorf("low = %+v", low)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	other := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) { hits.Add(1); reply(w, 200, `{}`) })
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		http.Redirect(w, r, other.srv.URL+"/steal", http.StatusFound)
	})
	c, _ := testClient(t, f, Config{})
	if _, err := c.Me(t.Context()); err == nil {
		t.Error("a redirect must fail the call")
	}
	if hits.Load() != 0 {
		t.Error("the redirect was followed: the token went to another host")
	}
}

type errSource struct{ err error }

func (s errSource) Token() (*oauth2.Token, error) { return nil, s.err }

func TestTokenSourceErrors(t *testing.T) {
	f := newFake(t, replyOK(`{}`))
	cases := []struct {
		ts   oauth2.TokenSource
		want Class
	}{
		{errSource{fmt.Errorf("store: %w", ErrNoToken)}, ClassLoginNeeded},
		{errSource{&Error{class: ClassLoginNeeded}}, ClassLoginNeeded},
		{errSource{errors.New("keyring locked: IGAAsecretsecretsecretsecret")}, ClassOther},
		{oauth2.StaticTokenSource(&oauth2.Token{}), ClassLoginNeeded},
	}
	for _, tc := range cases {
		c, _ := testClient(t, f, Config{TokenSource: tc.ts})
		_, err := c.Me(t.Context())
		if ClassOf(err) != tc.want {
			t.Errorf("%v: class %v, want %v", err, ClassOf(err), tc.want)
		}
		if contains(fmt.Sprint(err), "IGAAsecret") {
			t.Errorf("token source error leaks: %v", err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
	noTS, _ := New(Config{Flavour: FlavourInstagram, Endpoint: f.srv.URL})
	if _, err := noTS.Me(t.Context()); !IsLoginNeeded(err) {
		t.Errorf("no token source: %v, want login needed", err)
	}
}

func TestAuthCodeURL(t *testing.T) {
	v := oauth2.GenerateVerifier()
	cases := []struct {
		name     string
		cfg      Config
		opts     AuthURLOptions
		wantHost string
		wantPath string
		want     map[string]string
		absent   []string
	}{
		{"instagram", Config{Flavour: FlavourInstagram}, AuthURLOptions{State: "st1", Verifier: v, ForceAuthentication: true},
			"www.instagram.com", "/oauth/authorize",
			map[string]string{"client_id": testAppID, "redirect_uri": "http://localhost:8788/callback", "response_type": "code",
				"state": "st1", "force_authentication": "1",
				"scope": "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_comments,instagram_business_manage_messages"},
			[]string{"code_challenge", "code_challenge_method"}},
		{"facebook with PKCE", Config{Flavour: FlavourFacebook}, AuthURLOptions{State: "st2", Verifier: v},
			"www.facebook.com", "/v25.0/dialog/oauth",
			map[string]string{"client_id": testAppID, "response_type": "code", "state": "st2",
				"code_challenge": oauth2.S256ChallengeFromVerifier(v), "code_challenge_method": "S256",
				"scope": "instagram_basic,instagram_content_publish,instagram_manage_comments,instagram_manage_messages,pages_show_list,pages_read_engagement,pages_manage_metadata"},
			nil},
		{"facebook config_id, PKCE off", Config{Flavour: FlavourFacebook, PKCE: PKCENever}, AuthURLOptions{State: "s", ConfigID: "cfg9"},
			"www.facebook.com", "/v25.0/dialog/oauth", map[string]string{"config_id": "cfg9"},
			[]string{"scope", "code_challenge"}},
		{"instagram PKCE forced", Config{Flavour: FlavourInstagram, PKCE: PKCEAlways}, AuthURLOptions{State: "s", Verifier: v, Scopes: []string{"a", "b"}},
			"www.instagram.com", "/oauth/authorize", map[string]string{"scope": "a,b", "code_challenge_method": "S256"}, nil},
	}
	for _, tc := range cases {
		tc.cfg.AppID, tc.cfg.RedirectURL = testAppID, "http://localhost:8788/callback"
		c, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.AuthCodeURL(tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		u, _ := url.Parse(s)
		if u.Scheme != "https" || u.Host != tc.wantHost || u.Path != tc.wantPath {
			t.Errorf("%s: url %s, want https://%s%s", tc.name, s, tc.wantHost, tc.wantPath)
		}
		wantValues(t, tc.name, u.Query(), tc.want)
		for _, k := range tc.absent {
			if u.Query().Has(k) {
				t.Errorf("%s: %s must not be sent", tc.name, k)
			}
		}
	}
	c, _ := New(Config{Flavour: FlavourFacebook, AppID: "1", RedirectURL: "http://localhost/cb"})
	for _, o := range []AuthURLOptions{{}, {State: "s"}} { // no state; FB without verifier
		if _, err := c.AuthCodeURL(o); !errors.Is(err, ErrInvalid) {
			t.Errorf("AuthCodeURL(%+v) = %v, want invalid", o, err)
		}
	}
	e, _ := New(Config{Flavour: FlavourInstagram, AppID: "1", RedirectURL: "http://localhost/cb", Endpoint: "http://127.0.0.1:5/sb"})
	if s, _ := e.AuthCodeURL(AuthURLOptions{State: "s"}); !contains(s, "http://127.0.0.1:5/sb/oauth/authorize?") {
		t.Errorf("endpoint authorize url = %s", s)
	}
}

func TestExchangeCodeChains(t *testing.T) {
	for _, fl := range []Flavour{FlavourInstagram, FlavourFacebook} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, rec recorded) {
			switch {
			case r.URL.Path == "/oauth/access_token":
				reply(w, 200, `{"data":[{"access_token":"IGAAshortshortshortshort","user_id":"10200","permissions":"instagram_business_basic"}]}`)
			case r.URL.Path == "/access_token":
				reply(w, 200, `{"access_token":"IGAAlonglonglonglonglong","token_type":"bearer","expires_in":5183944}`)
			case rec.Query.Get("grant_type") == "fb_exchange_token":
				reply(w, 200, `{"access_token":"EAAlonglonglonglonglong","token_type":"bearer","expires_in":5183944}`)
			default:
				reply(w, 200, `{"access_token":"EAAshortshortshortshort","token_type":"bearer","expires_in":7200}`)
			}
		})
		c, _ := testClient(t, f, Config{Flavour: fl, AppID: testAppID, AppSecret: testAppSecret, RedirectURL: "http://localhost/cb"})
		tok, err := c.ExchangeCode(t.Context(), "code-abc#_", "verif")
		if err != nil {
			t.Fatalf("%s: %v", fl, err)
		}
		if len(f.requests()) != 2 || !contains(tok.AccessToken, "long") {
			t.Errorf("%s: %d requests, token %v", fl, len(f.requests()), tok)
		}
		if fl == FlavourInstagram && (tok.UserID != "10200" || len(tok.Permissions) != 1) {
			t.Errorf("long-lived token lost user id / permissions: %v", tok)
		}
		if s := fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok); contains(s, "long") {
			t.Errorf("Token formatting leaks the token: %s", s)
		}
	}
	c, _ := New(Config{Flavour: FlavourInstagram})
	if _, err := c.ExchangeCode(t.Context(), "x", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("exchange without app credentials: %v, want invalid", err)
	}
	fb, _ := New(Config{Flavour: FlavourFacebook})
	if _, err := fb.RefreshToken(t.Context(), "x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("facebook refresh: %v, want ErrUnsupported", err)
	}
	if err := c.Revoke(t.Context()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("instagram revoke: %v, want ErrUnsupported", err)
	}
}

func TestPagesFollowsCursors(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, rec recorded) {
		if rec.Query.Get("after") == "" {
			reply(w, 200, `{"data":[{"id":"P1"}],"paging":{"cursors":{"after":"CUR"},"next":"https://graph.facebook.com/v25.0/me/accounts?after=CUR"}}`)
			return
		}
		reply(w, 200, `{"data":[{"id":"P2","instagram_business_account":{"id":"1784","username":"b"}}],"paging":{"cursors":{"after":"END"}}}`)
	})
	c, _ := testClient(t, f, Config{Flavour: FlavourFacebook})
	pages, err := c.Pages(t.Context())
	if err != nil || len(pages) != 2 || pages[1].IGAccount.ID != "1784" {
		t.Fatalf("Pages = %v, %v", pages, err)
	}
	if got := f.requests()[1].Query.Get("after"); got != "CUR" {
		t.Errorf("second page after = %q", got)
	}
	if s := fmt.Sprintf("%v %#v", pages[0], pages[0]); contains(s, "EAA") {
		t.Errorf("Page formatting: %s", s)
	}
}
