package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/testkit"
)

// What `impress publish` makes of the daemon's answers: --at and a
// manifest's at: in the past, and a daemon lost in the middle of a publish.

// TestPastAtOneRule: --at and a manifest's at: follow one rule. A time
// in the past is refused with what, why and what to do (exit 2, not the
// generic usage line) unless the daemon already holds that publish (a
// re-run), which goes through and posts nothing new.
func TestPastAtOneRule(t *testing.T) {
	existing := false
	d := newFakeDaemon()
	d.answer("POST /v1/publish", func(body []byte) any {
		var req api.PublishRequest
		json.Unmarshal(body, &req)
		if req.DryRun {
			p := &api.PublishPlan{Type: "reel", Connection: "main", Key: "k"}
			if existing {
				p.Existing = &api.Job{ID: "19", State: api.JobDone}
			}
			return api.PublishResult{Plan: p}
		}
		return api.PublishResult{Job: &api.Job{ID: "19", Kind: api.JobPublish, State: api.JobDone}, Reused: true}
	})
	d.answer("POST /v1/publish/reconcile", notLiveAnswer)
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	testkit.WriteFile(t, clip, "x")
	past := time.Now().Add(-72 * time.Hour).Format("2006-01-02 15:04")
	manifest := filepath.Join(dir, "m.yaml")
	testkit.WriteFile(t, manifest, "version: 1\nitems:\n  - file: clip.mp4\n    at: "+past+"\n")
	sent := func() (real int) {
		for _, b := range d.sent("POST /v1/publish") {
			if !strings.Contains(b, `"dry_run":true`) {
				real++
			}
		}
		return real
	}
	for _, existing = range []bool{false, true} {
		for _, o := range []*publishOptions{{Targets: []string{clip}, At: past}, {Manifest: manifest}} {
			before := sent()
			b, _, _, _ := d.base()
			o.baseOptions, o.Progress = b, "none"
			err := runPublish(t.Context(), o)
			what := "--at"
			if o.Manifest != "" {
				what = "manifest"
			}
			if existing {
				if err != nil || sent() != before+1 {
					t.Errorf("%s, a re-run: %v (%d sent); want it to go through", what, err, sent()-before)
				}
				continue
			}
			var fe *FlagError
			if exitCode(err, false) != ExitUsage || errors.As(err, &fe) || sent() != before ||
				!strings.Contains(err.Error(), "3 days in the past") || !strings.Contains(err.Error(), "give a later time") {
				t.Errorf("%s in the past: %v (exit %d, %d sent); want exit 2 saying what to do, nothing sent", what, err, exitCode(err, false), sent()-before)
			}
		}
	}
	// Within a minute of now is now; the future schedules; +DURATION is
	// never in the past; a malformed time says which forms it takes.
	now := time.Now()
	for _, s := range []string{now.Add(-30 * time.Second).Format(time.RFC3339), "+2h", "2099-01-01 10:00"} {
		at, err := parseAt(s, now)
		if err != nil || at.Before(now.Add(-pastGrace)) {
			t.Errorf("parseAt(%q) = %v, %v", s, at, err)
		}
	}
	if _, err := parseAt("tomorrow", now); err == nil || !strings.Contains(err.Error(), "+DURATION") {
		t.Errorf("parseAt(tomorrow): %v", err)
	}
}

// TestManifestCSVLists: in CSV a list cell separates its values with ";";
// a cell written with spaces whose words are files gets told so.
func TestManifestCSVLists(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.jpg", "b.mp4", "with space.jpg"} {
		testkit.WriteFile(t, filepath.Join(dir, n), "x")
	}
	m, err := parseManifestCSV([]byte("files,collaborators,caption\n\"a.jpg; with space.jpg;b.mp4\",ann;bob,\"hi, there\"\n\"a.jpg b.mp4\",,x\n"))
	if err != nil {
		t.Fatal(err)
	}
	it := m.Items[0]
	if strings.Join(it.Files, "|") != "a.jpg|with space.jpg|b.mp4" || strings.Join(it.Collaborators, "|") != "ann|bob" || *it.Caption != "hi, there" {
		t.Errorf("item 1: %+v", it)
	}
	o := &publishOptions{}
	req, err := it.request(dir, m, o, time.Now())
	if err != nil || len(req.Targets) != 3 || req.Targets[1] != filepath.Join(dir, "with space.jpg") {
		t.Errorf("request: %+v, %v", req.Targets, err)
	}
	_, err = m.Items[1].request(dir, m, o, time.Now())
	if err == nil || !strings.Contains(err.Error(), `separated by ";" (a.jpg;b.mp4)`) {
		t.Errorf("a list with spaces: %v", err)
	}
}

