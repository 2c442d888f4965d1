package privacy

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/store"
)

// TestWords: whole words only, never inside base64 or a longer word or a
// UTF-8 letter; at a chunk's open edges nothing is decided.
func TestWords(t *testing.T) {
	var w words
	w.add("bo", 0)
	w.add("ann", 1)
	for _, tc := range []struct {
		text string
		want []int32
	}{
		{"thanks @bo!", []int32{0}},
		{`{"username":"bo"}`, []int32{0}},
		{"bo", []int32{0}},
		{"ann and bo", []int32{1, 0}},
		{"bob boa abo", nil},
		{"AAbo+/xx==", nil},    // base64
		{"Jo/bo/x", nil},       // a path or base64: '/' joins
		{"anné", nil},          // a UTF-8 letter joins
		{"bo_x x_bo 2bo", nil}, // '_' and digits join
		{"line\nbo\n", []int32{0}},
	} {
		var got []int32
		w.each([]byte(tc.text), false, false, func(id int32, _, _ int) bool { got = append(got, id); return true })
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.text, got, tc.want)
		}
	}
	var got []int32
	w.each([]byte("bo x bo"), true, true, func(id int32, _, _ int) bool { got = append(got, id); return true })
	if len(got) != 0 {
		t.Errorf("words at open edges were decided: %v", got)
	}
}

// TestWordsWhereDataCanBe: in JSON, values count, keys and impress's own
// vocabulary do not; in YAML, values count, keys do not.
func TestWordsWhereDataCanBe(t *testing.T) {
	var w words
	w.add("done", 0)
	w.add("events", 1)
	for _, tc := range []struct {
		line  string
		found bool
		key   string
	}{
		{`{"time":"x","level":"INFO","msg":"privacy: purge step done","step":"done","state":"done"}`, false, ""},
		{`{"msg":"comment cached","username":"done"}`, true, "username"},
		{`{"msg":"x","events":3,"events_dropped":"no"}`, false, ""},
		{`{"msg":"x","attrs":{"text":"all done now"}}`, true, "text"},
		{`{"msg":"x","collaborators":["a","events"]}`, true, "collaborators"},
		{`panic: done` + "\n", true, ""},                      // not JSON: anywhere
		{`{"msg":"x","text":"line one\ndone"}`, true, "text"}, // found once the escape is decoded
	} {
		_, key, found := w.inLogLine([]byte(tc.line))
		if found != tc.found || key != tc.key {
			t.Errorf("%s: found %v in %q, want %v in %q", tc.line, found, key, tc.found, tc.key)
		}
	}
	if _, _, found := w.inYAML([]byte("events:\n  done: 3\n")); found {
		t.Error("YAML keys counted")
	}
	if _, key, found := w.inYAML([]byte("daemon:\n  public_url: https://x.example done\n")); !found || key != "daemon.public_url" {
		t.Errorf("YAML value: %v %q", found, key)
	}
}

// TestScannerClasses: what is looked for where. A 6-digit id is not
// looked for in media bytes (it occurs there by chance) but is in text; a
// caption is found in a media file's metadata; a number inside a longer
// number is another number.
func TestScannerClasses(t *testing.T) {
	sc := newScanner([]scanID{{idAccount, "218471"}, {idCaption, "summer sale caption"}, {idToken, "IGQVJtoken0123456789"},
		{idUsername, "bo"}, {idText, "ok"}, {idUsername, "x"}})
	if len(sc.kinds) != 4 {
		t.Errorf("looked for %d identifiers, want 4 (free text under 6 bytes and 1-byte values are too short)", len(sc.kinds))
	}
	if !sc.contains([]byte(`{"user_id":"218471"}`)) || sc.contains([]byte(`{"id":"92184710"}`)) {
		t.Error("numbers: a whole one must match, one inside a longer number must not")
	}
	if sc.media.contains([]byte("\x00\x01218471\x02")) || sc.media.contains([]byte("IGQVJtoken0123456789")) {
		t.Error("ids or tokens looked for in media payloads")
	}
	if !sc.media.contains([]byte("\x00\x00\x00\x1d\xa9cmt\x00summer sale caption\x00")) {
		t.Error("a caption in media metadata not found")
	}
	if got := sc.mask("rev failed for bo: token IGQVJtoken0123456789 of 218471"); got != "rev failed for …: token … of …" {
		t.Errorf("mask: %q", got)
	}
}

