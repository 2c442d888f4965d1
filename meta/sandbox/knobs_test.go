package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUsageHeaders(t *testing.T) {
	e := newEnv(t, Options{AppCallLimit: 10, BUCCallLimit: 20})
	tok := e.igToken()
	var r *resp
	for i := 0; i < 4; i++ {
		r = e.get("/v25.0/me", tok, "fields", "username")
	}
	var app map[string]int
	if err := json.Unmarshal([]byte(r.header.Get("X-App-Usage")), &app); err != nil {
		t.Fatalf("X-App-Usage %q: %v", r.header.Get("X-App-Usage"), err)
	}
	if app["call_count"] != 40 || app["total_time"] != 20 || app["total_cputime"] != 20 {
		t.Errorf("X-App-Usage %v", app)
	}
	var buc map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.header.Get("X-Business-Use-Case-Usage")), &buc); err != nil {
		t.Fatalf("BUC %q: %v", r.header.Get("X-Business-Use-Case-Usage"), err)
	}
	row := buc[IGCreatorID]
	if len(row) != 1 || row[0]["type"] != "instagram" || row[0]["call_count"] != float64(20) || row[0]["estimated_time_to_regain_access"] != float64(0) {
		t.Errorf("BUC %v", buc)
	}
	if r.header.Get("X-FB-Trace-ID") == "" || r.header.Get("Facebook-API-Version") != "v25.0" {
		t.Errorf("headers %v", r.header)
	}
	// The hour window rolls.
	e.clock.Advance(61 * time.Minute)
	r = e.get("/v25.0/me", tok)
	_ = json.Unmarshal([]byte(r.header.Get("X-App-Usage")), &app)
	if app["call_count"] != 10 {
		t.Errorf("after an hour: %v", app)
	}
	e.s.SetUsage(85)
	r = e.get("/v25.0/me", tok)
	if !strings.Contains(r.header.Get("X-App-Usage"), `"call_count":85`) || !strings.Contains(r.header.Get("X-Business-Use-Case-Usage"), `"call_count":85`) {
		t.Errorf("forced usage: %v", r.header)
	}
}

func TestRateLimitKnob(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	for _, code := range []int{4, 17, 32, 613} {
		if err := e.s.RateLimitNext(2, code, 100, 7); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			r := e.get("/v25.0/me", tok)
			g := wantErr(t, r, 400, code, 0)
			if !g.IsTransient || !strings.HasPrefix(g.Message, "(#") {
				t.Errorf("code %d: %+v", code, g)
			}
			if !strings.Contains(r.header.Get("X-App-Usage"), `"call_count":100`) ||
				!strings.Contains(r.header.Get("X-Business-Use-Case-Usage"), `"estimated_time_to_regain_access":7`) {
				t.Errorf("code %d headers %v", code, r.header)
			}
		}
		wantStatus(t, e.get("/v25.0/me", tok), 200)
	}
	if err := e.s.RateLimitNext(1, 99, 100, 0); !errors.Is(err, ErrBadKnob) {
		t.Errorf("bad code accepted: %v", err)
	}
}

func TestFailRateDeterministic(t *testing.T) {
	outcomes := func(seed int64) string {
		e := newEnv(t, Options{FailRate: 0.5, Seed: seed})
		tok := e.igToken()
		var b strings.Builder
		for i := 0; i < 40; i++ {
			r := e.get("/v25.0/me", tok)
			switch r.status {
			case 200:
				b.WriteByte('.')
			case 500:
				if g := wantErr(t, r, 500, 1, 0); !g.IsTransient {
					t.Error("code 1 not transient")
				}
				b.WriteByte('1')
			case 503:
				if g := wantErr(t, r, 503, 2, 0); !g.IsTransient {
					t.Error("code 2 not transient")
				}
				b.WriteByte('2')
			default:
				t.Fatalf("status %d", r.status)
			}
		}
		return b.String()
	}
	a, b, c := outcomes(7), outcomes(7), outcomes(8)
	if a != b {
		t.Errorf("same seed, different outcomes:\n%s\n%s", a, b)
	}
	if a == c || !strings.ContainsAny(a, "12") || !strings.Contains(a, ".") {
		t.Errorf("fail rate 0.5 outcomes %s / %s", a, c)
	}
}

