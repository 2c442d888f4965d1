package community

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

const testVerifyToken = "verify-me-0123"

// hookEnv adds the public endpoint, served by httptest, to commEnv.
type hookEnv struct {
	*commEnv
	pub *httptest.Server
}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	e := &hookEnv{commEnv: newCommEnv(t)}
	e.setEnv("IMPRESS_META_WEBHOOK_VERIFY_TOKEN", testVerifyToken)
	e.pub = httptest.NewServer(e.s.PublicHandler())
	t.Cleanup(e.pub.Close)
	return e
}

func (e *hookEnv) post(t *testing.T, path, ctype string, body []byte, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.pub.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// deliver posts a webhook body signed with secret ("" → no signature).
func (e *hookEnv) deliver(t *testing.T, body []byte, secret string) int {
	t.Helper()
	hdr := map[string]string{}
	if secret != "" {
		hdr["X-Hub-Signature-256"] = sandbox.SignBody(secret, body)
	}
	resp, _ := e.post(t, "/webhooks/meta", "application/json", body, hdr)
	return resp.StatusCode
}

func (e *hookEnv) events(t *testing.T) []api.Event {
	t.Helper()
	evs, err := e.c.Events(t.Context(), api.EventsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// commentPayload builds a comments webhook; text goes in as JSON string
// content, unescaped, so tests can use Meta's \uXXXX and \/ escapes.
func commentPayload(id, text string, at int64) []byte {
	return daemontest.CommentPayload(sandbox.IGCreatorID, sandbox.FanID, sandbox.FanUsername, sandbox.SeedReelID, id, text, at)
}

func messagePayload(mid, text string, atMillis int64) []byte {
	return fmt.Appendf(nil, `{"object":"instagram","entry":[{"id":%q,"time":%d,"messaging":[{"sender":{"id":%q},`+
		`"recipient":{"id":%q},"timestamp":%d,"message":{"mid":%q,"text":%q}}]}]}`,
		sandbox.IGCreatorID, atMillis/1000, sandbox.Fan3ID, sandbox.IGCreatorID, atMillis, mid, text)
}

func TestWebhookVerificationHandshake(t *testing.T) {
	e := newHookEnv(t)
	get := func(q url.Values) (int, string) {
		resp, err := http.Get(e.pub.URL + "/webhooks/meta?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	q := func(mode, token, challenge string) url.Values {
		return url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {challenge}}
	}
	if code, body := get(q("subscribe", testVerifyToken, "1158201444")); code != 200 || body != "1158201444" {
		t.Errorf("good handshake = %d %q", code, body)
	}
	for name, v := range map[string]url.Values{
		"wrong token":     q("subscribe", "nope", "1158201444"),
		"token prefix":    q("subscribe", testVerifyToken[:5], "1"),
		"wrong mode":      q("unsubscribe", testVerifyToken, "1"),
		"no token":        q("subscribe", "", "1"),
		"html challenge":  q("subscribe", testVerifyToken, "<script>"),
		"empty challenge": q("subscribe", testVerifyToken, ""),
	} {
		if code, body := get(v); code == 200 || strings.Contains(body, "script") {
			t.Errorf("%s: %d %q", name, code, body)
		}
	}
	// Meta's own handshake, as the sandbox performs it.
	sb := sandbox.New(sandbox.Options{WebhookVerifyToken: testVerifyToken})
	defer sb.Close()
	if err := sb.VerifyWebhook(t.Context(), e.pub.URL+"/webhooks/meta"); err != nil {
		t.Errorf("sandbox handshake: %v", err)
	}
	// No token configured: every handshake is refused.
	e.setEnv("IMPRESS_META_WEBHOOK_VERIFY_TOKEN", "")
	if code, _ := get(q("subscribe", "", "1")); code != http.StatusForbidden {
		t.Errorf("unconfigured handshake = %d", code)
	}
	if strings.Contains(e.log.String(), testVerifyToken) {
		t.Error("the verify token reached the log")
	}
}

func TestWebhookSignature(t *testing.T) {
	e := newHookEnv(t)
	secret := e.sb.AppSecret()
	body := commentPayload("17858800000000001", `caf\u00e9 \/ ok`, 1740000000) // Meta's escaping
	var reserialised bytes.Buffer
	var v any
	json.Unmarshal(body, &v)
	json.NewEncoder(&reserialised).Encode(v) // "café / ok": other bytes, same JSON
	for _, tc := range []struct {
		name string
		body []byte
		hdr  map[string]string
		want int
	}{
		{"missing", body, nil, http.StatusUnauthorized},
		{"sha1 only", body, map[string]string{"X-Hub-Signature": "sha1=0000"}, http.StatusUnauthorized},
		{"wrong secret", body, map[string]string{"X-Hub-Signature-256": sandbox.SignBody("wrong", body)}, http.StatusForbidden},
		{"not hex", body, map[string]string{"X-Hub-Signature-256": "sha256=zz"}, http.StatusForbidden},
		{"no prefix", body, map[string]string{"X-Hub-Signature-256": strings.TrimPrefix(sandbox.SignBody(secret, body), "sha256=")}, http.StatusForbidden},
		{"re-serialised body", reserialised.Bytes(), map[string]string{"X-Hub-Signature-256": sandbox.SignBody(secret, body)}, http.StatusForbidden},
		{"signed other body", commentPayload("17858800000000002", "x", 1), map[string]string{"X-Hub-Signature-256": sandbox.SignBody(secret, body)}, http.StatusForbidden},
	} {
		resp, _ := e.post(t, "/webhooks/meta", "application/json", tc.body, tc.hdr)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	if evs := e.events(t); len(evs) != 0 {
		t.Fatalf("refused deliveries stored %d events", len(evs))
	}
	resp, _ := e.post(t, "/webhooks/meta", "text/plain", body, map[string]string{"X-Hub-Signature-256": sandbox.SignBody(secret, body)})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d", resp.StatusCode)
	}
	if code := e.deliver(t, body, secret); code != 200 {
		t.Fatalf("valid delivery: %d", code)
	}
	evs := e.events(t)
	if len(evs) != 1 || evs[0].Type != "comments" || evs[0].Text != "café / ok" || evs[0].Connection != "main" || evs[0].ID != 1 {
		t.Fatalf("stored = %+v", evs)
	}
	// Stored sealed: the text is not in the file in clear.
	if raw, _ := os.ReadFile(e.dbPath); bytes.Contains(raw, []byte("café")) {
		t.Error("event text in the store file in clear")
	}
	// No app secret: nothing can be verified, Meta is told to retry.
	e.setEnv("IMPRESS_META_APP_SECRET", "")
	if code := e.deliver(t, body, secret); code != http.StatusServiceUnavailable {
		t.Errorf("without app secret: %d", code)
	}
	if strings.Contains(e.log.String(), secret) {
		t.Error("the app secret reached the log")
	}
}

func TestWebhookDuplicatesAndOutOfOrder(t *testing.T) {
	e := newHookEnv(t)
	secret := e.sb.AppSecret()
	base := e.clock.Now().UnixMilli()
	newer := messagePayload("mid-2", "second", base)
	older := messagePayload("mid-1", "first", base-60_000)
	for i, b := range [][]byte{newer, older, newer, older} { // retries, out of order
		if code := e.deliver(t, b, secret); code != 200 {
			t.Fatalf("delivery %d: %d", i, code)
		}
	}
	c1 := commentPayload("17858800000000009", "nice", base/1000)
	e.deliver(t, c1, secret)
	// Meta may batch a retry with new changes.
	batch := []byte(strings.Replace(string(c1), `]}]}`, `]},{"id":"`+sandbox.IGCreatorID+`","time":1,"changes":[{"field":"comments","value":{"id":"17858800000000010","text":"new","media":{"id":"`+sandbox.SeedReelID+`"}}}]}]}`, 1))
	if code := e.deliver(t, batch, secret); code != 200 {
		t.Fatalf("batch: %d", code)
	}
	evs := e.events(t)
	var got []string
	for i, ev := range evs {
		got = append(got, ev.MessageID+ev.CommentID)
		if ev.ID != uint64(i+1) {
			t.Errorf("event %d has id %d", i, ev.ID)
		}
	}
	if strings.Join(got, ",") != "mid-2,mid-1,17858800000000009,17858800000000010" {
		t.Fatalf("stored events %v", got)
	}
	// The thread summary took the newest message, not the last delivered.
	ts, err := e.c.Threads(t.Context(), "", true)
	if err != nil || len(ts) != 1 {
		t.Fatalf("threads = %+v, %v", ts, err)
	}
	th := ts[0]
	if th.ParticipantID != sandbox.Fan3ID || th.LastMessage != "second" || th.MessageCount != 2 || th.Unread == nil || !*th.Unread ||
		!th.ReplyAllowed || !th.LastInboundAt.Equal(time.UnixMilli(base).UTC()) {
		t.Errorf("thread from webhooks = %+v", th)
	}
	// Deliveries for an account that is not a connection are not kept.
	other := []byte(strings.ReplaceAll(string(commentPayload("17858800000000011", "x", 1)), sandbox.IGCreatorID, "17849999999999999"))
	if code := e.deliver(t, other, secret); code != 200 {
		t.Errorf("unknown account: %d", code)
	}
	if n := len(e.events(t)); n != 4 {
		t.Errorf("unknown account's event stored (%d events)", n)
	}
}

func TestWebhookBodyCap(t *testing.T) {
	e := newHookEnv(t)
	secret := e.sb.AppSecret()
	big := commentPayload("1", strings.Repeat("x", maxWebhookBody), 1)
	if code := e.deliver(t, big, secret); code != http.StatusRequestEntityTooLarge {
		t.Errorf("over the cap: %d", code)
	}
	// Without Content-Length (chunked), the cap still holds.
	req, _ := http.NewRequest("POST", e.pub.URL+"/webhooks/meta", io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sandbox.SignBody(secret, big))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked over the cap: %d", resp.StatusCode)
	}
	if n := len(e.events(t)); n != 0 {
		t.Errorf("%d events stored from oversized bodies", n)
	}
}

func TestPublicEndpointServesOnlyItsRoutes(t *testing.T) {
	e := newHookEnv(t)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v1/ping", 404},
		{"GET", "/v1/auth/status", 404},
		{"POST", "/v1/shutdown", 404},
		{"GET", "/", 404},
		{"GET", "/media/", 404},
		{"GET", "/media/sometoken", 404},         // publish has not registered
		{"GET", "/privacy/deletion/abc123", 404}, // privacy has not registered
		{"POST", "/meta/data-deletion", 503},     // Meta retries later
		{"DELETE", "/webhooks/meta", 404},
		{"GET", "/webhooks/meta/../../v1/ping", 404},
	} {
		req, _ := http.NewRequest(tc.method, e.pub.URL+tc.path, nil)
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want && !(resp.StatusCode/100 == 3 && strings.Contains(tc.path, "..")) {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
		if strings.Contains(string(b), "version") || strings.Contains(string(b), "socket") {
			t.Errorf("%s %s leaks local API content: %s", tc.method, tc.path, b)
		}
		for _, h := range []string{"X-Content-Type-Options", "Content-Security-Policy", "Cache-Control"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s %s: no %s header", tc.method, tc.path, h)
			}
		}
	}
	// Another feature registers its handler: the route comes alive.
	e.s.HandlePublic(public.Media, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "media "+r.PathValue("token"))
	}))
	resp, err := http.Get(e.pub.URL + "/media/tok123")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "media tok123" {
		t.Errorf("registered media route = %d %q", resp.StatusCode, b)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a route outside the list did not panic")
		}
	}()
	e.s.HandlePublic("GET /v1/ping", http.NotFoundHandler())
}

