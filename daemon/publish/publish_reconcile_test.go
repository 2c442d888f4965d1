package publish

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
)

// Reconciliation (issue 12): several runners, each its own home (store,
// daemon), publish to one sandbox account; what counts is what is live
// there.

// runBatch runs a manifest run on this runner (daemontest.RunBatch).
func (e *pubEnv) runBatch(reqs []api.PublishRequest, others ...api.PublishRequest) (*api.ReconcileAnswer, []*api.Job) {
	e.t.Helper()
	return daemontest.RunBatch(e.t, e.c, reqs, others...)
}

// liveWith counts the posts live on the account with that exact caption.
func (e *pubEnv) liveWith(caption string) int {
	e.t.Helper()
	live, err := e.sb.Live(sandbox.IGCreatorID)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, m := range live {
		if m.Caption == caption {
			n++
		}
	}
	return n
}

func (e *pubEnv) liveCount() int {
	e.t.Helper()
	live, err := e.sb.Live("")
	if err != nil {
		e.t.Fatal(err)
	}
	return len(live)
}

// countGET counts the account listings (GET …/media) that reach the sandbox.
type countGET struct {
	h     http.Handler
	lists atomic.Int64
}

func (c *countGET) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/media") {
		c.lists.Add(1)
	}
	c.h.ServeHTTP(w, r)
}

func outcomes(ans *api.ReconcileAnswer) []string {
	var out []string
	for _, v := range ans.Items {
		out = append(out, v.Outcome)
	}
	return out
}

// TestReconcileFreshRunnerFindsTheBatchLive: a batch of every type is
// published by one runner; a second runner on a fresh home, same account,
// finds every listable item live with one listing, records it (so its own
// re-run says reused) and posts nothing — except the story, which cannot
// be listed and is published again (the documented limit).
func TestReconcileFreshRunnerFindsTheBatchLive(t *testing.T) {
	r1 := newPubEnv(t, pubOpts{flavour: "instagram"})
	dir := t.TempDir()
	reel := daemontest.ReelClip(t, dir, "reel.mp4", 3*time.Second)
	img := ffmpegtest.ImageFile(t, 80, 64, filepath.Join(dir, "a.jpg"))
	img2 := ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "b.jpg"))
	batch := []api.PublishRequest{
		{Targets: []string{reel}, Caption: daemontest.Strp("Monday\n\ndrop #new"), Key: "monday"},
		{Targets: []string{img}, Caption: daemontest.Strp("One picture")},
		{Targets: []string{img, img2}, Caption: daemontest.Strp("Two pictures")},
		{Targets: []string{reel}, Type: api.PublishStory},
	}
	ans, jobs := r1.runBatch(batch)
	for k, j := range jobs {
		if j == nil || j.State != api.JobDone {
			t.Fatalf("runner 1, item %d: %+v (%v)\n%s", k, j, outcomes(ans), r1.log.String())
		}
	}
	if got := strings.Join(outcomes(ans), ","); got != "not_live,not_live,not_live,story" || ans.Listings != 1 {
		t.Errorf("runner 1: %s, %d listings", got, ans.Listings)
	}
	before := r1.liveCount()

	counter := &countGET{h: r1.sb}
	r1.proxy.H = counter
	r2 := newPubEnv(t, pubOpts{flavour: "instagram", sameAccount: r1})
	ans, jobs = r2.runBatch(batch)
	if got := strings.Join(outcomes(ans), ","); got != "found_live,found_live,found_live,story" {
		t.Fatalf("runner 2: %s\n%s", got, r2.log.String())
	}
	if ans.Listings != 1 || counter.lists.Load() != 1 {
		t.Errorf("runner 2 listed the account %d times (answer says %d), want once for the run", counter.lists.Load(), ans.Listings)
	}
	for k := range 3 {
		d := daemontest.DetailOf(t, jobs[k])
		if jobs[k].State != api.JobDone || d.Reconcile != api.ReconcileFoundLive || d.MediaID == "" || d.Permalink == "" {
			t.Errorf("runner 2, item %d: %s %+v", k, jobs[k].State, d)
		}
		if want := daemontest.DetailOf(t, r1Job(t, r1, batch[k])).MediaID; d.MediaID != want {
			t.Errorf("item %d found as %s, runner 1 published %s", k, d.MediaID, want)
		}
	}
	if got := r2.liveCount(); got != before+1 {
		t.Errorf("live: %d, want %d (only the story again)", got, before+1)
	}

	// On runner 2 itself, a re-run is answered by its store.
	ans, _ = r2.runBatch(batch)
	if got := strings.Join(outcomes(ans), ","); got != "known,known,known,story" || ans.Listings != 0 {
		t.Errorf("runner 2 again: %s, %d listings", got, ans.Listings)
	}
	res := r2.publish(api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Monday\n\ndrop #new"), Key: "monday", Reconciled: true})
	if !res.Reused || res.FoundLive || res.Job.State != api.JobDone {
		t.Errorf("runner 2, single re-run: %+v", res)
	}
	if got := r2.liveCount(); got != before+1 {
		t.Errorf("live: %d, want %d", got, before+1)
	}
}