func TestDeterministicIDs(t *testing.T) {
	run := func() []string {
		s := New(Options{Seed: 42, Clock: func() time.Time { return time.Unix(1772359200, 0) }})
		defer s.Close()
		tok, _ := s.IssueToken(TokenRequest{})
		st := s.State()
		return []string{tok, st.Media[0].Shortcode, st.Media[0].Permalink}
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("run differs at %d: %q vs %q", i, a[i], b[i])
		}
	}
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	wantErr(t, e.get("/v25.0/me", ""), 400, 104, 0)
	proof := strings.TrimPrefix(SignBody(DefaultAppSecret, []byte(tok)), "sha256=")
	wantStatus(t, e.get("/v25.0/me", tok, "appsecret_proof", proof), 200)
	wantErr(t, e.get("/v25.0/me", tok, "appsecret_proof", "00"+proof[2:]), 400, 100, 0)
	g := wantErr(t, e.get("/v25.0/me", "IGAAnot-a-token"), 400, 190, 0)
	if g.Message != "Invalid OAuth access token - Cannot parse access token" || g.Type != "OAuthException" {
		t.Errorf("bad token %+v", g)
	}
	if n := e.s.ExpireTokens(); n != 1 {
		t.Errorf("expired %d tokens", n)
	}
	g = wantErr(t, e.get("/v25.0/me", tok), 400, 190, 463)
	if !strings.HasPrefix(g.Message, "Error validating access token: Session has expired on ") {
		t.Errorf("463 message %q", g.Message)
	}
	tok2 := e.igToken()
	r := e.admin(http.MethodPost, "/expire-tokens", map[string]any{"token": tok2, "subcode": 467})
	if r.obj(t)["invalidated"] != float64(1) {
		t.Fatalf("admin expire %s", r.body)
	}
	g = wantErr(t, e.get("/v25.0/me", tok2), 400, 190, 467)
	if !strings.Contains(g.Message, "logged out") {
		t.Errorf("467 message %q", g.Message)
	}
	tok3 := e.igToken()
	e.s.InvalidateTokens(460)
	wantErr(t, e.get("/v25.0/me", tok3), 400, 190, 460)
	// Tokens also expire by the clock.
	short, _ := e.s.IssueToken(TokenRequest{Kind: "short"})
	e.clock.Advance(time.Hour)
	wantErr(t, e.get("/v25.0/me", short), 400, 190, 463)
	// rupload answers token errors in its own shape.
	long := e.igToken()
	e.s.SetIGResumable(true)
	m := e.post(mediaPath, long, "media_type", "REELS", "upload_type", "resumable").obj(t)
	e.s.ExpireTokens()
	if r := e.ru("POST", str(m, "uri"), "OAuth "+long, map[string]string{"offset": "0", "file_size": "10"}, []byte("0123456789")); r.status != 401 || debugType(t, r) != "OAuthException" {
		t.Errorf("rupload expired token: %d %s", r.status, r.body)
	}
}

func TestLatencyKnob(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	e.s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/v25.0/me?access_token="+tok, nil)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatal("a call with an hour of latency answered")
	}
	// Admin calls are not delayed.
	if r := e.admin(http.MethodGet, "/knobs", nil).obj(t); r["latency"] != "1h0m0s" {
		t.Errorf("knobs %v", r)
	}
	e.s.SetLatency(0)
	wantStatus(t, e.get("/v25.0/me", tok), 200)
}