func TestDeauthorizeCallback(t *testing.T) {
	e := newHookEnv(t)
	target := e.pub.URL + "/meta/deauthorize"
	// A forged request changes nothing.
	forged := url.Values{"signed_request": {daemontest.SignRequest(t, map[string]any{"algorithm": "HMAC-SHA256", "user_id": sandbox.IGCreatorID}, "not the secret")}}
	resp, _ := e.post(t, "/meta/deauthorize", "application/x-www-form-urlencoded", []byte(forged.Encode()), nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged deauthorize: %d", resp.StatusCode)
	}
	resp, _ = e.post(t, "/meta/deauthorize", "application/json", []byte(`{}`), nil)
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON deauthorize: %d", resp.StatusCode)
	}
	if c, _ := e.s.DB.Conn("main"); c.State != store.ConnOK || len(c.SealedToken) == 0 {
		t.Fatalf("connection changed by refused callbacks: %+v", c)
	}
	// Meta's callback names the app-scoped id (or the IG id).
	c, _ := e.s.DB.Conn("main")
	rec, err := e.sb.SendSignedRequest(t.Context(), target, c.AppUserID)
	if err != nil || rec.Status != 200 {
		t.Fatalf("deauthorize: %+v, %v", rec, err)
	}
	c, _ = e.s.DB.Conn("main")
	if c.State != store.ConnDisconnected || len(c.SealedToken) != 0 || len(c.SealedPageToken) != 0 {
		t.Errorf("after deauthorize: state %s, token kept %v", c.State, len(c.SealedToken) > 0)
	}
	_, err = e.c.Comments(t.Context(), api.CommentsQuery{Media: sandbox.SeedReelID})
	if daemontest.CodeOf(err) != api.CodeLoginNeeded {
		t.Errorf("comments after deauthorize: %v (code %q), want login_needed", err, daemontest.CodeOf(err))
	}
	// An unknown user is acknowledged and ignored.
	if rec, err := e.sb.SendSignedRequest(t.Context(), target, "12345"); err != nil || rec.Status != 200 {
		t.Errorf("unknown user: %+v, %v", rec, err)
	}
}

