package privacy

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/impress-dev/impress/store"
)

// TestStatusPageNamesOperator: the page says who holds the data, how to
// reach them and where their policy is, styled inline and allowed by the
// CSP's hash of exactly that style, loading nothing; the JSON says the
// same. It is the same page, but for the code and times, for a person who
// was a connection and for one who was not.
func TestStatusPageNamesOperator(t *testing.T) {
	e := newPrivEnv(t)
	main, _ := plantTwo(e)
	if _, err := e.s.DB.UpdateAccount(func(a *store.Account) {
		a.Company, a.Store, a.Contact = "Aurora Goods Ltd", "Aurora Candles", "privacy@aurora.example"
	}); err != nil {
		t.Fatal(err)
	}
	e.env["IMPRESS_PRIVACY_POLICY_URL"] = "https://aurora.example/privacy"
	e.restart()
	pub := e.servePublic()
	secret := e.env["IMPRESS_META_APP_SECRET"]
	now := e.clock.Now().Unix()
	ask := func(user string) string {
		var ans deletionAnswer
		if st, body := postDeletion(t, pub, deletionRequest(secret, map[string]any{"algorithm": "HMAC-SHA256", "user_id": user, "issued_at": now})); st != 200 || json.Unmarshal([]byte(body), &ans) != nil {
			t.Fatalf("deletion request: %d %s", st, body)
		}
		e.waitReceipt(ans.ConfirmationCode)
		return ans.ConfirmationCode
	}
	userCode, strangerCode := ask(main.appUserID), ask("4242424242424242")

	resp, err := http.Get(pub + "/privacy/deletion/" + userCode)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	sum := sha256.Sum256([]byte(statusCSS))
	if !strings.HasPrefix(csp, "default-src 'none'; ") || !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
		strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q does not allow exactly the page's style", csp)
	}
	_, page := getStatus(t, pub, userCode, "text/html")
	if !strings.Contains(page, "<style>"+statusCSS+"</style>") {
		t.Error("the style on the page is not the one the CSP hash allows")
	}
	for _, want := range []string{"Aurora Candles (Aurora Goods Ltd)", `<a href="mailto:privacy@aurora.example">privacy@aurora.example</a>`,
		`<a href="https://aurora.example/privacy" rel="noreferrer">Privacy policy</a>`, "<strong>done</strong>", userCode} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	// Nothing loads from anywhere: no src, no stylesheet link, no script.
	if regexp.MustCompile(`(?i)\ssrc=|<link|<script|@import|url\(`).MatchString(page) {
		t.Errorf("the page loads something:\n%s", page)
	}
	_, js := getStatus(t, pub, userCode, "application/json")
	var ds deletionStatus
	if json.Unmarshal([]byte(js), &ds) != nil || ds.Operator.Name != "Aurora Candles (Aurora Goods Ltd)" ||
		ds.Operator.Contact != "privacy@aurora.example" || ds.Operator.PrivacyPolicy != "https://aurora.example/privacy" || ds.FinalCheck != "clean" {
		t.Errorf("JSON status: %s", js)
	}

	// No oracle: a stranger's page is the user's page.
	norm := func(s, code string) string {
		s = strings.ReplaceAll(s, code, "CODE")
		return regexp.MustCompile(`\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC|"\d{4}-\d\d-\d\dT[^"]+"`).ReplaceAllString(s, "TIME")
	}
	_, strangerPage := getStatus(t, pub, strangerCode, "text/html")
	if norm(page, userCode) != norm(strangerPage, strangerCode) {
		t.Errorf("a connection's page differs from a stranger's:\n%s\n---\n%s", norm(page, userCode), norm(strangerPage, strangerCode))
	}
	_, strangerJS := getStatus(t, pub, strangerCode, "application/json")
	if norm(js, userCode) != norm(strangerJS, strangerCode) {
		t.Errorf("JSON differs:\n%s\n%s", js, strangerJS)
	}
}
