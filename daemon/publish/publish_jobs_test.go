package publish

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// TestRetryRefusesCancelledJobs: a cancelled publish was stopped on
// purpose; `jobs retry` refuses it (conflict) and says what does publish
// it: the same publish again, which resumes the job it cancelled.
func TestRetryRefusesCancelledJobs(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	req, res := e.publishInAnHour("changed my mind")
	if _, err := e.c.CancelJob(t.Context(), res.Job.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.RetryJob(t.Context(), res.Job.ID)
	ae, ok := api.AsError(err)
	if !ok || ae.Code != api.CodeConflict || !strings.Contains(ae.Message, "cancelled") || !strings.Contains(ae.Hint, "impress publish") {
		t.Fatalf("retry of a cancelled job: %v (%+v), want conflict with the way to publish again", err, ae)
	}
	if j, _ := e.c.Job(t.Context(), res.Job.ID); j.State != api.JobCancelled {
		t.Errorf("after the refused retry the job is %s", j.State)
	}
	// Publishing it again resumes that very job.
	again := e.publish(req)
	if !again.Reused || !again.Resumed || again.Job.ID != res.Job.ID || again.Job.State != api.JobQueued {
		t.Errorf("publish again: %+v", again)
	}
}

// TestResumeKeepsWhereAStoppedJobWas: a job cancelled in "publishing"
// (media_publish may have gone out) has no failed step; resuming it must
// verify from there, never start over with a new container.
func TestResumeKeepsWhereAStoppedJobWas(t *testing.T) {
	for _, st := range []string{api.PubPublishing, api.PubProcessing, api.PubContainer} {
		d := api.PublishDetail{State: st, ContainerID: "c1", Items: []api.PublishItem{{ContainerID: "c1"}}}
		resumeFrom(&d)
		if d.State != st || d.ContainerID != "c1" {
			t.Errorf("stopped in %s: resumed in %s (container %q)", st, d.State, d.ContainerID)
		}
	}
	d := api.PublishDetail{State: api.PubFailed, Step: api.PubPublishing}
	if resumeFrom(&d); d.State != api.PubPublishing {
		t.Errorf("failed in publishing: resumed in %s", d.State)
	}
}

// TestQuotaWaitLeavesTheSlot: with publish.concurrency 1, a publish
// waiting for its account's used-up quota does not hold the only slot: a
// publish of another connection runs to its end meanwhile.
func TestQuotaWaitLeavesTheSlot(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook", concurrency: 1})
	e.login(sandbox.TokenRequest{Flavour: "instagram", Account: sandbox.IGBrandID}, "brand", "")
	e.st.Set("IMPRESS_PUBLISH_QUOTA_RECHECK", "1h")
	clip := e.reelClip()
	e.sb.SetPublishQuota(1)
	a := e.wait(e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("the quota's only post"), Connection: "main"}).Job.ID)
	if a.State != api.JobDone {
		t.Fatalf("a: %s %+v", a.State, a.Error)
	}
	b := e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("over the quota"), Connection: "main"})
	daemontest.WaitFor(t, 30*time.Second, func() bool {
		j, err := e.c.Job(t.Context(), b.Job.ID)
		d := api.PublishDetailOf(j)
		return err == nil && d != nil && strings.Contains(d.WaitReason, "quota")
	})
	c := daemontest.WaitJobEnd(t, e.c, e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("another account"), Connection: "brand"}).Job.ID, 30*time.Second)
	if c.State != api.JobDone {
		t.Fatalf("the other connection's publish: %s %+v", c.State, c.Error)
	}
	if j, _ := e.c.Job(t.Context(), b.Job.ID); j.Terminal() {
		t.Errorf("the job over quota ended: %s %+v", j.State, j.Error)
	}
	if _, err := e.c.CancelJob(t.Context(), b.Job.ID); err != nil {
		t.Fatal(err)
	}
	assertOnePerJob(t, e, a, c)
}