// TestReelWithoutCaptionNotice: a new reel with no caption is published
// with a one-line notice on stderr, not an error; a captioned one, or one
// found again, says nothing.
func TestReelWithoutCaptionNotice(t *testing.T) {
	for _, tc := range []struct {
		caption string
		reused  bool
		want    bool
	}{{"", false, true}, {"Summer #sale", false, false}, {"", true, false}} {
		d := newFakeDaemon()
		d.answer("POST /v1/publish", func([]byte) any {
			det, _ := json.Marshal(api.PublishDetail{State: api.PubPublished, Type: api.PublishReel, Connection: "main",
				Caption: tc.caption, Permalink: "https://www.instagram.com/reel/x/"})
			return api.PublishResult{Job: &api.Job{ID: "3", Kind: api.JobPublish, State: api.JobDone, Detail: det}, Reused: tc.reused}
		})
		clip := filepath.Join(t.TempDir(), "clip.mp4")
		testkit.WriteFile(t, clip, "x")
		b, _, out, errOut := d.base()
		err := runPublish(t.Context(), &publishOptions{baseOptions: b, Targets: []string{clip}, Progress: "none"})
		if err != nil || !strings.Contains(out.String(), "published reel") {
			t.Fatalf("%+v: %v, stdout %q", tc, err, out)
		}
		got := strings.Count(errOut.String(), "note: this reel has no caption")
		if got != map[bool]int{true: 1, false: 0}[tc.want] || strings.Count(errOut.String(), "\n") != got {
			t.Errorf("%+v: stderr %q", tc, errOut)
		}
	}
}

// TestLonePastAtFoundLive: `impress publish --at <past> --key K` on a
// fresh runner whose post is already live is reported found live (exit 0,
// nothing published), as a manifest item is; an ambiguous match is refused
// with its candidates.
func TestLonePastAtFoundLive(t *testing.T) {
	ambiguous := false
	d := newFakeDaemon()
	d.answer("POST /v1/publish/reconcile", func([]byte) any {
		if ambiguous {
			return api.ReconcileAnswer{Items: []api.ReconcileItem{{Outcome: api.ReconcileAmbiguous, LiveRefusal: &api.LiveRefusal{Ambiguous: true,
				Candidates: []api.LivePost{{MediaID: "m1"}, {MediaID: "m2"}}, Error: &api.Error{Code: api.CodeUnconfirmed, Message: "2 live posts match"}}}}}
		}
		d := api.PublishDetail{State: api.PubPublished, Type: "reel", Connection: "main", MediaID: "m1", Permalink: "https://instagram.example/p/1"}
		detail, _ := json.Marshal(d)
		return api.ReconcileAnswer{Items: []api.ReconcileItem{{Outcome: api.ReconcileFoundLive,
			Job: &api.Job{ID: "3", Kind: api.JobPublish, State: api.JobDone, Detail: detail}}}}
	})
	d.answer("POST /v1/publish", func([]byte) any {
		return api.PublishResult{Plan: &api.PublishPlan{Type: "reel", Connection: "main", Key: "k"}} // no earlier job here
	})
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	testkit.WriteFile(t, clip, "x")
	past := time.Now().Add(-72 * time.Hour).Format("2006-01-02 15:04")
	b, _, out, _ := d.base()
	b.JSON = true
	if err := runPublish(t.Context(), &publishOptions{baseOptions: b, Targets: []string{clip}, At: past, Key: "k", Progress: "none"}); err != nil {
		t.Fatalf("found live, past --at: %v", err)
	}
	if !strings.Contains(out.String(), `"found_live": true`) || !strings.Contains(out.String(), `"m1"`) || len(d.sent("POST /v1/publish")) != 0 {
		t.Errorf("out %s, %d publishes sent", out, len(d.sent("POST /v1/publish")))
	}
	ambiguous = true
	b, _, out, _ = d.base()
	b.JSON = true
	err := runPublish(t.Context(), &publishOptions{baseOptions: b, Targets: []string{clip}, At: past, Key: "k", Progress: "none"})
	if exitCode(err, false) != exitForCode(api.CodeUnconfirmed) || !strings.Contains(out.String(), `"m2"`) || len(d.sent("POST /v1/publish")) != 0 {
		t.Errorf("ambiguous: %v (exit %d), out %s", err, exitCode(err, false), out)
	}
}

