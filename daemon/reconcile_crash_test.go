package daemon

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/meta/sandbox"
)

// Issue 12's kills: a CI runner (its own home and child daemon) is killed
// with SIGKILL in the middle of a batch, at a chosen step of one item's
// publish; the pipeline is re-run on a fresh runner (a new, empty home)
// against the same account. Whatever the step, the account ends with one
// post per item.

// liveWith counts the posts live on the account with that caption.
func liveWith(t *testing.T, sb *sandbox.Server, caption string) int {
	t.Helper()
	live, err := sb.Live(sandbox.IGCreatorID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range live {
		if m.Caption == caption {
			n++
		}
	}
	return n
}

func TestFreshRunnerAfterKillPublishesEachItemOnce(t *testing.T) {
	ffmpegtest.Require(t)
	dir := t.TempDir()
	a := daemontest.ReelClip(t, dir, "a.mp4", 3*time.Second)
	b := daemontest.ReelClip(t, dir, "b.mp4", 4*time.Second)
	cases := []struct {
		name   string
		method string
		after  bool // Meta acted on the held request; its answer is lost
		match  func(*http.Request) bool
		// held is what the fresh runner must find for the item killed
		// in the middle.
		held string
	}{
		{name: "before its container", method: "POST", match: daemontest.HasSuffix("/media"), held: api.ReconcileNotLive},
		{name: "container created", method: "POST", match: daemontest.HasPart("/ig-api-upload/"), held: api.ReconcileNotLive},
		{name: "uploaded, answer lost", method: "POST", after: true, match: daemontest.HasPart("/ig-api-upload/"), held: api.ReconcileNotLive},
		{name: "processing", method: "GET", match: daemontest.StatusRead, held: api.ReconcileNotLive},
		{name: "media_publish not sent", method: "POST", match: daemontest.HasSuffix("/media_publish"), held: api.ReconcileNotLive},
		{name: "media_publish done, answer lost", method: "POST", after: true, match: daemontest.HasSuffix("/media_publish"), held: api.ReconcileFoundLive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			acct := newCrashAccount(t)
			// A batch of three on a runner that publishes one at a time:
			// the first item is done, the second is killed at the step,
			// the third never started.
			batch := []api.PublishRequest{
				{Targets: []string{a}, Caption: daemontest.Strp("killed " + tc.name + " 1")},
				{Targets: []string{b}, Caption: daemontest.Strp("killed " + tc.name + " 2"), Key: "second"},
				{Targets: []string{a}, Caption: daemontest.Strp("killed " + tc.name + " 3")},
			}
			r1 := acct.runner(t, "IMPRESS_PUBLISH_CONCURRENCY=1")
			r1.start()
			r1.login("facebook")
			g := acct.proxy.Hold(tc.method, tc.after, func(r *http.Request) bool {
				// The second item's first such request: one at a time,
				// it starts once the first item is published.
				return tc.match(r) && len(acct.sb.Published()) == 1
			})
			_, jobs := daemontest.SubmitBatch(t, r1.c, batch)
			g.WaitHit(t)
			if d := api.PublishDetailOf(r1.job(jobs[0].ID)); d == nil || d.State != api.PubPublished {
				t.Fatalf("first item at the kill: %+v", d)
			}
			if d := api.PublishDetailOf(r1.job(jobs[2].ID)); d == nil || d.State != api.PubQueued {
				t.Fatalf("third item at the kill: %+v", d)
			}
			r1.kill()

			r2 := acct.runner(t)
			r2.start()
			r2.login("facebook")
			ans, jobs := daemontest.RunBatch(t, r2.c, batch)
			var got []string
			for k, j := range jobs {
				if j == nil || j.State != api.JobDone {
					t.Fatalf("fresh runner, item %d: %+v (%s)\nchild:\n%s", k, j, ans.Items[k].Outcome, r2.out.String())
				}
				if n := liveWith(t, acct.sb, *batch[k].Caption); n != 1 {
					t.Errorf("item %d is live %d times, want once", k, n)
				}
				got = append(got, ans.Items[k].Outcome)
			}
			if want := []string{api.ReconcileFoundLive, tc.held, api.ReconcileNotLive}; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("fresh runner found %v, want %v", got, want)
			}
			if n := len(acct.sb.Published()); n != 3 {
				t.Errorf("the sandbox published %d media for 3 items", n)
			}
			if ans.Listings != 1 {
				t.Errorf("%d listings, want one for the run", ans.Listings)
			}
		})
	}
}

// TestShardsOnFreshRunnersPublishEachItemOnce: N runners, each a fresh home
// with one shard of the manifest (the others' items passed along), run at
// the same time against one account; every item is published once, and
// the matrix re-run on fresh runners publishes nothing.
func TestShardsOnFreshRunnersPublishEachItemOnce(t *testing.T) {
	ffmpegtest.Require(t)
	clip := daemontest.ReelClip(t, t.TempDir(), "a.mp4", 3*time.Second)
	acct := newCrashAccount(t)
	var items []api.PublishRequest
	for i := range 6 {
		items = append(items, api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp(fmt.Sprintf("shard item %d", i))})
	}
	const n = 3
	for _, pass := range []string{"first run", "re-run"} {
		t.Run(pass, func(t *testing.T) {
			for i := range n {
				var mine, others []api.PublishRequest
				for k, it := range items {
					if k%n == i {
						mine = append(mine, it)
					} else {
						others = append(others, it)
					}
				}
				t.Run(fmt.Sprintf("runner %d", i), func(t *testing.T) {
					t.Parallel()
					r := acct.runner(t)
					r.start()
					r.login("facebook")
					ans, jobs := daemontest.RunBatch(t, r.c, mine, others...)
					for k, j := range jobs {
						want := api.ReconcileNotLive
						if pass == "re-run" {
							want = api.ReconcileFoundLive
						}
						if j == nil || j.State != api.JobDone || ans.Items[k].Outcome != want {
							t.Errorf("item %d: %s %+v, want %s", k, ans.Items[k].Outcome, j, want)
						}
					}
				})
			}
		})
		for _, it := range items {
			if got := liveWith(t, acct.sb, *it.Caption); got != 1 {
				t.Errorf("after the %s, %q is live %d times", pass, *it.Caption, got)
			}
		}
	}
}
