package privacy

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// readZip returns every entry's uncompressed bytes.
func readZip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

func assertNoToken(t *testing.T, raw []byte, entries map[string][]byte, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		if bytes.Contains(raw, []byte(tok)) {
			t.Errorf("the zip's bytes hold a token")
		}
		for name, b := range entries {
			if bytes.Contains(b, []byte(tok)) {
				t.Errorf("%s holds a token", name)
			}
		}
	}
}

func TestExport(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	ctx := t.Context()
	sha := strings.Repeat("e", 64)
	mpath := filepath.Join(e.paths.DataDir, mediastore.Rel(sha, ".mp4"))
	testkit.MkdirAll(t, filepath.Dir(mpath))
	testkit.WriteFile(t, mpath, "the media bytes")
	e.s.DB.PutMedia(store.Media{SHA256: sha, Ext: ".mp4", Kind: "video", Name: "holiday.mp4"})
	e.s.DB.CreateProject(store.Project{Name: "trip", Spec: []byte("version: 1\nname: trip\n"), Assets: []string{sha}})
	e.s.DB.UpdateAccount(func(a *store.Account) { a.Email = "me@example.com" })

	// One connection: its data, none of the other's, no token.
	var buf bytes.Buffer
	n, err := e.c.Export(ctx, api.ExportRequest{Connection: "main"}, &buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("export: %d, %v", n, err)
	}
	entries := readZip(t, buf.Bytes())
	for name, want := range map[string]string{
		"connections/main/connection.json":      main.username,
		"connections/main/comments.json":        main.comment,
		"connections/main/messages.json":        main.message,
		"connections/main/events.json":          main.eventText,
		"connections/main/publish_records.json": main.caption,
	} {
		if !bytes.Contains(entries[name], jsonForm(want)) {
			t.Errorf("%s lacks %q:\n%s", name, want, entries[name])
		}
	}
	if _, ok := entries["README.txt"]; !ok {
		t.Error("no README.txt")
	}
	for name, b := range entries {
		if strings.Contains(name, "brand") || bytes.Contains(b, []byte(brand.comment)) {
			t.Errorf("the export of main holds brand's data in %s", name)
		}
	}
	if _, ok := entries["account.json"]; ok {
		t.Error("a connection's export holds the account profile")
	}
	assertNoToken(t, buf.Bytes(), entries, main.token, brand.token)

	// Everything, with and without media.
	buf.Reset()
	if _, err := e.c.Export(ctx, api.ExportRequest{}, &buf); err != nil {
		t.Fatal(err)
	}
	entries = readZip(t, buf.Bytes())
	for _, name := range []string{"connections/main/comments.json", "connections/brand/comments.json", "account.json",
		"projects/trip.json", "projects/trip.spec.yaml", "media/index.json", "media/" + sha + ".mp4", "privacy/retention.json", "privacy/receipts.json"} {
		if _, ok := entries[name]; !ok {
			t.Errorf("full export lacks %s", name)
		}
	}
	if string(entries["media/"+sha+".mp4"]) != "the media bytes" {
		t.Error("media file not exported as is")
	}
	assertNoToken(t, buf.Bytes(), entries, main.token, brand.token)
	buf.Reset()
	if _, err := e.c.Export(ctx, api.ExportRequest{NoMedia: true}, &buf); err != nil {
		t.Fatal(err)
	}
	entries = readZip(t, buf.Bytes())
	if _, ok := entries["media/"+sha+".mp4"]; ok {
		t.Error("--no-media exported the media file")
	}
	if !bytes.Contains(entries["media/index.json"], []byte("holiday.mp4")) {
		t.Error("--no-media lost the media index")
	}
	if _, err := e.c.Export(ctx, api.ExportRequest{Connection: "nobody"}, &buf); daemontest.CodeOf(err) != api.CodeNotFound {
		t.Errorf("export of an unknown connection: %v", err)
	}
}

// TestExportRefusesATokenInAnyField: a value that happens to carry a
// token (here a cached comment whose text is the token) fails the export
// instead of leaking it.
func TestExportRefusesATokenInAnyField(t *testing.T) {
	e := newPrivEnv(t)
	main, _ := plantTwo(e)
	dk, err := e.s.accounts.ConnKey(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := records.Seal(dk, records.FieldComment, records.Comment{ID: "1", MediaID: "2", Text: "my token is " + main.token})
	if err := e.s.DB.PutComments("main", []store.CommentEntry{{MediaID: "2", CommentID: "1", Blob: store.Blob{At: e.clock.Now(), Data: sealed}}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = e.c.Export(t.Context(), api.ExportRequest{Connection: "main"}, &buf)
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("export with a token inside: %v", err)
	}
	if bytes.Contains(buf.Bytes(), []byte(main.token)) {
		t.Error("the token reached the client")
	}
}

// TestExportEachFileOnceWithDates: a render that a publish record sent
// is in the zip once (not under media/ and media/renders/), and every
// entry has a real modification time: the file's own for media, the
// project's for its spec, the export's for generated files (not 1980).
func TestExportEachFileOnceWithDates(t *testing.T) {
	e := newPrivEnv(t)
	e.login(sandbox.TokenRequest{}, "main")
	ctx := t.Context()
	renders := mediastore.RendersDir(e.paths.DataDir)
	testkit.MkdirAll(t, renders)
	video, cover := filepath.Join(renders, "k1.mp4"), filepath.Join(renders, "k1.jpg")
	testkit.WriteFile(t, video, "rendered video bytes")
	testkit.WriteFile(t, cover, "cover bytes")
	fileTime := time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)
	os.Chtimes(video, fileTime, fileTime)
	if _, err := e.s.DB.PutRender(store.Render{Key: "k1", Path: video, Cover: cover, Project: "trip"}); err != nil {
		t.Fatal(err)
	}
	e.s.DB.CreateProject(store.Project{Name: "trip", Spec: []byte("version: 1\nname: trip\n")})
	detail, _ := json.Marshal(api.PublishDetail{State: api.PubPublished, Connection: "main", Type: "reel",
		Items: []api.PublishItem{{Source: "trip", SourceKind: "project", File: video}}})
	if _, err := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobDone, Conn: "main", Detail: detail}, false); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := e.c.Export(ctx, api.ExportRequest{}, &buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, f := range zr.File {
		if f.Modified.Year() < 2000 {
			t.Errorf("%s is dated %s", f.Name, f.Modified)
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) == "rendered video bytes" {
			copies++
			if f.Name != "media/renders/k1.mp4" || !f.Modified.Equal(fileTime) {
				t.Errorf("the render is %s dated %s, want media/renders/k1.mp4 dated %s", f.Name, f.Modified, fileTime)
			}
		}
	}
	if copies != 1 {
		t.Errorf("the render is in the zip %d times, want once", copies)
	}
}
