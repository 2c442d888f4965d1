package publish

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
)

// watchWaits follows a job's events in the background and returns the
// first event that says the job waits with a reason containing word (and
// a time), once one came; stop ends the watch.
func (e *pubEnv) watchWaits(t *testing.T, id, word string) (first func() *api.JobEvent, stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	var got *api.JobEvent
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.c.WatchJob(ctx, id, func(ev api.JobEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if got == nil && ev.Until != nil && strings.Contains(ev.Message, word) {
				got = &ev
			}
			return nil
		})
	}()
	return func() *api.JobEvent {
			mu.Lock()
			defer mu.Unlock()
			return got
		}, func() {
			cancel()
			<-done
		}
}

// awaitWait waits for the first waiting event of watchWaits and checks
// that the job's detail says the same: the reason, and a resume time
// within [after, before].
func (e *pubEnv) awaitWait(t *testing.T, id, word string, first func() *api.JobEvent, after, before time.Time) {
	t.Helper()
	daemontest.WaitFor(t, 30*time.Second, func() bool { return first() != nil })
	ev := first()
	if ev.Until.Before(after) || ev.Until.After(before) {
		t.Errorf("%s: the event says it resumes at %v, want between %v and %v", word, ev.Until, after, before)
	}
	var d *api.PublishDetail
	daemontest.WaitFor(t, 30*time.Second, func() bool {
		j, err := e.c.Job(t.Context(), id)
		if err != nil {
			return false
		}
		d = api.PublishDetailOf(j)
		return d != nil && strings.Contains(d.WaitReason, word) && d.WaitUntil != nil
	})
	if d.WaitUntil.Before(after) || d.WaitUntil.After(before) {
		t.Errorf("%s: the detail says it resumes at %v, want between %v and %v", word, d.WaitUntil, after, before)
	}
}

// TestWaitsSayWhyAndUntilWhen: a publish that waits — for Meta's usage
// limit (the pacer), for the day's quota, for its --at time — says why
// and when it moves again, in its events and on its detail.
func TestWaitsSayWhyAndUntilWhen(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()

	t.Run("usage", func(t *testing.T) {
		// High usage on the first answer paces the account: the next call
		// waits a slowdown (2 s), and says so.
		e.st.Set("IMPRESS_PUBLISH_SLOWDOWN", "2s")
		defer e.st.Set("IMPRESS_PUBLISH_SLOWDOWN", daemontest.FastPublish["IMPRESS_PUBLISH_SLOWDOWN"])
		e.sb.SetUsage(85)
		defer e.sb.SetUsage(-1)
		g := e.proxy.Hold("GET", true, daemontest.HasSuffix("/content_publishing_limit"))
		start := time.Now()
		res := e.publishClip(clip, "paced")
		first, stop := e.watchWaits(t, res.Job.ID, "usage limit")
		defer stop()
		g.WaitHit(t)
		e.sb.SetUsage(-1) // only the held answer reports it
		g.Release()
		e.awaitWait(t, res.Job.ID, "usage limit", first, start, time.Now().Add(3*time.Second))
		if j := e.wait(res.Job.ID); j.State != api.JobDone {
			t.Fatalf("paced job: %s %+v", j.State, j.Error)
		}
	})

	t.Run("quota", func(t *testing.T) {
		e.st.Set("IMPRESS_PUBLISH_QUOTA_RECHECK", "1h")
		defer e.st.Set("IMPRESS_PUBLISH_QUOTA_RECHECK", daemontest.FastPublish["IMPRESS_PUBLISH_QUOTA_RECHECK"])
		e.sb.SetPublishQuota(len(e.published()) + 1)
		defer e.sb.SetPublishQuota(50)
		if j := e.wait(e.publishClip(clip, "the last of the quota").Job.ID); j.State != api.JobDone {
			t.Fatalf("the last post of the quota: %s %+v", j.State, j.Error)
		}
		start := time.Now()
		res := e.publishClip(clip, "over quota")
		first, stop := e.watchWaits(t, res.Job.ID, "quota")
		defer stop()
		e.awaitWait(t, res.Job.ID, "quota", first, start.Add(time.Hour), time.Now().Add(time.Hour+time.Minute))
		if _, err := e.c.CancelJob(t.Context(), res.Job.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("schedule", func(t *testing.T) {
		at := time.Now().Add(2 * time.Hour).Truncate(time.Second)
		res := e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("later"), At: &at})
		first, stop := e.watchWaits(t, res.Job.ID, "scheduled")
		defer stop()
		e.awaitWait(t, res.Job.ID, "scheduled", first, at, at)
		if _, err := e.c.CancelJob(t.Context(), res.Job.ID); err != nil {
			t.Fatal(err)
		}
	})
}
