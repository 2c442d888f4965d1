package privacy

import (
	"bytes"
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

// plantTwo logs in two connections — "main" (Instagram Login, the sandbox
// creator) and "brand" (Facebook Login, the solo user) — and plants
// distinctive strings in both.
func plantTwo(e *privEnv) (main, brand planted) {
	main = e.plant(sandbox.TokenRequest{}, "main", "aurora")
	brand = e.plant(sandbox.TokenRequest{Flavour: "facebook", User: sandbox.FBSoloID}, "brand", "boreal")
	return main, brand
}

func TestPurgeConnectionLeavesNoTrace(t *testing.T) {
	for _, tc := range []struct {
		purge, keep string
		revoked     string
		tokens      int
	}{
		{purge: "brand", keep: "main", revoked: "revoked", tokens: 2}, // user and Page token
		{purge: "main", keep: "brand", revoked: "not_supported", tokens: 1},
	} {
		t.Run(tc.purge, func(t *testing.T) {
			e := newPrivEnv(t)
			main, brand := plantTwo(e)
			gone, kept := main, brand
			if tc.purge == "brand" {
				gone, kept = brand, main
			}
			// The planted strings are really in the files before (the log in
			// clear; account ids and captions in the store): the byte check
			// below can fail.
			files := e.homeFiles()
			for _, v := range []string{gone.logText, gone.accountID, gone.caption} {
				found := false
				for _, data := range files {
					found = found || bytes.Contains(data, jsonForm(v))
				}
				if !found {
					t.Fatalf("%q is nowhere before the purge: the test proves nothing", v)
				}
			}

			plan, err := e.c.PurgePlan(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: gone.conn})
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]int{cntConnections: 1, cntTokens: tc.tokens, cntComments: 1, cntThreads: 1, cntEvents: 1, cntPublish: bulkJobs, cntDataKeys: 1} {
				if plan.Counts[k] != want {
					t.Errorf("dry run %s = %d, want %d (%v)", k, plan.Counts[k], want, plan.Counts)
				}
			}
			if plan.Counts[cntLogLines] < 2 || plan.Identifiers < 10 {
				t.Errorf("dry run: %+v", plan)
			}
			// A dry run changes nothing.
			if _, err := e.s.DB.Conn(gone.conn); err != nil {
				t.Fatalf("dry run deleted: %v", err)
			}

			var steps []string
			rc, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: gone.conn}, func(ev api.PurgeEvent) error {
				steps = append(steps, ev.Step)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !rc.Verified || rc.Status != api.RequestDone || rc.Scan == nil || len(rc.Scan.Findings) != 0 {
				t.Fatalf("receipt: %+v", rc)
			}
			if rc.Scan.Files < 3 || rc.Scan.Identifiers < 10 {
				t.Errorf("scan looked at too little: %+v", rc.Scan)
			}
			if rc.Counts[cntComments] != 1 || rc.Counts[cntEvents] != 1 || rc.Counts[cntLogLines] < 2 {
				t.Errorf("receipt counts: %v", rc.Counts)
			}
			if len(rc.Revocation) != 1 || rc.Revocation[0].Outcome != tc.revoked {
				t.Errorf("revocation: %+v, want %s", rc.Revocation, tc.revoked)
			}
			if len(steps) < 2 || steps[len(steps)-1] != api.PurgeDone {
				t.Errorf("progress steps: %v", steps)
			}
			receiptClean(t, rc, main, brand)

			e.assertGone(gone)
			e.assertIntact(kept)
			if _, err := e.s.DB.Conn(gone.conn); err == nil {
				t.Error("the purged connection is still there")
			}

			// The receipt is kept, listed, and survives a restart.
			e.restart()
			list, err := e.c.PrivacyRequests(t.Context())
			if err != nil || len(list) != 1 || list[0].Code != rc.Code || !list[0].Verified {
				t.Fatalf("requests = %+v, %v", list, err)
			}
			receiptClean(t, list, main, brand)
			e.assertGone(gone)
			e.assertIntact(kept)
		})
	}
}

