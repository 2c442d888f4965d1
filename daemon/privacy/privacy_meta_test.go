package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/public"
	"github.com/impress-dev/impress/internal/testkit"
)

// deletionRequest builds a signed_request as Meta does.
func deletionRequest(secret string, payload map[string]any) string {
	raw, _ := json.Marshal(payload)
	enc := base64.RawURLEncoding.EncodeToString(raw)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(enc))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) + "." + enc
}

func postDeletion(t *testing.T, base, signed string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(base+"/meta/data-deletion", url.Values{"signed_request": {signed}})
	return readAnswer(t, resp, err)
}

func getStatus(t *testing.T, base, code, accept string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/privacy/deletion/"+code, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	return readAnswer(t, resp, err)
}

// readAnswer is a response's status and body; no response fails the test.
func readAnswer(t *testing.T, resp *http.Response, err error) (int, string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMetaDeletionCallback(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	pub := e.servePublic()
	secret := e.env["IMPRESS_META_APP_SECRET"]
	now := e.clock.Now().Unix()
	payload := func(user string, mods ...func(map[string]any)) map[string]any {
		p := map[string]any{"algorithm": "HMAC-SHA256", "user_id": user, "issued_at": now, "expires": now + 3600}
		for _, m := range mods {
			m(p)
		}
		return p
	}

	// Refusals: nothing recorded, nothing deleted.
	for _, tc := range []struct {
		name   string
		signed string
		status int
	}{
		{"bad signature", deletionRequest("not-the-secret", payload(main.appUserID)), 403},
		{"wrong algorithm", deletionRequest(secret, payload(main.appUserID, func(p map[string]any) { p["algorithm"] = "HMAC-SHA1" })), 403},
		{"lower-case algorithm", deletionRequest(secret, payload(main.appUserID, func(p map[string]any) { p["algorithm"] = "hmac-sha256" })), 403},
		{"malformed base64", "!!not*base64.@@@", 400},
		{"no dot", "abcdef", 400},
		{"expired", deletionRequest(secret, payload(main.appUserID, func(p map[string]any) { p["issued_at"], p["expires"] = now-7200, now-3600 })), 400},
		{"old without expires", deletionRequest(secret, payload(main.appUserID, func(p map[string]any) { p["issued_at"] = now - 25*3600; delete(p, "expires") })), 400},
		{"no issued_at", deletionRequest(secret, payload(main.appUserID, func(p map[string]any) { delete(p, "issued_at") })), 400},
		{"from the future", deletionRequest(secret, payload(main.appUserID, func(p map[string]any) { p["issued_at"] = now + 3600 })), 400},
		{"no user", deletionRequest(secret, payload("")), 400},
	} {
		if st, body := postDeletion(t, pub, tc.signed); st != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, st, body, tc.status)
		}
	}
	if rs, _ := e.c.PrivacyRequests(t.Context()); len(rs) != 0 {
		t.Fatalf("refused requests were recorded: %+v", rs)
	}
	if _, err := e.s.DB.Conn("main"); err != nil {
		t.Fatal("a refused request deleted data")
	}

	// A valid request for a connected user: stored before the answer,
	// purged, the status page says so without personal data.
	st, body := postDeletion(t, pub, deletionRequest(secret, payload(main.appUserID)))
	if st != 200 {
		t.Fatalf("valid request: %d %s", st, body)
	}
	var ans deletionAnswer
	if err := json.Unmarshal([]byte(body), &ans); err != nil || !codeRE().MatchString(ans.ConfirmationCode) ||
		ans.URL != "https://impress.example/privacy/deletion/"+ans.ConfirmationCode {
		t.Fatalf("answer %s: %+v, %v", body, ans, err)
	}
	rc := e.waitReceipt(ans.ConfirmationCode)
	if !rc.Verified || rc.Scope != api.ScopeConnection || rc.Source != api.SourceMeta || rc.Counts[cntComments] != 1 {
		t.Errorf("receipt: %+v", rc)
	}
	e.assertGone(main)
	e.assertIntact(brand)
	receiptClean(t, rc, main, brand)

	st, body = getStatus(t, pub, ans.ConfirmationCode, "application/json")
	var ds deletionStatus
	if st != 200 || json.Unmarshal([]byte(body), &ds) != nil || ds.Status != api.RequestDone || ds.CompletedAt.IsZero() || ds.Verified == nil || !*ds.Verified {
		t.Errorf("JSON status: %d %s", st, body)
	}
	st, html := getStatus(t, pub, ans.ConfirmationCode, "text/html,application/xhtml+xml")
	if st != 200 || !strings.Contains(html, "<strong>done</strong>") || !strings.Contains(html, ans.ConfirmationCode) {
		t.Errorf("HTML status: %d %s", st, html)
	}
	for _, page := range []string{body, html} {
		for _, v := range []string{main.username, main.accountID, main.appUserID, "main", main.comment} {
			if strings.Contains(page, v) {
				t.Errorf("status page shows %q: %s", v, page)
			}
		}
	}
	if st, _ := getStatus(t, pub, strings.Repeat("a", 26), ""); st != 404 {
		t.Errorf("unknown code: %d", st)
	}
	if st, _ := getStatus(t, pub, "..%2f..%2fetc", ""); st != 404 {
		t.Errorf("malformed code: %d", st)
	}

	// A user who is no connection: answered and recorded (Meta's checker
	// sends such requests); the scan looks for the id.
	st, body = postDeletion(t, pub, deletionRequest(secret, payload("4242424242424242")))
	if st != 200 || json.Unmarshal([]byte(body), &ans) != nil {
		t.Fatalf("unknown user: %d %s", st, body)
	}
	rc = e.waitReceipt(ans.ConfirmationCode)
	if rc.Scope != api.ScopeMetaUser || !rc.Verified || rc.Scan == nil || rc.Scan.Identifiers != 1 {
		t.Errorf("unknown user's receipt: %+v %+v", rc, rc.Scan)
	}
	receiptClean(t, rc, brand)
	if strings.Contains(mustJSON(rc), "4242424242424242") {
		t.Error("the receipt holds the user id")
	}
	for path, data := range e.homeFiles() {
		if strings.Contains(string(data), "4242424242424242") {
			t.Errorf("the user id of the request is stored in clear in %s", path)
		}
	}
	e.assertIntact(brand)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMetaDeletionStoredBeforeAnswer: the request is durable once
