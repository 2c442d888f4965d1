package privacy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// TestPurgeSaysWhatElseGoes: a purge that covers a scheduled post, a
// queued one and a published one says, in the dry run and in the receipt,
// that it cancels the first two (with the time the next was due) and that
// the third stays on Instagram; nothing personal is in either.
func TestPurgeSaysWhatElseGoes(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	ctx := t.Context()
	due := e.clock.Now().Add(2 * time.Hour).UTC()
	later := due.Add(24 * time.Hour)
	for _, at := range []*time.Time{&due, &later, nil} {
		d, _ := json.Marshal(api.PublishDetail{State: api.PubQueued, Connection: "main", Type: "reel", Caption: main.caption, At: at})
		if _, err := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobQueued, Conn: "main", Title: "publish", Detail: d}, false); err != nil {
			t.Fatal(err)
		}
	}
	// brand's scheduled post is not main's purge's business.
	d, _ := json.Marshal(api.PublishDetail{State: api.PubQueued, Connection: "brand", Type: "reel", At: &due})
	e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobQueued, Conn: "brand", Title: "publish", Detail: d}, false)

	want := map[string]api.PurgeEffect{
		api.EffectScheduledPosts: {Kind: api.EffectScheduledPosts, Action: api.EffectCancelled, Count: 2, Next: due},
		api.EffectQueuedPosts:    {Kind: api.EffectQueuedPosts, Action: api.EffectCancelled, Count: 1},
		api.EffectPublishedPosts: {Kind: api.EffectPublishedPosts, Action: api.EffectKept, Count: 1},
	}
	check := func(what string, fx []api.PurgeEffect) {
		t.Helper()
		if len(fx) != len(want) || fx[0].Action != api.EffectCancelled {
			t.Fatalf("%s effects: %+v", what, fx)
		}
		for _, f := range fx {
			w, ok := want[f.Kind]
			if !ok || f.Action != w.Action || f.Count != w.Count || !f.Next.Equal(w.Next) || f.Note == "" {
				t.Errorf("%s effect %+v, want %+v", what, f, w)
			}
		}
	}
	plan, err := e.c.PurgePlan(ctx, api.PurgeRequest{Scope: api.ScopeConnection, Connection: "main"})
	if err != nil {
		t.Fatal(err)
	}
	check("dry run", plan.Effects)
	receiptClean(t, plan, main, brand)
	rc, err := e.c.Purge(ctx, api.PurgeRequest{Scope: api.ScopeConnection, Connection: "main"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("receipt", rc.Effects)
	receiptClean(t, rc, main, brand)
	e.restart()
	if got, err := e.c.PrivacyRequest(ctx, rc.Code); err != nil {
		t.Fatal(err)
	} else {
		check("stored receipt", got.Effects)
	}
	jobs, _ := e.s.DB.Jobs(api.JobPublish)
	for _, j := range jobs {
		if j.Conn == "main" {
			t.Errorf("main's job %d survived the purge", j.ID)
		}
	}
}

// TestRemovedConnectionIsExplained: after Meta's deletion request purged
// a connection, `auth status` and doctor say when and why, with the code
// and the command to connect again, instead of "no connection yet"; the
// record holds nothing of the account. A CLI purge is explained too, and
// logging in again under the name ends the explanation.
func TestRemovedConnectionIsExplained(t *testing.T) {
	e := newPrivEnv(t)
	main, brand := plantTwo(e)
	pub := e.servePublic()
	secret := e.env["IMPRESS_META_APP_SECRET"]
	signed := deletionRequest(secret, map[string]any{"algorithm": "HMAC-SHA256", "user_id": main.appUserID, "issued_at": e.clock.Now().Unix()})
	var ans deletionAnswer
	if st, body := postDeletion(t, pub, signed); st != 200 || json.Unmarshal([]byte(body), &ans) != nil {
		t.Fatalf("deletion request: %d %s", st, body)
	}
	e.waitReceipt(ans.ConfirmationCode)
	st, err := e.c.AuthStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Removed) != 1 {
		t.Fatalf("auth status after Meta's deletion request: %+v", st)
	}
	r := st.Removed[0]
	if r.Connection != "main" || r.Reason != api.RemovedByMetaDeletion || r.Code != ans.ConfirmationCode ||
		r.Fix != "impress auth login --connection main" || !strings.Contains(r.Message, "data deletion request from Meta") ||
		!strings.Contains(r.Message, ans.ConfirmationCode) || r.At.IsZero() {
		t.Errorf("removal: %+v", r)
	}
	for _, v := range []string{main.username, main.accountID, main.appUserID} {
		if strings.Contains(mustJSON(st.Removed), v) {
			t.Errorf("the removal record holds %q", v)
		}
	}
	found := false
	for _, c := range e.s.accounts.(interface{ Health() []api.Check }).Health() {
		if c.Name == "connection main" {
			found = true
			if c.Status != "WARN" || !strings.Contains(c.Detail, ans.ConfirmationCode) || !strings.Contains(c.Fix, "impress auth login --connection main") {
				t.Errorf("doctor: %+v", c)
			}
		}
	}
	if !found {
		t.Error("doctor says nothing about the removed connection")
	}

	// A purge from the CLI is explained as such.
	rc, err := e.c.Purge(t.Context(), api.PurgeRequest{Scope: api.ScopeConnection, Connection: "brand"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ = e.c.AuthStatus(t.Context())
	if len(st.Removed) != 2 || st.Removed[0].Connection != "brand" && st.Removed[1].Connection != "brand" {
		t.Fatalf("after purging brand: %+v", st.Removed)
	}
	for _, r := range st.Removed {
		if r.Connection == "brand" && (r.Reason != api.RemovedByPurge || r.Code != rc.Code) {
			t.Errorf("brand's removal: %+v", r)
		}
	}
	_ = brand

	// Connected again: the explanation goes.
	e.login(sandbox.TokenRequest{}, "main")
	st, _ = e.c.AuthStatus(t.Context())
	if len(st.Removed) != 1 || st.Removed[0].Connection != "brand" {
		t.Errorf("after logging in as main again: %+v", st.Removed)
	}
}