// r1Job is the job a runner's store holds for a request's item.
func r1Job(t *testing.T, e *pubEnv, req api.PublishRequest) *api.Job {
	t.Helper()
	req.DryRun = true
	res := e.publish(req)
	if res.Plan == nil || res.Plan.Existing == nil {
		t.Fatalf("runner has no job for %+v", req)
	}
	return res.Plan.Existing
}

// TestReconcileAmbiguousForceAndElsewhere: a post made elsewhere with the
// caption written differently is found live; two matching posts refuse
// the item (unconfirmed, both candidates, no job, nothing posted); --force and
// reconcile off post anyway; a lone declared publish is checked the same
// way, an ad-hoc one is not.
func TestReconcileAmbiguousForceAndElsewhere(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	reel := e.reelClip()
	if _, err := e.sb.AddMedia(sandbox.ElsewherePost{Caption: "Sale\r\n\r\ntoday  ☀️"}); err != nil {
		t.Fatal(err)
	}
	for _, ago := range []time.Duration{time.Hour, 48 * time.Hour} {
		if _, err := e.sb.AddMedia(sandbox.ElsewherePost{Caption: "Twice", Ago: sandbox.Duration(ago)}); err != nil {
			t.Fatal(err)
		}
	}
	// Same caption, another type: a carousel of 3 does not match a reel.
	if _, err := e.sb.AddMedia(sandbox.ElsewherePost{Caption: "Shape", MediaType: "CAROUSEL", Children: 3}); err != nil {
		t.Fatal(err)
	}
	before := len(e.published())
	live := e.liveCount()

	ans, jobs := e.runBatch([]api.PublishRequest{
		{Targets: []string{reel}, Caption: daemontest.Strp("Sale today ☀")},
		{Targets: []string{reel}, Caption: daemontest.Strp("Twice")},
	})
	if got := strings.Join(outcomes(ans), ","); got != "found_live,ambiguous" {
		t.Fatalf("outcomes %s", got)
	}
	amb := ans.Items[1]
	if jobs[1] != nil || amb.LiveRefusal == nil || !amb.Ambiguous || len(amb.Candidates) != 2 || amb.Error.Code != api.CodeUnconfirmed ||
		!strings.Contains(amb.Error.Message, amb.Candidates[0].Permalink) || !strings.Contains(amb.Error.Hint, "--force") {
		t.Errorf("ambiguous item: %+v", amb)
	}
	if !amb.Candidates[0].Timestamp.Before(*amb.Candidates[1].Timestamp) {
		t.Errorf("candidates not oldest first: %+v", amb.Candidates)
	}
	if n := len(e.published()); n != before || e.liveCount() != live {
		t.Fatalf("published %d, live %d → %d: nothing may be posted", n-before, live, e.liveCount())
	}
	// The lone form answers the same refusal, with the error as well.
	res, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Twice"), Key: "twice"})
	if !api.HasCode(err, api.CodeUnconfirmed) || res == nil || res.Job != nil || !res.Ambiguous || len(res.Candidates) != 2 {
		t.Fatalf("lone ambiguous: %+v %v", res, err)
	}
	if jobs, _ := e.c.Jobs(t.Context(), api.JobPublish); len(jobs) != 1 {
		t.Errorf("%d publish jobs, want only the found-live record", len(jobs))
	}

	// --force, and reconcile off, post anyway.
	forced := e.publish(api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Twice"), Key: "twice", Force: true})
	if j := e.wait(forced.Job.ID); j.State != api.JobDone || daemontest.DetailOf(t, j).Reconcile != api.ReconcileOff {
		t.Fatalf("forced: %+v", j)
	}
	ans, jobs = e.runBatch([]api.PublishRequest{{Targets: []string{reel}, Caption: daemontest.Strp("Twice"), NoReconcile: true}})
	if ans.Items[0].Outcome != api.ReconcileOff || jobs[0] == nil || jobs[0].State != api.JobDone {
		t.Fatalf("reconcile off: %+v %+v", ans.Items[0], jobs[0])
	}
	if e.liveWith("Twice") != 4 {
		t.Errorf("live: %d Twice", e.liveWith("Twice"))
	}
	// Neither skips the local store: the found-live item is its record.
	ans, jobs = e.runBatch([]api.PublishRequest{{Targets: []string{reel}, Caption: daemontest.Strp("Sale today ☀"), NoReconcile: true}})
	if ans.Items[0].Outcome != api.ReconcileOff || jobs[0] == nil || daemontest.DetailOf(t, jobs[0]).Reconcile != api.ReconcileFoundLive {
		t.Errorf("reconcile off, item known: %+v %+v", ans.Items[0], jobs[0])
	}

	// A declared lone publish whose shape differs is not live; an ad-hoc
	// one (no key, no spec) is never checked.
	res = e.publish(api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Shape"), Key: "shape"})
	if res.FoundLive || res.Job == nil || e.wait(res.Job.ID).State != api.JobDone {
		t.Errorf("reel vs carousel: %+v", res)
	}
	other := daemontest.ReelClip(t, t.TempDir(), "other.mp4", 4*time.Second)
	adhoc := e.publish(api.PublishRequest{Targets: []string{other}, Caption: daemontest.Strp("Sale today ☀")})
	if j := e.wait(adhoc.Job.ID); adhoc.FoundLive || j.State != api.JobDone || daemontest.DetailOf(t, j).Reconcile != "" {
		t.Errorf("ad hoc: %+v", j)
	}
	if e.liveWith("Sale today ☀") != 1 {
		t.Errorf("live: %d Sale", e.liveWith("Sale today ☀"))
	}
}

// TestReconcileGroupsAcrossShards: items of one manifest with the same
// caption and type are matched together — on every shard, since the other
// shards' items take part. As many posts as items: all done, paired by
// age; fewer: ambiguous (which went out cannot be told), never a guess.
func TestReconcileGroupsAcrossShards(t *testing.T) {
	r1 := newPubEnv(t, pubOpts{flavour: "facebook"})
	dir := t.TempDir()
	a := daemontest.ReelClip(t, dir, "a.mp4", 3*time.Second)
	b := daemontest.ReelClip(t, dir, "b.mp4", 4*time.Second)
	itemA := api.PublishRequest{Targets: []string{a}, Caption: daemontest.Strp("Weekly drop")}
	itemB := api.PublishRequest{Targets: []string{b}, Caption: daemontest.Strp("Weekly drop")}

	// Shard 1 of 2 on a fresh runner: only item A, B is another shard's.
	ans, jobs := r1.runBatch([]api.PublishRequest{itemA}, itemB)
	if ans.Items[0].Outcome != api.ReconcileNotLive || jobs[0].State != api.JobDone {
		t.Fatalf("shard 1: %+v", ans.Items[0])
	}
	// Shard 2 on another fresh runner: one post of the two is live; which
	// item it is cannot be told by caption, so B is refused, not skipped.
	r2 := newPubEnv(t, pubOpts{flavour: "facebook", sameAccount: r1})
	ans, _ = r2.runBatch([]api.PublishRequest{itemB}, itemA)
	if ans.Items[0].Outcome != api.ReconcileAmbiguous {
		t.Fatalf("shard 2 with one of two posts live: %+v", ans.Items[0])
	}
	if r1.liveWith("Weekly drop") != 1 {
		t.Fatalf("live: %d", r1.liveWith("Weekly drop"))
	}
	// The person decides: B goes with reconcile off. Then a fresh runner
	// of the whole manifest finds both, paired by age.
	itemB.NoReconcile = true
	if _, jobs := r2.runBatch([]api.PublishRequest{itemB}, itemA); jobs[0] == nil || jobs[0].State != api.JobDone {
		t.Fatalf("B forced: %+v", jobs[0])
	}
	itemB.NoReconcile = false
	r3 := newPubEnv(t, pubOpts{flavour: "facebook", sameAccount: r1})
	ans, jobs = r3.runBatch([]api.PublishRequest{itemA, itemB})
	if got := strings.Join(outcomes(ans), ","); got != "found_live,found_live" {
		t.Fatalf("whole manifest: %s", got)
	}
	dA, dB := daemontest.DetailOf(t, jobs[0]), daemontest.DetailOf(t, jobs[1])
	if dA.MediaID == dB.MediaID || !strings.Contains(strings.Join(dA.Notes, " "), "paired by age") {
		t.Errorf("pairing: %+v / %+v", dA, dB)
	}
	if r1.liveWith("Weekly drop") != 2 {
		t.Errorf("live: %d", r1.liveWith("Weekly drop"))
	}
}

// TestReconcileListingBounds: the listing pages only as far as the window
// (publish.reconcile_window), stops at its page cap with an item left
// unseen (unconfirmed, nothing posted), and a failed listing creates nothing.
func TestReconcileListingBounds(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	reel := e.reelClip()
	counter := &countGET{h: e.sb}
	e.proxy.H = counter
	// 60 posts inside 30 days, 100 older ones.
	for i := range 160 {
		ago := time.Duration(i+1) * time.Hour
		if i >= 60 {
			ago = 40*24*time.Hour + time.Duration(i)*time.Minute
		}
		if _, err := e.sb.AddMedia(sandbox.ElsewherePost{Caption: "filler", Ago: sandbox.Duration(ago)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.sb.AddMedia(sandbox.ElsewherePost{Caption: "Old one", Ago: sandbox.Duration(35 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The sandbox serves at most 10 media a page, newest first: the walk
	// ends with the first page whose last media is older than the window.
	pages := func(window time.Duration) int64 {
		live, err := e.sb.Live(sandbox.IGCreatorID)
		if err != nil {
			t.Fatal(err)
		}
		in, all := 0, 0
		for _, m := range live {
			if m.ProductType != "STORY" {
				all++
				if m.Timestamp.After(time.Now().Add(-window)) {
					in++
				}
			}
		}
		if in/sandbox.DefaultMaxPageSize+1 >= (all+sandbox.DefaultMaxPageSize-1)/sandbox.DefaultMaxPageSize {
			t.Fatalf("%d of %d media in the window: the test needs older ones", in, all)
		}
		return int64(in/sandbox.DefaultMaxPageSize + 1)
	}
	item := api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Old one")}
	ans, err := e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{item}})
	if err != nil {
		t.Fatal(err)
	}
	if want := pages(30 * 24 * time.Hour); ans.Items[0].Outcome != api.ReconcileNotLive || int64(ans.Pages) != want || counter.lists.Load() != want {
		t.Errorf("30 days: %s after %d pages (%d at the sandbox), want not_live after %d", ans.Items[0].Outcome, ans.Pages, counter.lists.Load(), want)
	}
	// A wider window sees it, at the price of more pages.
	e.st.Set("IMPRESS_PUBLISH_RECONCILE_WINDOW", "36d")
	ans, err = e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{item}})
	if err != nil {
		t.Fatal(err)
	}
	if want := pages(36 * 24 * time.Hour); ans.Items[0].Outcome != api.ReconcileFoundLive || int64(ans.Pages) != want {
		t.Errorf("36 days: %s after %d pages, want found_live after %d", ans.Items[0].Outcome, ans.Pages, want)
	}
	// A window the listing cannot cover in its page cap leaves the item
	// unseen: not "not live".
	e.st.Set("IMPRESS_PUBLISH_RECONCILE_WINDOW", "3650d")
	for range 1000 {
		if _, err := e.sb.AddMedia(sandbox.ElsewherePost{Caption: "more", Ago: sandbox.Duration(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Never posted")}
	ans, err = e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{fresh}})
	if err != nil {
		t.Fatal(err)
	}
	if v := ans.Items[0]; v.Outcome != api.ReconcileIncomplete || v.LiveRefusal == nil || v.Error.Code != api.CodeUnconfirmed {
		t.Errorf("page cap: %+v", v)
	}
	e.st.Set("IMPRESS_PUBLISH_RECONCILE_WINDOW", "bogus")
	if _, err := e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{fresh}}); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("bad window: %v", err)
	}
	e.st.Set("IMPRESS_PUBLISH_RECONCILE_WINDOW", "")

	// The token dies: the listing fails, nothing is created, and the
	// error says to log in (login_needed).
	before := len(e.published())
	e.sb.ExpireTokens()
	ans, err = e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{fresh}})
	if err != nil {
		t.Fatal(err)
	}
	if v := ans.Items[0]; v.Outcome != api.ReconcileFailed || v.LiveRefusal == nil || v.Error.Code != api.CodeLoginNeeded {
		t.Errorf("listing failed: %+v", v)
	}
	_, err = e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("Never posted"), Key: "never"})
	if !api.HasCode(err, api.CodeLoginNeeded) {
		t.Errorf("lone publish, listing failed: %v", err)
	}
	if n := len(e.published()); n != before {
		t.Errorf("published %d", n-before)
	}
}