// TestUploadSavesHowFarItGot: while an upload runs, how far it got is
// saved on the job (here after every step: the interval is a test knob),
// so that `jobs show --json` and a restart see it before the upload ends.
func TestUploadSavesHowFarItGot(t *testing.T) {
	defer func(d time.Duration) { uploadSaveEvery = d }(uploadSaveEvery)
	uploadSaveEvery = 0
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	// The proxy takes the whole body, then holds the upload's answer.
	res, g := e.publishHeld(clip, "saved as it goes", daemontest.HasPart("/ig-api-upload/"))
	var d *api.PublishDetail
	daemontest.WaitFor(t, 10*time.Second, func() bool {
		j, err := e.c.Job(t.Context(), res.Job.ID)
		d = api.PublishDetailOf(j)
		return err == nil && d != nil && len(d.Items) == 1 && d.Items[0].Sent == d.Items[0].Size
	})
	if d.State != api.PubContainer || d.Items[0].Uploaded {
		t.Errorf("before the upload's answer: state %s, uploaded %v", d.State, d.Items[0].Uploaded)
	}
	g.Release()
	if j := e.wait(res.Job.ID); j.State != api.JobDone {
		t.Fatalf("%s %+v", j.State, j.Error)
	}
}

// TestRerunWithAnotherTimeReschedules: the same publish asked again with
// another --at, while its job still waits, moves that job to the new time
// (nothing new is made, and it publishes then, once); asked again after
// it published, it is only reused.
func TestRerunWithAnotherTimeReschedules(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	req, first := e.publishInAnHour("moved")
	later := *req.At
	soon := time.Now().Add(1500 * time.Millisecond)
	req.At = &soon
	moved := e.publish(req)
	if !moved.Reused || !moved.Rescheduled || moved.Job.ID != first.Job.ID {
		t.Fatalf("re-run at another time: %+v, want job %s rescheduled", moved, first.Job.ID)
	}
	if d := api.PublishDetailOf(moved.Job); d == nil || d.At == nil || !d.At.Equal(soon.UTC().Truncate(time.Nanosecond)) {
		t.Errorf("rescheduled detail: %+v", d)
	}
	j := e.wait(first.Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("%s %+v", j.State, j.Error)
	}
	if d := daemontest.DetailOf(t, j); d.PublishedAt == nil || d.PublishedAt.Before(soon) {
		t.Errorf("published at %v, before its new time %v", d.PublishedAt, soon)
	}
	req.At = &later
	again := e.publish(req)
	if !again.Reused || again.Rescheduled || again.Job.ID != first.Job.ID {
		t.Errorf("re-run after publishing: %+v", again)
	}
	if jobs, _ := e.c.Jobs(t.Context(), api.JobPublish); len(jobs) != 1 {
		t.Errorf("%d jobs, want 1", len(jobs))
	}
	assertOnePerJob(t, e, j)
}

// TestJobsStoredWithTheTimeInTheirFingerprintStillMatch: jobs stored when
// the fingerprint (and so the auto key) hashed the --at time are found by
// a re-run: at the same time without a key, at any time with one.
func TestJobsStoredWithTheTimeInTheirFingerprintStillMatch(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	at := time.Now().Add(time.Hour).UTC()
	stored := func(req api.PublishRequest) store.Job {
		t.Helper()
		pl, err := e.s.pub.plan(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		d := pl.d
		d.Fingerprint = fingerprintAt(&d, pl.content, pl.coverSum, d.At)
		d.Key = idemKey(d.Connection, req.Key, d.Fingerprint)
		detail, _ := json.Marshal(d)
		j, err := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobQueued, Stage: "scheduled", Conn: d.Connection, Key: d.Key, Detail: detail}, false)
		if err != nil {
			t.Fatal(err)
		}
		e.s.pub.enqueue(j)
		return j
	}
	auto := api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("auto key"), At: &at}
	old := stored(auto)
	if res := e.publish(auto); !res.Reused || res.Job.ID != strconv.FormatUint(old.ID, 10) {
		t.Errorf("auto key, same time: %+v, want job %d reused", res, old.ID)
	}
	keyed := api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("with a key"), At: &at, Key: "k1"}
	old = stored(keyed)
	later := at.Add(time.Hour)
	keyed.At = &later
	res, err := e.c.Publish(t.Context(), keyed)
	if err != nil || !res.Rescheduled || res.Job.ID != strconv.FormatUint(old.ID, 10) {
		t.Errorf("user key, another time: %+v %v, want job %d rescheduled", res, err, old.ID)
	}
	if jobs, _ := e.c.Jobs(t.Context(), api.JobPublish); len(jobs) != 2 {
		t.Errorf("%d jobs, want the 2 stored", len(jobs))
	}
}
