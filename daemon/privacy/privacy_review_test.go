package privacy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// privacyCheck is doctor's privacy line about receipts.
func (e *privEnv) privacyCheck() api.Check {
	e.t.Helper()
	for _, c := range e.s.Health() {
		if c.Name == "privacy" {
			return c
		}
	}
	e.t.Fatal("doctor has no privacy line")
	return api.Check{}
}

// TestReviewFindings: a Meta deletion whose scan finds a leftover is
// "being reviewed" on the status page and in doctor; the operator removes
// the leftover and re-scans (verified, the kept identifiers go), or
// acknowledges another finding with a reason (reviewed); either way
// doctor and the page stop saying it is open.
func TestReviewFindings(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	plantComment(t, e, "main", "bo")
	notes := filepath.Join(e.paths.DataDir, "notes.txt")
	testkit.WriteFile(t, notes, "thanks @bo!\n")
	pub := e.servePublic()
	var ans deletionAnswer
	st, body := postDeletion(t, pub, deletionRequest(e.env["IMPRESS_META_APP_SECRET"], map[string]any{"algorithm": "HMAC-SHA256", "user_id": main.appUserID, "issued_at": e.clock.Now().Unix()}))
	if st != 200 || json.Unmarshal([]byte(body), &ans) != nil {
		t.Fatalf("deletion request: %d %s", st, body)
	}
	code := ans.ConfirmationCode
	rc := e.waitReceipt(code)
	if rc.Verified || rc.Settled() || len(rc.Scan.Findings) != 1 || !strings.Contains(strings.Join(rc.Notes, " "), "impress privacy requests rescan "+code) {
		t.Fatalf("receipt with a leftover: %+v %+v", rc, rc.Scan)
	}
	if c := e.privacyCheck(); c.Status != "WARN" || !strings.Contains(c.Fix, "rescan") || !strings.Contains(c.Fix, "ack") {
		t.Errorf("doctor: %+v", c)
	}
	if _, page := getStatus(t, pub, code, "text/html"); !strings.Contains(page, "still being reviewed") {
		t.Errorf("status page while open:\n%s", page)
	}
	if _, err := e.s.DB.ReceiptSecret(code); err != nil {
		t.Fatalf("an open receipt keeps nothing to re-scan with: %v", err)
	}

	// Re-scan with the leftover still there: still open.
	if rc, err := e.c.RescanRequest(t.Context(), code); err != nil || rc.Verified || len(rc.Scan.Findings) != 1 {
		t.Fatalf("re-scan, leftover kept: %+v, %v", rc, err)
	}
	// Removed: verified, and the identifiers kept for re-scans are gone.
	os.Remove(notes)
	rc, err := e.c.RescanRequest(t.Context(), code)
	if err != nil || !rc.Verified || len(rc.Scan.Findings) != 0 || rc.Scan.At.IsZero() {
		t.Fatalf("re-scan after the fix: %+v, %v", rc, err)
	}
	if _, err := e.s.DB.ReceiptSecret(code); !store.IsNotFound(err) {
		t.Errorf("a verified receipt keeps its identifiers: %v", err)
	}
	if c := e.privacyCheck(); c.Status != "OK" {
		t.Errorf("doctor after the re-scan: %+v", c)
	}
	if _, page := getStatus(t, pub, code, "text/html"); strings.Contains(page, "being reviewed") || !strings.Contains(page, "nothing of it is left") {
		t.Errorf("status page after the re-scan:\n%s", page)
	}
	if _, err := e.c.RescanRequest(t.Context(), code); daemontest.CodeOf(err) != api.CodeInvalid {
		t.Errorf("re-scan of a settled receipt: %v", err)
	}

	// Another purge, another leftover: acknowledged with a reason.
	testkit.WriteFile(t, notes, "dm_friend_boreal was here\n")
	rc, err = e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: "brand"}, nil)
	if err != nil || rc.Verified || len(rc.Scan.Findings) != 1 {
		t.Fatalf("brand's purge: %+v, %v", rc, err)
	}
	for _, bad := range []api.AckRequest{{}, {Reason: "  "}, {Reason: "x", Finding: 2}, {Reason: "two\nlines"}} {
		if _, err := e.c.AckFindings(t.Context(), rc.Code, bad); daemontest.CodeOf(err) != api.CodeInvalid {
			t.Errorf("ack %+v: %v, want exit 2", bad, err)
		}
	}
	got, err := e.c.AckFindings(t.Context(), rc.Code, api.AckRequest{Reason: "my own test note, not from Meta", Finding: 1})
	if err != nil || !got.Reviewed || got.Verified || got.Scan.Findings[0].Acknowledged == nil ||
		got.Scan.Findings[0].Acknowledged.Reason != "my own test note, not from Meta" {
		t.Fatalf("ack: %+v, %v", got, err)
	}
	if _, err := e.s.DB.ReceiptSecret(rc.Code); !store.IsNotFound(err) {
		t.Errorf("a reviewed receipt keeps its identifiers: %v", err)
	}
	if c := e.privacyCheck(); c.Status != "OK" {
		t.Errorf("doctor after the acknowledgement: %+v", c)
	}
	e.restart()
	if got, _ := e.c.PrivacyRequest(t.Context(), rc.Code); !got.Reviewed || !got.Settled() {
		t.Errorf("after a restart: %+v", got)
	}
	receiptClean(t, got, main, brand)
}

// TestPurgeAllRemovesMasterKeyAndSettles: purge --all removes the key
// file and says where it was; an older receipt whose finding was in a
// media-store file --all deleted is scanned again and verified, so doctor stops
// warning; a new login makes a new key.
func TestPurgeAllRemovesMasterKeyAndSettles(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	// A subtitle file in the media store quoting a comment: --all
	// deletes the media store.
	sha := strings.Repeat("d", 64)
	leftover := filepath.Join(e.paths.DataDir, mediastore.Rel(sha, ".srt"))
	testkit.MkdirAll(t, filepath.Dir(leftover))
	testkit.WriteFile(t, leftover, "1\n00:00:00,000 --> 00:00:01,000\n"+main.comment+"\n")
	old, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: "main"}, nil)
	if err != nil || old.Verified {
		t.Fatalf("first purge: %+v, %v", old, err)
	}
	if c := e.privacyCheck(); c.Status != "WARN" {
		t.Fatalf("doctor before --all: %+v", c)
	}
	keyFile := filepath.Join(e.paths.DataDir, "master.key")
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatalf("no key file to remove: %v", err)
	}
	rc, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeAll}, nil)
	if err != nil || !rc.Verified {
		t.Fatalf("--all: %+v, %v", rc, err)
	}
	if rc.MasterKey != "key file <data>/master.key" {
		t.Errorf("receipt says the master key was %q", rc.MasterKey)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("the key file survived --all: %v", err)
	}
	if got, _ := e.c.PrivacyRequest(t.Context(), old.Code); !got.Verified {
		t.Errorf("the older receipt after --all: %+v", got)
	}
	if c := e.privacyCheck(); c.Status != "OK" {
		t.Errorf("doctor after --all: %+v", c)
	}
	receiptClean(t, rc, main, brand)
	// A new login works: a new master key.
	e.login(sandbox.TokenRequest{}, "again")
	if _, err := os.Stat(keyFile); err != nil {
		t.Errorf("no new key file after a new login: %v", err)
	}
}