// TestPastAtFoundLive: on a fresh runner, a manifest item with a past at:
// that the account already has (found live by reconciliation) is a re-run
// like one the local store knows: reported, not refused.
func TestPastAtFoundLive(t *testing.T) {
	d := newFakeDaemon()
	d.answer("POST /v1/publish/reconcile", func([]byte) any {
		return api.ReconcileAnswer{Items: []api.ReconcileItem{{Outcome: api.ReconcileFoundLive,
			Job: &api.Job{ID: "3", Kind: api.JobPublish, State: api.JobDone}}}}
	})
	d.answer("POST /v1/publish", func([]byte) any {
		return api.PublishResult{Plan: &api.PublishPlan{Type: "reel", Connection: "main", Key: "k"}} // no earlier job here
	})
	dir := t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "clip.mp4"), "x")
	past := time.Now().Add(-72 * time.Hour).Format("2006-01-02 15:04")
	manifest := filepath.Join(dir, "m.yaml")
	testkit.WriteFile(t, manifest, "version: 1\nitems:\n  - file: clip.mp4\n    at: "+past+"\n")
	b, _, out, _ := d.base()
	b.JSON = true
	if err := runPublish(t.Context(), &publishOptions{baseOptions: b, Manifest: manifest, Progress: "none"}); err != nil {
		t.Fatalf("found live, past at: %v", err)
	}
	if !strings.Contains(out.String(), `"found_live": true`) || len(d.sent("POST /v1/publish")) != 0 {
		t.Errorf("out %s, %d publishes sent", out, len(d.sent("POST /v1/publish")))
	}
}

// killedMidStream is a daemon killed while it streamed a publish's
// events: one event, then the stream breaks (unexpected EOF), then
// nothing answers.
type killedMidStream struct {
	mu    sync.Mutex
	calls int
}

func (k *killedMidStream) RoundTrip(r *http.Request) (*http.Response, error) {
	k.mu.Lock()
	k.calls++
	first := k.calls == 1
	k.mu.Unlock()
	if !first || r.URL.Path != "/v1/jobs/9/events" {
		return nil, syscall.ECONNREFUSED
	}
	body := io.MultiReader(strings.NewReader(`{"job_id":"9","stage":"publishing"}`+"\n"), errReader{io.ErrUnexpectedEOF})
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"application/x-ndjson"}},
		Body: io.NopCloser(body), Request: r}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestPublishLostDaemonIsUnconfirmed: a daemon killed mid-publish that
// does not come back ends the publish with exit 7 and the command that
// tells whether it went live. On b62770a it ended with exit 1
// ("unexpected EOF"), which invites a blind re-run.
func TestPublishLostDaemonIsUnconfirmed(t *testing.T) {
	b0, m0 := followBackoff, followBackoffMax
	followBackoff, followBackoffMax = time.Millisecond, 4*time.Millisecond
	t.Cleanup(func() { followBackoff, followBackoffMax = b0, m0 })
	c := &api.Client{Socket: "unused", Transport: &killedMidStream{}}
	ios, _, _, _ := TestIO()
	b := baseOptions{IO: ios, Client: func(context.Context) (*api.Client, error) { return c, nil },
		Revive: func(context.Context) error { return api.ErrDaemonNotRunning }}
	res := &api.PublishResult{Job: &api.Job{ID: "9", Kind: api.JobPublish, State: api.JobRunning, Stage: "publishing"}}
	_, err := followPublish(t.Context(), &b, c, res, "none")
	if code := exitCode(err, false); code != ExitUnconfirmed {
		t.Fatalf("exit %d (%v), want %d", code, err, ExitUnconfirmed)
	}
	for _, want := range []string{"may be live", "impress jobs show 9"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}