// TestReconcileListingIsPaced: the listing's pages go through the
// connection's pacer like a job's calls: an answer reporting high usage
// paces the account's next calls, a paced account delays the listing, and
// one paced beyond the longest wait is refused as transient, unlisted.
func TestReconcileListingIsPaced(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	reel := e.reelClip()
	item := api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("paced")}
	if d := e.s.pub.pace.delay("main", e.s.Now()); d != 0 {
		t.Fatalf("paced before any call: %s", d)
	}
	e.sb.SetUsage(90)
	if _, err := e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{item}}); err != nil {
		t.Fatal(err)
	}
	if d := e.s.pub.pace.delay("main", e.s.Now()); d <= 0 {
		t.Errorf("the listing saw 90 %% usage but paces nothing")
	}
	e.sb.SetUsage(-1)
	e.s.pub.pace.observe("main", meta.Usage{BusinessUseCase: []meta.BusinessUseCaseUsage{{CallCount: 100, EstimatedTimeToRegainAccess: 24 * 60}}},
		time.Second, e.s.Now())
	counter := &countGET{h: e.sb}
	e.proxy.H = counter
	ans, err := e.c.Reconcile(t.Context(), api.ReconcileRequest{Items: []api.PublishRequest{item}})
	if err != nil {
		t.Fatal(err)
	}
	if v := ans.Items[0]; v.Outcome != api.ReconcileFailed || v.Error.Code != api.CodeTransient || counter.lists.Load() != 0 {
		t.Errorf("paced for a day: %+v, %d listings", v, counter.lists.Load())
	}
}