func TestPurgeScopesAndRefusals(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	ctx := t.Context()
	for _, tc := range []struct {
		req  api.PurgeRequest
		code api.Code
	}{
		{api.PurgeRequest{Scope: api.ScopeConnection, Connection: "nobody"}, api.CodeNotFound},
		{api.PurgeRequest{Scope: api.ScopeProject, Project: "nothing"}, api.CodeNotFound},
		{api.PurgeRequest{Scope: "everything"}, api.CodeInvalid},
		{api.PurgeRequest{Scope: api.ScopeConnection}, api.CodeInvalid},
	} {
		if _, err := e.c.PurgePlan(ctx, tc.req); daemontest.CodeOf(err) != tc.code {
			t.Errorf("plan %+v: %v, want %s", tc.req, err, tc.code)
		}
		if _, err := e.c.Purge(ctx, tc.req, nil); daemontest.CodeOf(err) != tc.code {
			t.Errorf("purge %+v: %v, want %s", tc.req, err, tc.code)
		}
	}
	if _, err := e.s.DB.UpdateAccount(func(a *store.Account) { a.Email = "owner-canary@example.com"; a.Company = "Canary Works Ltd" }); err != nil {
		t.Fatal(err)
	}
	rc, err := e.c.Purge(ctx, api.PurgeRequest{Scope: api.ScopeAccount}, nil)
	if err != nil || !rc.Verified || rc.Counts[cntAccount] != 1 {
		t.Fatalf("account purge: %+v, %v", rc, err)
	}
	for path, data := range e.homeFiles() {
		if bytes.Contains(data, []byte("owner-canary@example.com")) || bytes.Contains(data, []byte("Canary Works Ltd")) {
			t.Errorf("account profile still in %s", path)
		}
	}
	e.assertIntact(main)

	// --meta: every connection, and nothing of either is left.
	rc, err = e.c.Purge(ctx, api.PurgeRequest{Scope: api.ScopeMeta}, nil)
	if err != nil || !rc.Verified || rc.Counts[cntConnections] != 2 || len(rc.Revocation) != 2 {
		t.Fatalf("meta purge: %+v, %v", rc, err)
	}
	e.assertGone(main)
	e.assertGone(brand)
	receiptClean(t, rc, main, brand)
	if list, _ := e.c.PrivacyRequests(ctx); len(list) != 2 {
		t.Errorf("requests after two purges: %d", len(list))
	}
}

// TestPurgeProject covers --project: the project, the media only it holds
// (files too), its renders and publish records go; a medium another
// project shares stays.
func TestPurgeProject(t *testing.T) {
	e := newPrivEnv(t)
	ctx := t.Context()
	mk := func(name string, contents ...string) []string {
		var shas []string
		for _, c := range contents {
			sha := strings.Repeat(c[:1], 64)
			path := filepath.Join(e.paths.DataDir, mediastore.Rel(sha, ".mp4"))
			testkit.MkdirAll(t, filepath.Dir(path))
			testkit.WriteFile(t, path, "media bytes of "+c)
			if _, _, err := e.s.DB.PutMedia(store.Media{SHA256: sha, Ext: ".mp4", Kind: "video", Name: c + ".mp4", Size: 10}); err != nil {
				t.Fatal(err)
			}
			shas = append(shas, sha)
		}
		spec := "version: 1\nname: " + name + "\ntexts:\n  - text: \"overlay canary of " + name + "\"\n  - text: common tagline\n"
		if _, err := e.s.DB.CreateProject(store.Project{Name: name, Spec: []byte(spec), Assets: shas}); err != nil {
			t.Fatal(err)
		}
		return shas
	}
	mk("secretproj", "xclusive_holiday", "shared_intro")
	mk("keptproj", "shared_intro", "kept_outro")
	render := filepath.Join(e.paths.DataDir, "renders", "r1.mp4")
	testkit.MkdirAll(t, filepath.Dir(render))
	testkit.WriteFile(t, render, "rendered")
	if _, err := e.s.DB.PutRender(store.Render{Key: "r1", Path: render, Project: "secretproj", Preset: "reels"}); err != nil {
		t.Fatal(err)
	}
	rc, err := e.c.Purge(ctx, api.PurgeRequest{Scope: api.ScopeProject, Project: "secretproj"}, nil)
	if err != nil || !rc.Verified {
		t.Fatalf("project purge: %+v, %+v, %v", rc, rc.Scan, err)
	}
	if rc.Counts[cntProjects] != 1 || rc.Counts[cntMedia] != 1 || rc.Counts[cntRenders] != 1 || rc.Counts[cntFiles] != 2 {
		t.Errorf("counts: %v", rc.Counts)
	}
	if _, err := os.Stat(render); !os.IsNotExist(err) {
		t.Errorf("render file kept: %v", err)
	}
	for path, data := range e.homeFiles() {
		for _, v := range []string{"xclusive_holiday", "overlay canary of secretproj", "media bytes of xclusive"} {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%q still in %s", v, path)
			}
		}
	}
	if _, err := e.s.DB.Project("keptproj"); err != nil {
		t.Errorf("other project: %v", err)
	}
	if _, err := e.s.DB.Media(strings.Repeat("s", 64)); err != nil {
		t.Errorf("shared medium deleted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.paths.DataDir, mediastore.Rel(strings.Repeat("s", 64), ".mp4"))); err != nil {
		t.Errorf("shared medium's file deleted: %v", err)
	}
	if rc.Scan.Shared == 0 {
		t.Errorf("the text both projects hold should count as shared: %+v", rc.Scan)
	}
}

