package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

type received struct {
	body []byte
	sig  string
}

// receiver is a webhook endpoint that fails the first `failures` POSTs.
type receiver struct {
	mu       sync.Mutex
	got      []received
	failures int
	srv      *httptest.Server
}

func newReceiver(t *testing.T, failures int) *receiver {
	rc := &receiver{failures: failures}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // subscription handshake
			q := r.URL.Query()
			if q.Get("hub.mode") == "subscribe" && q.Get("hub.verify_token") == "vt" {
				_, _ = io.WriteString(w, q.Get("hub.challenge"))
				return
			}
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.failures > 0 {
			rc.failures--
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		rc.got = append(rc.got, received{body: b, sig: r.Header.Get("X-Hub-Signature-256")})
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func verifySig(secret string, body []byte, header string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(header))
}

func TestCommentWebhookSignedAndRetried(t *testing.T) {
	rc := newReceiver(t, 2)
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, WebhookBackoff: time.Millisecond, WebhookVerifyToken: "vt"})
	c, err := e.s.AddComment(SeedReelID, FanUsername, "محمد says 👋 see https://x.y/z")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if len(got) != 1 {
		t.Fatalf("deliveries %d", len(got))
	}
	d := e.s.Deliveries()[0]
	if d.Attempts != 3 || !d.Delivered || d.Status != 200 {
		t.Errorf("delivery %+v", d)
	}
	body := got[0].body
	if !verifySig(DefaultAppSecret, body, got[0].sig) {
		t.Fatalf("signature %q does not verify", got[0].sig)
	}
	// Meta-style escaping: a re-serialised body no longer matches.
	if !strings.Contains(string(body), `\u0645`) || !strings.Contains(string(body), `\ud83d\udc4b`) || !strings.Contains(string(body), `https:\/\/x.y\/z`) {
		t.Errorf("body not escaped like Meta's: %s", body)
	}
	var v any
	_ = json.Unmarshal(body, &v)
	again, _ := json.Marshal(v)
	if verifySig(DefaultAppSecret, again, got[0].sig) {
		t.Error("a re-serialised body still verifies; the escaping test is moot")
	}
	var p struct {
		Object string `json:"object"`
		Entry  []struct {
			ID      string `json:"id"`
			Time    int64  `json:"time"`
			Changes []struct {
				Field string `json:"field"`
				Value struct {
					From  struct{ ID, Username string } `json:"from"`
					Media struct {
						ID               string `json:"id"`
						MediaProductType string `json:"media_product_type"`
					} `json:"media"`
					ID   string `json:"id"`
					Text string `json:"text"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	ch := p.Entry[0].Changes[0]
	if p.Object != "instagram" || p.Entry[0].ID != IGCreatorID || ch.Field != "comments" || ch.Value.ID != c.ID ||
		ch.Value.From.ID != FanID || ch.Value.Media.ID != SeedReelID || ch.Value.Media.MediaProductType != "REELS" ||
		!strings.HasPrefix(ch.Value.Text, "محمد") {
		t.Errorf("payload %+v", p)
	}
	if err := e.s.VerifyWebhook(t.Context(), rc.srv.URL); err != nil {
		t.Errorf("handshake: %v", err)
	}
}

func TestWebhookRetriesAreBounded(t *testing.T) {
	rc := newReceiver(t, 100)
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, WebhookBackoff: time.Millisecond, WebhookRetries: 2})
	if _, err := e.s.AddComment(SeedReelID, FanID, "x"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := e.s.Deliveries()[0]; d.Attempts != 3 || d.Delivered || d.Status != 500 {
		t.Errorf("delivery %+v", d)
	}
}

func TestMessageAndMentionWebhooks(t *testing.T) {
	rc := newReceiver(t, 0)
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, WebhookFlat: true})
	tok := e.igToken()
	if _, err := e.s.AddMessage(IGCreatorID, FanID, "hi there"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.post("/v25.0/me/messages", tok, "recipient", `{"id":"`+FanID+`"}`, "message", `{"text":"hello"}`), 200)
	// A fan mentions sandbox_creator on the brand's reel: mentions webhook to the creator.
	if _, err := e.s.AddComment(SeedBrandReelID, Fan2ID, "look @sandbox_creator"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	fields := map[string]int{}
	var echo, inbound bool
	for _, d := range e.s.Deliveries() {
		fields[d.Account+"/"+d.Field]++
		if d.Field == "messages" {
			echo = echo || strings.Contains(d.Body, `"is_echo":true`)
			inbound = inbound || strings.Contains(d.Body, `"is_echo":false`) && strings.Contains(d.Body, `"sender":{"id":"`+FanID)
		}
		if d.Field == "mentions" {
			var p struct {
				Entry []struct {
					Field string            `json:"field"`
					Value map[string]string `json:"value"`
				} `json:"entry"`
			}
			_ = json.Unmarshal([]byte(d.Body), &p)
			if len(p.Entry) != 1 || p.Entry[0].Field != "mentions" || p.Entry[0].Value["media_id"] != SeedBrandReelID || p.Entry[0].Value["comment_id"] == "" {
				t.Errorf("flat mention payload %s", d.Body)
			}
		}
	}
	want := map[string]int{IGCreatorID + "/messages": 2, IGBrandID + "/comments": 1, IGCreatorID + "/mentions": 1}
	for k, n := range want {
		if fields[k] != n {
			t.Errorf("%s: %d deliveries, want %d (all: %v)", k, fields[k], n, fields)
		}
	}
	if !echo || !inbound {
		t.Errorf("echo %v inbound %v", echo, inbound)
	}
	for _, r := range rc.all() {
		if !verifySig(DefaultAppSecret, r.body, r.sig) {
			t.Errorf("bad signature on %s", r.body)
		}
	}
}

func TestRequireSubscription(t *testing.T) {
	rc := newReceiver(t, 0)
	e := newEnv(t, Options{WebhookURL: rc.srv.URL, RequireSubscription: true})
	tok := e.igToken()
	if _, err := e.s.AddComment(SeedReelID, FanID, "unsubscribed"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.post("/v25.0/me/subscribed_apps", tok, "subscribed_fields", "comments,bogus"), 400, 100, 0)
	wantStatus(t, e.post("/v25.0/me/subscribed_apps", tok, "subscribed_fields", "comments,messages"), 200)
	if _, err := e.s.AddComment(SeedReelID, FanID, "subscribed"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := rc.all(); len(got) != 1 || !strings.Contains(string(got[0].body), `"subscribed"`) {
		t.Fatalf("deliveries %d", len(got))
	}
	sub := e.get("/v25.0/me/subscribed_apps", tok).obj(t)
	if d := list(sub, "data"); len(d) != 1 {
		t.Errorf("subscribed_apps %v", sub)
	}
}

// parseSignedRequest is an independent parser following docs/META.md §14.
func parseSignedRequest(t *testing.T, sr, secret string) map[string]any {
	t.Helper()
	sigPart, payload, ok := strings.Cut(sr, ".")
	if !ok {
		t.Fatalf("no dot in %q", sr)
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigPart)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(payload))
	if !hmac.Equal(sig, m.Sum(nil)) {
		t.Fatal("signed_request signature does not verify")
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignedRequest(t *testing.T) {
	var form url.Values
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"url":"https://example.com/deletion?id=abc","confirmation_code":"abc"}`)
	}))
	defer cb.Close()
	e := newEnv(t, Options{})
	p := parseSignedRequest(t, e.s.SignedRequest("218471"), DefaultAppSecret)
	if p["algorithm"] != "HMAC-SHA256" || p["user_id"] != "218471" || p["issued_at"] != float64(e.clock.Now().Unix()) {
		t.Errorf("payload %v", p)
	}
	// Through the admin API, revoking the user's tokens as Meta does on removal.
	tok := e.igToken()
	r := e.admin(http.MethodPost, "/signed-request", map[string]any{"url": cb.URL, "user_id": "10200000000000001", "revoke": true})
	wantStatus(t, r, 200)
	m := r.obj(t)
	if m["revoked"] != float64(1) || !strings.Contains(str(m, "response", "body"), "confirmation_code") {
		t.Errorf("admin signed-request %s", r.body)
	}
	if p := parseSignedRequest(t, form.Get("signed_request"), DefaultAppSecret); p["user_id"] != "10200000000000001" {
		t.Errorf("callback got %v", p)
	}
	wantErr(t, e.get("/v25.0/me", tok), 400, 190, 458)
	if st := e.s.State(); len(st.SignedRequests) != 1 || st.SignedRequests[0].Status != 200 {
		t.Errorf("records %+v", st.SignedRequests)
	}
}

func TestDeliveriesAfterClose(t *testing.T) {
	rc := newReceiver(t, 0)
	s := New(Options{WebhookURL: rc.srv.URL})
	s.Close()
	if _, err := s.AddComment(SeedReelID, FanID, "late"); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if d := s.Deliveries(); len(d) != 1 || d[0].Delivered || d[0].Error != "sandbox closed" {
		t.Errorf("deliveries after Close: %+v", d)
	}
}