// answered. The purge is stopped right after planning (as a crash would);
// a restarted daemon finishes it. A second request for the same user
// while the first is pending gets the same code.
func TestMetaDeletionStoredBeforeAnswer(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	release := make(chan struct{})
	e.s.privacy.mu.Lock()
	e.s.privacy.hook = func(step string, saved bool) error {
		if step == api.PurgePlanned && saved {
			<-release
			return errPurgeCrash
		}
		return nil
	}
	e.s.privacy.mu.Unlock()
	pub := e.servePublic()
	secret := e.env["IMPRESS_META_APP_SECRET"]
	now := e.clock.Now().Unix()
	signed := deletionRequest(secret, map[string]any{"algorithm": "HMAC-SHA256", "user_id": main.accountID, "issued_at": now})
	_, body := postDeletion(t, pub, signed)
	var first, second deletionAnswer
	json.Unmarshal([]byte(body), &first)
	st, html := getStatus(t, pub, first.ConfirmationCode, "")
	if st != 200 || !strings.Contains(html, "Status: <strong>") || strings.Contains(html, "<strong>done</strong>") {
		t.Errorf("status while pending: %d %s", st, html)
	}
	_, body = postDeletion(t, pub, signed)
	json.Unmarshal([]byte(body), &second)
	if first.ConfirmationCode == "" || second.ConfirmationCode != first.ConfirmationCode {
		t.Errorf("two requests for one pending purge: %q and %q", first.ConfirmationCode, second.ConfirmationCode)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for e.s.privacy.failure(first.ConfirmationCode) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the stopped purge was not reported")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !errors.Is(e.s.privacy.failure(first.ConfirmationCode), errPurgeCrash) {
		t.Fatalf("failure: %v", e.s.privacy.failure(first.ConfirmationCode))
	}
	e.hook = nil
	e.restart()
	if _, err := e.s.DB.Receipt(first.ConfirmationCode); err != nil {
		t.Fatalf("not finished at restart: %v", err)
	}
	e.assertGone(main)
	e.assertIntact(brand)
}

// TestMetaDeletionReplay: the same signed request posted again and again
// (during its purge and after the receipt) gets the first answer, the
// same code, and makes no new privacy request or purge; a request from
// 2001 with an expiry far ahead is refused.
func TestMetaDeletionReplay(t *testing.T) {
	e := newPrivEnv(t)
	main, _ := plantTwo(e)
	pub := e.servePublic()
	secret := e.env["IMPRESS_META_APP_SECRET"]
	now := e.clock.Now()
	old := deletionRequest(secret, map[string]any{"algorithm": "HMAC-SHA256", "user_id": main.appUserID,
		"issued_at": time.Date(2001, 9, 9, 0, 0, 0, 0, time.UTC).Unix(), "expires": now.Add(time.Hour).Unix()})
	if st, body := postDeletion(t, pub, old); st != 400 {
		t.Errorf("request from 2001: %d %s", st, body)
	}
	signed := deletionRequest(secret, map[string]any{"algorithm": "HMAC-SHA256", "user_id": main.appUserID, "issued_at": now.Unix()})
	var first deletionAnswer
	_, body := postDeletion(t, pub, signed)
	if err := json.Unmarshal([]byte(body), &first); err != nil || !public.CodeRE().MatchString(first.ConfirmationCode) {
		t.Fatalf("first answer %q: %v", body, err)
	}
	e.waitReceipt(first.ConfirmationCode)
	for range 10 {
		e.clock.Advance(time.Minute)
		st, body := postDeletion(t, pub, signed)
		var again deletionAnswer
		if st != 200 || json.Unmarshal([]byte(body), &again) != nil || again != first {
			t.Fatalf("replay: %d %s, want %+v", st, body, first)
		}
	}
	rs, err := e.c.PrivacyRequests(t.Context())
	if err != nil || len(rs) != 1 || rs[0].Code != first.ConfirmationCode {
		t.Errorf("after 10 replays: %d requests (%v), want the one", len(rs), err)
	}
	// The replays were logged as such, and no purge was recorded again.
	data := testkit.ReadFile(t, e.paths.LogFile())
	if n := strings.Count(string(data), "data deletion request received from Meta"); n != 1 {
		t.Errorf("%d requests recorded, want 1", n)
	}
	if n := strings.Count(string(data), "data deletion request replayed"); n != 10 {
		t.Errorf("%d replays logged, want 10", n)
	}
}