func TestPurgeAll(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	testkit.MkdirAll(t, filepath.Join(e.paths.DataDir, "renders", "tmp"))
	testkit.WriteFile(t, filepath.Join(e.paths.DataDir, "renders", "tmp", "partial.mp4"), "partial "+main.caption)
	rc, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeAll}, nil)
	if err != nil || !rc.Verified {
		t.Fatalf("purge --all: %+v, %v", rc, err)
	}
	e.assertGone(main)
	e.assertGone(brand)
	if _, err := os.Stat(filepath.Join(e.paths.DataDir, "renders")); !os.IsNotExist(err) {
		t.Errorf("renders dir kept: %v", err)
	}
	if st, err := e.c.AuthStatus(t.Context()); err == nil && len(st.Connections) != 0 {
		t.Errorf("connections after --all: %+v", st.Connections)
	}
	// The daemon keeps working afterwards.
	e.login(sandbox.TokenRequest{}, "again")
}

// TestReceiptNamesNoIdentifierWhenSomethingRemains makes the scan find
// something (a file the purge does not own that quotes a purged
// identifier) and checks the receipt says so without quoting it.
func TestReceiptNamesNoIdentifierWhenSomethingRemains(t *testing.T) {
	e := newPrivEnv(t)
	main, _ := plantTwo(e)
	stray := filepath.Join(e.paths.DataDir, "notes-"+main.commenter+".txt")
	testkit.WriteFile(t, stray, "someone copied "+main.comment)
	rc, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: "main"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Verified || rc.Scan == nil || len(rc.Scan.Findings) == 0 {
		t.Fatalf("receipt with a stray copy: %+v", rc)
	}
	raw, _ := json.Marshal(rc)
	if bytes.Contains(raw, []byte(main.commenter)) || bytes.Contains(raw, []byte(main.comment)) {
		t.Errorf("receipt quotes what it found: %s", raw)
	}
	kinds := map[string]bool{}
	for _, f := range rc.Scan.Findings {
		kinds[f.Kind] = true
		if !strings.HasPrefix(f.File, "data/notes-") {
			t.Errorf("finding in %s", f.File)
		}
	}
	if !kinds[idText] || !kinds[idUsername] {
		t.Errorf("findings: %+v", rc.Scan.Findings)
	}
	// doctor says so.
	hs := e.s.Health()
	if len(hs) != 1 || hs[0].Status != "WARN" || !strings.Contains(hs[0].Detail, "1 purge receipt(s) not verified") {
		t.Errorf("privacy health: %+v", hs)
	}
}
