package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/testkit"
)

// downTransport answers like a stopped daemon (connection refused) for
// the calls down says, and passes the others to the fake daemon.
type downTransport struct {
	next handlerTransport
	mu   sync.Mutex
	n    map[string]int
	down func(route string, n int) bool
}

func (t *downTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	route := r.Method + " " + r.URL.Path
	t.n[route]++
	n := t.n[route]
	t.mu.Unlock()
	if t.down(route, n) {
		return nil, syscall.ECONNREFUSED
	}
	return t.next.RoundTrip(r)
}

func publishDone(id string) *api.Job {
	d, _ := json.Marshal(api.PublishDetail{State: api.PubPublished, Type: api.PublishReel, Connection: "main",
		MediaID: "m9", Permalink: "https://www.instagram.com/reel/x/"})
	return &api.Job{ID: id, Kind: api.JobPublish, State: api.JobDone, Detail: d}
}

// TestJobsWaitFollowsAJobAcrossARestart: the daemon parks the job (the
// stream ends on a queued job), is gone for a call, then resumes it: jobs
// wait brings it back, follows the job to its end and prints the outcome.
func TestJobsWaitFollowsAJobAcrossARestart(t *testing.T) {
	d := newFakeDaemon()
	watches := 0
	d.answer("GET /v1/jobs/{id}/events", func([]byte) any {
		watches++
		if watches == 1 {
			return api.JobEvent{JobID: "7", Stage: "uploaded", Job: &api.Job{ID: "7", Kind: api.JobPublish, State: api.JobQueued}}
		}
		return api.JobEvent{JobID: "7", Stage: "done", Job: publishDone("7")}
	})
	tr := &downTransport{next: handlerTransport{d}, n: map[string]int{}, down: func(route string, n int) bool {
		return route == "GET /v1/jobs/7/events" && n == 2
	}}
	c := &api.Client{Socket: "unused", Transport: tr}
	revived := 0
	for _, asJSON := range []bool{false, true} {
		watches, revived = 0, 0
		tr.n = map[string]int{}
		ios, _, out, errOut := TestIO()
		b := baseOptions{IO: ios, Client: func(context.Context) (*api.Client, error) { return c, nil },
			Revive: func(context.Context) error { revived++; return nil }, JSON: asJSON}
		err := runJobsWait(t.Context(), &jobsWaitOptions{baseOptions: b, ID: "7", Progress: "none"})
		if err != nil {
			t.Fatalf("json=%v: %v\nstderr: %s", asJSON, err, errOut)
		}
		if revived != 2 || watches != 2 {
			t.Errorf("json=%v: revived %d times, watched %d times; want 2 and 2", asJSON, revived, watches)
		}
		if !strings.Contains(errOut.String(), "reconnecting") {
			t.Errorf("json=%v: stderr does not say it reconnects: %q", asJSON, errOut)
		}
		if asJSON {
			var j api.Job
			if err := json.Unmarshal(out.Bytes(), &j); err != nil || j.State != api.JobDone {
				t.Errorf("--json = %s (%v)", out, err)
			}
			continue
		}
		if !strings.Contains(out.String(), "published reel → main: https://www.instagram.com/reel/x/") {
			t.Errorf("jobs wait prints the outcome: %q", out)
		}
	}
}

