package publish

import (
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
)

// TestRetryRefusesCancelledJobs: a cancelled publish was stopped on
// purpose; `jobs retry` refuses it (conflict) and says what does publish
// it: the same publish again, which resumes the job it cancelled.
func TestRetryRefusesCancelledJobs(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := daemontest.ReelClip(t, t.TempDir(), "reel.mp4", 3*time.Second)
	later := time.Now().Add(time.Hour)
	req := api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("changed my mind"), At: &later}
	res := e.publish(req)
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
