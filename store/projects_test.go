package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newClockDB(t *testing.T) (*DB, *clock, string) {
	t.Helper()
	c := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "impress.db")
	db, err := Open(path, Options{LockTimeout: 200 * time.Millisecond, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, c, path
}

func TestProjectCRUD(t *testing.T) {
	db := newTestDB(t)
	p, err := db.CreateProject(Project{Name: "demo", Spec: []byte("version: 1\n"), Assets: []string{"aa"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.CreatedAt.IsZero() {
		t.Errorf("CreateProject = %+v; want an id and a creation time", p)
	}
	if _, err := db.CreateProject(Project{Name: "demo"}); !IsExists(err) {
		t.Errorf("second CreateProject(demo) err = %v, want ErrExists", err)
	}
	got, err := db.Project("demo")
	if err != nil || string(got.Spec) != "version: 1\n" || len(got.Assets) != 1 {
		t.Errorf("Project(demo) = %+v, %v", got, err)
	}
	if _, err := db.Project("nope"); !IsNotFound(err) {
		t.Errorf("Project(nope) err = %v, want ErrNotFound", err)
	}
	if _, err := db.CreateProject(Project{Name: "alpha"}); err != nil {
		t.Fatal(err)
	}
	list, err := db.Projects()
	if err != nil || len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "demo" {
		t.Errorf("Projects() = %+v, %v; want alpha, demo", list, err)
	}
	up, err := db.UpdateProject("demo", func(p *Project) error { p.AddAssets("bb", "aa"); return nil })
	if err != nil || len(up.Assets) != 2 || up.Assets[1] != "bb" {
		t.Errorf("UpdateProject = %+v, %v; want assets [aa bb]", up, err)
	}
	if _, err := db.UpdateProject("nope", func(*Project) error { return nil }); !IsNotFound(err) {
		t.Errorf("UpdateProject(nope) err = %v", err)
	}
	del, err := db.DeleteProject("demo")
	if err != nil || del.Name != "demo" {
		t.Errorf("DeleteProject = %+v, %v", del, err)
	}
	if _, err := db.Project("demo"); !IsNotFound(err) {
		t.Errorf("after delete Project(demo) err = %v", err)
	}
	if _, err := db.DeleteProject("demo"); !IsNotFound(err) {
		t.Errorf("second delete err = %v", err)
	}
	// The name is free again and gets a new id.
	again, err := db.CreateProject(Project{Name: "demo"})
	if err != nil || again.ID == p.ID {
		t.Errorf("re-create = %+v, %v; want a fresh id (old %d)", again, err, p.ID)
	}
}

func TestPutProjectIdempotent(t *testing.T) {
	db, c, _ := newClockDB(t)
	set := func(spec string) func(old, p *Project) error {
		return func(old, p *Project) error {
			p.Spec = []byte(spec)
			p.AddAssets("aa")
			return nil
		}
	}
	p1, created, err := db.PutProject("demo", set("a"))
	if err != nil || !created {
		t.Fatalf("first PutProject = %+v, %v, %v; want created", p1, created, err)
	}
	c.t = c.t.Add(time.Hour)
	p2, created, err := db.PutProject("demo", set("a"))
	if err != nil || created {
		t.Fatalf("second PutProject created=%v err=%v; want an update", created, err)
	}
	if !p2.UpdatedAt.Equal(p1.UpdatedAt) || p2.ID != p1.ID {
		t.Errorf("unchanged apply moved the project: %+v -> %+v", p1, p2)
	}
	c.t = c.t.Add(time.Hour)
	p3, _, err := db.PutProject("demo", set("b"))
	if err != nil || !p3.UpdatedAt.After(p1.UpdatedAt) || string(p3.Spec) != "b" || !p3.CreatedAt.Equal(p1.CreatedAt) {
		t.Errorf("changed apply = %+v, %v; want new spec, new updated_at, same created_at", p3, err)
	}
	boom := errors.New("boom")
	if _, _, err := db.PutProject("demo", func(old, p *Project) error { p.Spec = []byte("c"); return boom }); !errors.Is(err, boom) {
		t.Errorf("aborted PutProject err = %v", err)
	}
	if p, _ := db.Project("demo"); string(p.Spec) != "b" {
		t.Errorf("aborted PutProject changed the spec to %q", p.Spec)
	}
	if _, _, err := db.PutProject("other", func(old, p *Project) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("aborted create err = %v", err)
	}
	if _, err := db.Project("other"); !IsNotFound(err) {
		t.Errorf("aborted create left a project: %v", err)
	}
	// fn sees the old value.
	if _, _, err := db.PutProject("demo", func(old, p *Project) error {
		if old == nil || string(old.Spec) != "b" {
			t.Errorf("old = %+v, want spec b", old)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestProjectsPersistAcrossReopen(t *testing.T) {
	db, _, path := newClockDB(t)
	if _, err := db.CreateProject(Project{Name: "keep", Spec: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.PutMedia(Media{SHA256: "ab", Ext: ".mp4", Kind: "video", Size: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutRender(Render{Key: "k", Path: "/x/k.mp4", Preset: "reels"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if p, err := db2.Project("keep"); err != nil || string(p.Spec) != "x" {
		t.Errorf("after reopen Project = %+v, %v", p, err)
	}
	if m, err := db2.Media("ab"); err != nil || m.Ext != ".mp4" {
		t.Errorf("after reopen Media = %+v, %v", m, err)
	}
	if r, err := db2.Render("k"); err != nil || r.Path != "/x/k.mp4" {
		t.Errorf("after reopen Render = %+v, %v", r, err)
	}
}

func TestMedia(t *testing.T) {
	db := newTestDB(t)
	m := Media{SHA256: "aa11", Ext: ".mp4", Size: 10, Kind: "video", Name: "a.mp4", Source: "/src/a.mp4",
		Probe: json.RawMessage(`{"duration":1}`)}
	got, created, err := db.PutMedia(m)
	if err != nil || !created || got.ImportedAt.IsZero() {
		t.Fatalf("PutMedia = %+v, %v, %v", got, created, err)
	}
	// Same bytes imported from elsewhere keep the first record.
	m2 := m
	m2.Source, m2.Name = "/elsewhere/b.mp4", "b.mp4"
	got2, created, err := db.PutMedia(m2)
	if err != nil || created || got2.Source != "/src/a.mp4" {
		t.Errorf("second PutMedia = %+v, created=%v, %v; want the first record", got2, created, err)
	}
	if r, err := db.Media("aa11"); err != nil || string(r.Probe) != `{"duration":1}` {
		t.Errorf("Media = %+v, %v", r, err)
	}
	if _, err := db.Media("none"); !IsNotFound(err) {
		t.Errorf("Media(none) err = %v", err)
	}
	if _, _, err := db.PutMedia(Media{SHA256: "bb22", Ext: ".jpg", Kind: "image"}); err != nil {
		t.Fatal(err)
	}
	many, err := db.MediaMany([]string{"bb22", "aa11"})
	if err != nil || len(many) != 2 || many[0].SHA256 != "bb22" {
		t.Errorf("MediaMany = %+v, %v", many, err)
	}
	if _, err := db.MediaMany([]string{"aa11", "zz"}); !IsNotFound(err) {
		t.Errorf("MediaMany with a missing hash err = %v", err)
	}
	if _, err := db.CreateProject(Project{Name: "p", Assets: []string{"aa11"}}); err != nil {
		t.Fatal(err)
	}
	un, err := db.UnreferencedMedia()
	if err != nil || len(un) != 1 || un[0].SHA256 != "bb22" {
		t.Errorf("UnreferencedMedia = %+v, %v; want bb22 only", un, err)
	}
	all, err := db.AllMedia()
	if err != nil || len(all) != 2 {
		t.Errorf("AllMedia = %+v, %v", all, err)
	}
	if err := db.DeleteMedia("bb22"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteMedia("bb22"); !IsNotFound(err) {
		t.Errorf("second DeleteMedia err = %v", err)
	}
}

func TestRenders(t *testing.T) {
	db, c, _ := newClockDB(t)
	for i, k := range []string{"k2", "k1", "k3"} {
		c.t = c.t.Add(time.Minute)
		proj := "demo"
		if i == 2 {
			proj = ""
		}
		if _, err := db.PutRender(Render{Key: k, Path: "/r/" + k + ".mp4", Project: proj, Preset: "reels", Size: int64(i),
			Result: json.RawMessage(`{"output":"/r/` + k + `.mp4"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := db.Render("k1")
	if err != nil || r.Project != "demo" || string(r.Result) != `{"output":"/r/k1.mp4"}` {
		t.Errorf("Render(k1) = %+v, %v", r, err)
	}
	if _, err := db.Render("none"); !IsNotFound(err) {
		t.Errorf("Render(none) err = %v", err)
	}
	demo, err := db.Renders("demo")
	if err != nil || len(demo) != 2 || demo[0].Key != "k2" || demo[1].Key != "k1" {
		t.Errorf("Renders(demo) = %+v, %v; want k2, k1 (oldest first)", demo, err)
	}
	all, _ := db.Renders("")
	if len(all) != 3 {
		t.Errorf("Renders(\"\") has %d entries, want 3", len(all))
	}
	if err := db.DeleteRender("k1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteRender("k1"); !IsNotFound(err) {
		t.Errorf("second DeleteRender err = %v", err)
	}
}

// ProjectsWithMedia reads the projects in name order and the media their
// assets name, each record once; an asset without a record is left out.
func TestProjectsWithMedia(t *testing.T) {
	db := newTestDB(t)
	a, b := strings.Repeat("a", 64), strings.Repeat("b", 64)
	for _, m := range []Media{{SHA256: a, Ext: ".mp4", Kind: "video", Size: 10}, {SHA256: b, Ext: ".jpg", Kind: "image", Size: 20}} {
		if _, _, err := db.PutMedia(m); err != nil {
			t.Fatal(err)
		}
	}
	gone := strings.Repeat("c", 64)
	for _, p := range []Project{{Name: "zeta", Assets: []string{a}}, {Name: "alpha", Assets: []string{a, b, gone}}, {Name: "empty"}} {
		if _, err := db.CreateProject(p); err != nil {
			t.Fatal(err)
		}
	}
	ps, media, err := db.ProjectsWithMedia()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "alpha,empty,zeta" || len(ps[0].Assets) != 3 {
		t.Errorf("projects %v (alpha's assets %v)", names, ps[0].Assets)
	}
	if len(media) != 2 || media[a].Size != 10 || media[b].Ext != ".jpg" {
		t.Errorf("media %+v, want the two records", media)
	}
	if _, ok := media[gone]; ok {
		t.Error("a missing record is in the map")
	}
}