// TestSandboxWebhookEndToEnd: a comment made in the sandbox reaches the
// daemon through the sandbox's signed webhook sender and the public
// endpoint, is stored as an event, and shows in the offline comment copy
// without any listing from Meta.
func TestSandboxWebhookEndToEnd(t *testing.T) {
	e := newHookEnv(t)
	e.sb.SetWebhookURL(e.pub.URL + "/webhooks/meta")
	wake, stop := e.s.follow()
	defer stop()
	cm, err := e.sb.AddComment(sandbox.SeedReelID, sandbox.Fan2Username, "love this – ✨ / ok")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := e.sb.AddMessage(sandbox.IGCreatorID, sandbox.Fan3Username, "is it in stock?")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sb.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.sb.Deliveries() {
		if !d.Delivered || d.Status != 200 {
			t.Errorf("delivery %d (%s): status %d, %s", d.ID, d.Field, d.Status, d.Error)
		}
	}
	select {
	case <-wake:
	default:
		t.Error("followers were not woken")
	}
	evs := e.events(t)
	types := map[string]bool{}
	for _, ev := range evs {
		types[ev.Type] = true
	}
	if !types["comments"] || !types["messages"] {
		t.Fatalf("events = %+v", evs)
	}
	off, err := e.c.Comments(t.Context(), api.CommentsQuery{Media: sandbox.SeedReelID, Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	c := findComment(off.Comments, cm.ID)
	if c == nil || c.Text != "love this – ✨ / ok" || c.Username != sandbox.Fan2Username {
		t.Fatalf("offline copy = %+v", off.Comments)
	}
	ts, _ := e.c.Threads(t.Context(), "", true)
	if len(ts) != 1 || ts[0].LastMessage != "is it in stock?" || ts[0].ParticipantID != msg.FromID || !ts[0].ReplyAllowed {
		t.Fatalf("threads from webhook = %+v", ts)
	}
	// Listing online finds the real conversation and merges the webhook's.
	online, err := e.c.Threads(t.Context(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range online {
		if strings.HasPrefix(th.ID, pendingThreadPrefix) {
			t.Errorf("webhook-only thread survived the listing: %+v", th)
		}
		if th.ParticipantID == msg.FromID && (th.ID != msg.ConvID || th.Unread == nil || !*th.Unread) {
			t.Errorf("merged thread = %+v (conversation %s)", th, msg.ConvID)
		}
	}
}

func TestFollowStreamsNewEvents(t *testing.T) {
	e := newHookEnv(t)
	secret := e.sb.AppSecret()
	e.deliver(t, commentPayload("17858800000000001", "one", 1), secret)
	var mu sync.Mutex
	var got []uint64
	done := make(chan error, 1)
	go func() {
		done <- e.c.FollowEvents(t.Context(), api.EventsQuery{Type: "comments", Limit: 3}, func(ev api.Event) error {
			mu.Lock()
			got = append(got, ev.ID)
			mu.Unlock()
			return nil
		})
	}()
	// Wait until the follower has the stored event, then deliver more.
	daemontest.WaitFor(t, 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	e.deliver(t, messagePayload("m-1", "not a comment", time.Now().UnixMilli()), secret)
	e.deliver(t, commentPayload("17858800000000002", "two", 2), secret)
	e.deliver(t, commentPayload("17858800000000003", "three", 3), secret)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follow did not end after its limit")
	}
	if fmt.Sprint(got) != "[1 3 4]" {
		t.Errorf("followed ids %v, want [1 3 4] (2 is a message)", got)
	}
}

func TestMentionsFromWebhooks(t *testing.T) {
	e := newHookEnv(t)
	ctx := t.Context()
	if ms, err := e.c.Mentions(ctx, "", false); err != nil || len(ms) != 0 {
		t.Fatalf("mentions before any webhook = %+v, %v", ms, err)
	}
	body := fmt.Appendf(nil, `{"object":"instagram","entry":[{"id":%q,"time":1740000000,"changes":[{"field":"mentions","value":{"media_id":%q,"comment_id":%q}}]}]}`,
		sandbox.IGCreatorID, sandbox.SeedBrandReelID, sandbox.SeedMentionCommentID)
	if code := e.deliver(t, body, e.sb.AppSecret()); code != 200 {
		t.Fatalf("delivery: %d", code)
	}
	off, err := e.c.Mentions(ctx, "", true)
	if err != nil || len(off) != 1 || off[0].CommentID != sandbox.SeedMentionCommentID || off[0].Text != "" {
		t.Fatalf("offline mentions = %+v, %v", off, err)
	}
	on, err := e.c.Mentions(ctx, "", false)
	if err != nil || len(on) != 1 || !strings.Contains(on[0].Text, "@"+sandbox.IGCreatorUsername) {
		t.Fatalf("online mentions = %+v, %v", on, err)
	}
	r, err := e.c.ReplyMention(ctx, api.MentionReply{MediaID: sandbox.SeedBrandReelID, CommentID: sandbox.SeedMentionCommentID, Text: "thanks for the shout-out"})
	if err != nil || r.ReplyID == "" {
		t.Fatalf("reply to mention = %+v, %v", r, err)
	}
}

func TestCommunityDataForExport(t *testing.T) {
	e := newHookEnv(t)
	e.sb.SetWebhookURL(e.pub.URL + "/webhooks/meta")
	if _, err := e.c.Comments(t.Context(), api.CommentsQuery{Media: sandbox.SeedImageID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.AddMessage(sandbox.IGCreatorID, sandbox.FanUsername, "export me"); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ThreadMessages(t.Context(), api.ThreadQuery{Thread: sandbox.ConvOpenID, Keep: true}); err != nil {
		t.Fatal(err)
	}
	data, err := e.s.communityData(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Comments) == 0 || len(data.Events) != 1 || len(data.Threads) != 1 || len(data.Threads[0].Messages) != 20 {
		t.Fatalf("export: %d comments, %d events, %d threads", len(data.Comments), len(data.Events), len(data.Threads))
	}
	b, _ := json.Marshal(data)
	if !strings.Contains(string(b), "export me") {
		t.Error("the exported data lacks the message")
	}
}