// TestScanFindsShortIDsAndConfig: the purge of a connection whose
// commenter is "bo" (too short to look for on today's main) and whose
// account id was pasted into the config file finds both leftovers, with
// the file and where in it; impress's own words ("done" in every log
// line and record) are no finding.
func TestScanFindsShortIDsAndConfig(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	plantComment(t, e, "main", "bo")
	plantComment(t, e, "main", "done")
	notes := filepath.Join(e.paths.DataDir, "notes.txt")
	testkit.WriteFile(t, notes, "first line\nthanks @bo!\n")
	testkit.WriteFile(t, e.paths.ConfigFile, "daemon:\n  public_url: https://impress.example/u/"+main.accountID+"\n")
	e.s.Log.Info("privacy: purge step done", "step", "done")

	rc, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: "main"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]api.ScanFinding{
		"data/notes.txt":     {Kind: idUsername, Context: "line 2"},
		"config/config.yaml": {Kind: idAccount, Context: "line 2"},
	}
	if rc.Verified || rc.Scan == nil || len(rc.Scan.Findings) != len(want) {
		t.Fatalf("receipt %+v, findings %+v", rc, rc.Scan)
	}
	for _, f := range rc.Scan.Findings {
		w, ok := want[f.File]
		if !ok || f.Kind != w.Kind || f.Context != w.Context {
			t.Errorf("finding %+v, want %+v", f, want)
		}
	}
	receiptClean(t, rc, main, brand)
	if strings.Contains(mustJSON(rc), `"bo"`) {
		t.Error("the receipt holds the short username")
	}
}

// TestScanNoFalseFindingInMedia: a deletion request for a stranger whose
// 6-digit id happens to be in the bytes of an imported video is verified
// (on today's main the scan "found" it there); the same id left in a log
// is found.
func TestScanNoFalseFindingInMedia(t *testing.T) {
	e := newPrivEnv(t)
	plantTwo(e)
	video := make([]byte, 256<<10)
	rand.Read(video)
	copy(video[1000:], "\x00\x00avc1218471\x00")
	copy(video[90000:], "218471")
	sha := strings.Repeat("c", 64)
	p := filepath.Join(e.paths.DataDir, mediastore.Rel(sha, ".mov"))
	testkit.MkdirAll(t, filepath.Dir(p))
	testkit.WriteFile(t, p, video)
	e.s.DB.PutMedia(store.Media{SHA256: sha, Ext: ".mov", Kind: "video", Name: "holiday.mov"})

	pub := e.servePublic()
	ask := func(user string) *api.Receipt {
		var ans deletionAnswer
		st, body := postDeletion(t, pub, deletionRequest(e.env["IMPRESS_META_APP_SECRET"], map[string]any{"algorithm": "HMAC-SHA256", "user_id": user, "issued_at": e.clock.Now().Unix()}))
		if st != 200 || json.Unmarshal([]byte(body), &ans) != nil {
			t.Fatalf("deletion request: %d %s", st, body)
		}
		return e.waitReceipt(ans.ConfirmationCode)
	}
	if rc := ask("218471"); !rc.Verified || rc.Scan.Identifiers != 1 {
		t.Errorf("a stranger's id inside video bytes: %+v %+v", rc, rc.Scan)
	}
	testkit.WriteFile(t, filepath.Join(e.paths.StateDir, "crash.txt"), "started\nuser 518472 asked\n")
	if rc := ask("518472"); rc.Verified || len(rc.Scan.Findings) != 1 || rc.Scan.Findings[0].File != "state/crash.txt" ||
		rc.Scan.Findings[0].Context != "line 2" {
		t.Errorf("an id left in a text file: %+v", rc.Scan)
	}
}

// plantComment caches a comment on conn by a commenter named user.
func plantComment(t *testing.T, e *privEnv, conn, user string) {
	t.Helper()
	dk, err := e.s.accounts.ConnKey(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	id := "1790" + base64.RawURLEncoding.EncodeToString([]byte(user))
	c := records.Comment{ID: id, MediaID: "18000000000000009", Text: "a comment by " + user, Username: user}
	sealed, err := records.Seal(dk, records.FieldComment, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.DB.PutComments(conn, []store.CommentEntry{{MediaID: c.MediaID, CommentID: c.ID, Blob: store.Blob{At: e.clock.Now(), Data: sealed}}}); err != nil {
		t.Fatal(err)
	}
}