// TestJobsWaitPrintsTheOutcome: a render's output path, a failure's state
// (its error follows with its exit code).
func TestJobsWaitPrintsTheOutcome(t *testing.T) {
	d := newFakeDaemon()
	rd, _ := json.Marshal(api.RenderDetail{Result: &api.RenderResult{Output: "/cache/r.mp4", Preset: "reels", Width: 1080, Height: 1920}})
	d.answer("GET /v1/jobs/{id}/events", func([]byte) any {
		return api.JobEvent{Job: &api.Job{ID: "3", Kind: api.JobRender, State: api.JobDone, Detail: rd}}
	})
	b, _, out, errOut := d.base()
	if err := runJobsWait(t.Context(), &jobsWaitOptions{baseOptions: b, ID: "3", Progress: "none"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "/cache/r.mp4\n" || !strings.Contains(errOut.String(), "reels: 1080x1920") {
		t.Errorf("render outcome: stdout %q, stderr %q", out, errOut)
	}

	d = newFakeDaemon()
	d.answer("GET /v1/jobs/{id}/events", func([]byte) any {
		return api.JobEvent{Job: &api.Job{ID: "4", Kind: api.JobRender, State: api.JobFailed,
			Error: &api.Error{Code: api.CodeRejected, Message: "the render breaks the rules"}}}
	})
	b, _, out, _ = d.base()
	err := runJobsWait(t.Context(), &jobsWaitOptions{baseOptions: b, ID: "4", Progress: "none"})
	if exitCode(err, false) != ExitRejected || out.String() != "job 4: failed\n" {
		t.Errorf("failed job: %v (exit %d), stdout %q", err, exitCode(err, false), out)
	}
}

// TestFollowGivesUpAfterBoundedRetries: a daemon that never comes back
// ends the watch with exit 6 and the command that follows the job again.
func TestFollowGivesUpAfterBoundedRetries(t *testing.T) {
	b0, m0 := followBackoff, followBackoffMax
	followBackoff, followBackoffMax = time.Millisecond, 4*time.Millisecond
	t.Cleanup(func() { followBackoff, followBackoffMax = b0, m0 })
	d := newFakeDaemon()
	tr := &downTransport{next: handlerTransport{d}, n: map[string]int{}, down: func(string, int) bool { return true }}
	c := &api.Client{Socket: "unused", Transport: tr}
	ios, _, _, _ := TestIO()
	revived := 0
	b := baseOptions{IO: ios, Client: func(context.Context) (*api.Client, error) { return c, nil },
		Revive: func(context.Context) error { revived++; return api.ErrDaemonNotRunning }}
	_, err := followJob(t.Context(), &b, c, "5", "none")
	if exitCode(err, false) != ExitTransient || !strings.Contains(err.Error(), "impress jobs wait 5") || revived != followRetries {
		t.Errorf("err %v (exit %d), revived %d", err, exitCode(err, false), revived)
	}
}

// TestRenderJSONFailureIsQuiet: a failed render under --json prints its
// result (with the violations) as the one JSON document and exits with
// the job's code, with no message after it — as publish --json does.
func TestRenderJSONFailureIsQuiet(t *testing.T) {
	d := newFakeDaemon()
	d.answer("POST /v1/renders", func([]byte) any {
		return api.RenderStart{Job: &api.Job{ID: "2", Kind: api.JobRender, State: api.JobQueued}}
	})
	rd, _ := json.Marshal(api.RenderDetail{Result: &api.RenderResult{Output: "/cache/r.mp4",
		Violations: []api.Violation{{Rule: "duration_max", Message: "too long"}}}})
	d.answer("GET /v1/jobs/{id}/events", func([]byte) any {
		return api.JobEvent{Job: &api.Job{ID: "2", Kind: api.JobRender, State: api.JobFailed, Detail: rd,
			Error: &api.Error{Code: api.CodeRejected, Message: "the render breaks Instagram's rules"}}}
	})
	dir := t.TempDir()
	media := dir + "/in.mp4"
	testkit.WriteFile(t, media, "x")
	b, _, out, errOut := d.base()
	b.JSON = true
	err := runRender(t.Context(), &renderOptions{baseOptions: b, Target: media, Progress: "none"})
	var res api.RenderResult
	if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil || len(res.Violations) != 1 {
		t.Fatalf("stdout %q (%v)", out, jerr)
	}
	if exitCode(err, false) != ExitRejected || err.Error() != "" || errOut.Len() != 0 {
		t.Errorf("err %q (exit %d), stderr %q: want exit 5 and nothing more printed", err, exitCode(err, false), errOut)
	}
}