func TestAdminAPI(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.admin(http.MethodPost, "/tokens", map[string]any{"flavour": "facebook", "page": PageCreatorID})
	wantStatus(t, r, 200)
	page := str(r.obj(t), "access_token")
	wantStatus(t, e.get("/v25.0/me", page), 200)

	r = e.admin(http.MethodPost, "/knobs", map[string]any{"processing_time": "0s", "fail_rate": 0, "publish_quota": 1})
	wantStatus(t, r, 200)
	if k := r.obj(t); k["processing_time"] != "0s" || k["publish_quota"] != float64(1) {
		t.Errorf("knobs %v", k)
	}
	wantStatus(t, e.admin(http.MethodPost, "/knobs", map[string]any{"fail_rate": 2}), 400)
	wantStatus(t, e.admin(http.MethodPost, "/knobs", map[string]any{"latency": "soon"}), 400)

	wantStatus(t, e.admin(http.MethodPost, "/fail-containers", map[string]any{"count": 1, "status": "Error: bad 2207026", "code": 352, "subcode": 2207026}), 200)
	cid := e.create(page, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
	if code, text := e.status(page, cid); code != StatusError || text != "Error: bad 2207026" {
		t.Errorf("failed container %s %q", code, text)
	}
	wantErr(t, e.post(publishPath, page, "creation_id", cid), 400, 352, 2207026)

	wantStatus(t, e.admin(http.MethodPost, "/rate-limit", map[string]any{"calls": 1, "code": 613}), 200)
	wantErr(t, e.get("/v25.0/me", page), 400, 613, 0)
	wantStatus(t, e.admin(http.MethodPost, "/rate-limit", map[string]any{"code": 5}), 400)

	r = e.admin(http.MethodPost, "/comments", map[string]any{"media_id": SeedReelID, "from": "night_owl_fan", "text": "hey"})
	wantStatus(t, r, 201)
	cm := r.obj(t)
	wantStatus(t, e.admin(http.MethodPost, "/comments", map[string]any{"parent_id": str(cm, "id"), "from": FanID, "text": "+1"}), 201)
	wantStatus(t, e.admin(http.MethodPost, "/comments", map[string]any{"media_id": "nope", "text": "x"}), 404)
	wantStatus(t, e.admin(http.MethodPost, "/messages", map[string]any{"from": Fan2Username, "text": "ping"}), 200)

	r = e.admin(http.MethodPost, "/clock", map[string]any{"advance": "25h"})
	wantStatus(t, r, 200)
	if !e.s.Now().Equal(e.clock.Now().Add(25 * time.Hour)) {
		t.Errorf("clock %v", r.obj(t))
	}
	wantStatus(t, e.admin(http.MethodPost, "/drop-publish", map[string]any{}), 200)
	wantStatus(t, e.admin(http.MethodPost, "/drop-upload", map[string]any{"after_bytes": 10}), 200)
	wantStatus(t, e.admin(http.MethodPost, "/deny-login", nil), 200)
	wantStatus(t, e.admin(http.MethodPost, "/login-as", map[string]any{"ig_account": IGBrandUsername}), 200)
	wantStatus(t, e.admin(http.MethodPost, "/login-as", map[string]any{"fb_user": "42"}), 400)
	k := e.s.Knobs()
	if k.DropPublish != 1 || k.DropUploadAfter != 10 || k.DenyLogins != 1 || k.LoginIG != IGBrandID {
		t.Errorf("knobs %+v", k)
	}

	st := e.admin(http.MethodGet, "/state", nil).obj(t)
	for _, key := range []string{"accounts", "media", "containers", "comments", "conversations", "tokens", "webhooks", "fb_users"} {
		if _, ok := st[key]; !ok {
			t.Errorf("state lacks %q", key)
		}
	}
	if strings.Contains(string(e.admin(http.MethodGet, "/state", nil).body), page) {
		t.Error("state reveals a token")
	}
	if toks := list(st, "tokens"); len(toks) != 1 || str(toks[0], "sha256") != TokenSHA256(page) {
		t.Errorf("tokens %v", toks)
	}
	wantStatus(t, e.admin(http.MethodGet, "/published", nil), 200)
	wantStatus(t, e.admin(http.MethodGet, "/routes", nil), 200)
	wantStatus(t, e.admin(http.MethodGet, "/nope", nil), 404)
	wantStatus(t, e.admin(http.MethodPost, "/reset", nil), 200)
	if k := e.s.Knobs(); k.DropPublish != 0 || k.PublishQuota != DefaultPublishQuota || len(e.s.State().Tokens) != 0 {
		t.Errorf("after reset %+v", k)
	}
}

func TestServeAndStart(t *testing.T) {
	s := New(Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/_sandbox/knobs")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v", err)
	}

	s2 := New(Options{})
	u, err := s2.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res, err = http.Get(u + "/v25.0/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("unauthenticated /me: %d", res.StatusCode)
	}
	s2.Close()
	s2.Close()
	if _, err := http.Get(u + "/v25.0/me"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestUnknownPaths(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.igToken()
	wantErr(t, e.get("/v25.0/"+IGCreatorID+"/nope", tok), 400, 2500, 0)
	wantErr(t, e.get("/v25.0/99999", tok), 400, 100, 33)
	wantErr(t, e.post("/v25.0/"+ConvOpenID, tok), 400, 100, 33)
	// Any version works, and so does no version.
	wantStatus(t, e.get("/v19.0/me", tok), 200)
	wantStatus(t, e.get("/me", tok), 200)
	// Graph's ?method= override.
	c, _ := e.s.AddComment(SeedImageID, FanID, "bye")
	wantStatus(t, e.get("/v25.0/"+c.ID, tok, "method", "delete"), 200)
	wantErr(t, e.get("/v25.0/"+c.ID, tok), 400, 100, 33)
}
