package privacy

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
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
