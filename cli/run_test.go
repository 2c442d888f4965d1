package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/testkit"
)

// Run functions against a fake daemon: handlers in process behind
// api.Client's Transport seam (handlerTransport, privacy_test.go). The
// real daemon is tested in package daemon and by the testscripts; these
// test what the CLI makes of its answers.

// fakeDaemon is a mux of daemon routes that records the request bodies.
type fakeDaemon struct {
	*http.ServeMux
	mu     sync.Mutex
	bodies map[string][]string // "METHOD /path" → bodies, in order
}

func newFakeDaemon() *fakeDaemon {
	return &fakeDaemon{ServeMux: http.NewServeMux(), bodies: map[string][]string{}}
}

// answer serves route with v as JSON (status 200), or, for an *api.Error,
// the daemon's error envelope.
func (d *fakeDaemon) answer(route string, v func(body []byte) any) {
	d.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		if r.Body != nil { // a GET through handlerTransport has none
			body.ReadFrom(r.Body)
		}
		d.mu.Lock()
		d.bodies[route] = append(d.bodies[route], body.String())
		d.mu.Unlock()
		out := v(body.Bytes())
		if e, ok := out.(*api.Error); ok {
			w.WriteHeader(http.StatusUnprocessableEntity)
			out = map[string]*api.Error{"error": e}
		}
		json.NewEncoder(w).Encode(out)
	})
}

func (d *fakeDaemon) sent(route string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bodies[route]
}

// base returns options that print into buffers and reach d.
func (d *fakeDaemon) base() (baseOptions, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	ios, in, out, errOut := TestIO()
	c := &api.Client{Socket: "unused", Transport: handlerTransport{d}}
	return baseOptions{IO: ios, Client: func(context.Context) (*api.Client, error) { return c, nil }}, in, out, errOut
}

func TestRunListEmptyAndJSON(t *testing.T) {
	d := newFakeDaemon()
	d.answer("GET /v1/projects", func([]byte) any { return nil }) // JSON null: no projects
	b, _, out, errOut := d.base()
	if err := runProjectList(t.Context(), &projectListOptions{b}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "no projects; create one") {
		t.Errorf("empty list: stdout %q, stderr %q; want the hint on stderr only", out, errOut)
	}
	b, _, out, _ = d.base()
	b.JSON = true
	if err := runProjectList(t.Context(), &projectListOptions{b}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("--json of no projects = %q, want []", out)
	}
}

func TestRunJobsCancelSaysOneLine(t *testing.T) {
	d := newFakeDaemon()
	d.answer("POST /v1/jobs/{id}/cancel", func([]byte) any { return api.Job{ID: "42", State: api.JobCancelled} })
	b, _, out, _ := d.base()
	if err := runJobsCancel(t.Context(), &idOptions{baseOptions: b, ID: "42"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "job 42: cancelled\n" {
		t.Errorf("stdout = %q", out)
	}
	b, _, out, _ = d.base()
	b.JSON = true
	if err := runJobsCancel(t.Context(), &idOptions{baseOptions: b, ID: "42"}); err != nil {
		t.Fatal(err)
	}
	var j api.Job
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || j.ID != "42" || j.State != api.JobCancelled {
		t.Errorf("--json = %q (%v)", out, err)
	}
}

func TestRunCommentsReplyReadsTextFromStdin(t *testing.T) {
	d := newFakeDaemon()
	d.answer("POST /v1/comments/{id}/reply", func([]byte) any { return api.CommentResult{ID: "c1", ReplyID: "r9"} })
	b, in, out, _ := d.base()
	in.WriteString("Thank you!\nSee the link in bio.\n")
	o := &sendTextOptions{baseOptions: b, Connection: "brand", ID: "c1", Text: "-"}
	if err := runCommentsReply(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	var sent api.CommentAction
	bodies := d.sent("POST /v1/comments/{id}/reply")
	if len(bodies) != 1 || json.Unmarshal([]byte(bodies[0]), &sent) != nil ||
		sent.Text != "Thank you!\nSee the link in bio." || sent.Connection != "brand" {
		t.Errorf("sent %q", bodies)
	}
	if out.String() != "replied to c1: reply r9\n" {
		t.Errorf("stdout = %q", out)
	}
}

func TestRunMediaShowUnconfirmedSaysWhatToDo(t *testing.T) {
	d := newFakeDaemon()
	d.answer("GET /v1/media/{id}", func([]byte) any {
		return api.PublishedMedia{JobID: "7", Type: api.PublishReel, Connection: "brand", State: api.PubUnconfirmed}
	})
	b, _, out, _ := d.base()
	if err := runMediaShow(t.Context(), &mediaShowOptions{baseOptions: b, Media: "7"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "state       unconfirmed") || !strings.Contains(out.String(), "only if the post is missing, publish again with --force") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestRunErrorsKeepTheirExitCode(t *testing.T) {
	d := newFakeDaemon()
	d.answer("GET /v1/projects/{name}", func([]byte) any { return api.Errorf(api.CodeNotFound, "project %q not found", "x") })
	d.answer("GET /v1/auth/status", func([]byte) any { return api.AuthStatus{} })
	b, _, out, _ := d.base()
	err := runProjectShow(t.Context(), &projectShowOptions{baseOptions: b, Name: "x"})
	if exitCode(err, false) != ExitUsage || !strings.Contains(err.Error(), `project "x" not found`) || out.Len() != 0 {
		t.Errorf("not found: %v (exit %d), stdout %q", err, exitCode(err, false), out)
	}
	// No connection: exit 4, and the hint only when stdout is not JSON.
	b, _, _, errOut := d.base()
	err = runAuthStatus(t.Context(), &authStatusOptions{b})
	if exitCode(err, false) != ExitLogin || !strings.Contains(errOut.String(), "impress auth login") {
		t.Errorf("no connection: %v (exit %d), stderr %q", err, exitCode(err, false), errOut)
	}
	b, _, out, errOut = d.base()
	b.JSON = true
	err = runAuthStatus(t.Context(), &authStatusOptions{b})
	if exitCode(err, false) != ExitLogin || errOut.Len() != 0 || !json.Valid(out.Bytes()) {
		t.Errorf("no connection, --json: %v, stdout %q, stderr %q", err, out, errOut)
	}
}

// TestRunManifestExitsWithTheWorstItem publishes a manifest whose items
// the fake daemon answers differently: the exit code is the most urgent
// outcome by the explicit severity order, and every item is reported.
func TestRunManifestExitsWithTheWorstItem(t *testing.T) {
	d := newFakeDaemon()
	outcome := map[string]any{
		"ok":          api.PublishResult{Job: &api.Job{ID: "1", Kind: "publish", State: api.JobDone}},
		"refused":     api.Errorf(api.CodeRejected, "the caption has 31 hashtags"),
		"later":       api.Errorf(api.CodeTransient, "Meta is down"),
		"maybe-live":  api.Errorf(api.CodeUnconfirmed, "the publish may be live"),
		"login-again": api.Errorf(api.CodeLoginNeeded, "log in again"),
	}
	d.answer("POST /v1/publish", func(body []byte) any {
		var req api.PublishRequest
		json.Unmarshal(body, &req)
		return outcome[req.Targets[0]]
	})
	d.answer("POST /v1/publish/reconcile", notLiveAnswer)
	run := func(projects ...string) (int, []manifestResult) {
		t.Helper()
		dir := t.TempDir()
		var m strings.Builder
		m.WriteString("version: 1\nitems:\n")
		for _, p := range projects {
			m.WriteString("  - project: " + p + "\n")
		}
		path := filepath.Join(dir, "m.yaml")
		testkit.WriteFile(t, path, m.String())
		b, _, out, _ := d.base()
		b.JSON = true
		err := runPublish(t.Context(), &publishOptions{baseOptions: b, Manifest: path, Progress: "none"})
		var rs []manifestResult
		if jerr := json.Unmarshal(out.Bytes(), &rs); jerr != nil || len(rs) != len(projects) {
			t.Fatalf("--json: %v\n%s", jerr, out)
		}
		return exitCode(err, false), rs
	}
	for _, tc := range []struct {
		items []string
		want  int
	}{
		{[]string{"ok", "ok"}, ExitOK},
		{[]string{"ok", "refused", "login-again"}, ExitRejected},
		{[]string{"refused", "later", "ok"}, ExitTransient},
		{[]string{"later", "maybe-live", "refused"}, ExitUnconfirmed},
	} {
		code, rs := run(tc.items...)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.items, code, tc.want)
		}
		for i, r := range rs {
			if r.Index != i+1 || r.Item != tc.items[i] {
				t.Errorf("%v: result %d = %+v", tc.items, i, r)
			}
		}
	}
}

// notLiveAnswer is a daemon's reconciliation that found nothing live.
func notLiveAnswer(body []byte) any {
	var req api.ReconcileRequest
	json.Unmarshal(body, &req)
	var ans api.ReconcileAnswer
	for range req.Items {
		ans.Items = append(ans.Items, api.ReconcileItem{Outcome: api.ReconcileNotLive})
	}
	return ans
}

// TestRunManifestSettlesLiveItemsFirst: the daemon's reconciliation of the
// run decides before anything is submitted. An item found live is reported
// as such (exit 0) and not submitted; an ambiguous one exits 7 with its
// candidates and is not submitted; the others go with Reconciled set, so
// the daemon does not list the account again for each.
func TestRunManifestSettlesLiveItemsFirst(t *testing.T) {
	d := newFakeDaemon()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	d.answer("POST /v1/publish/reconcile", func(body []byte) any {
		var req api.ReconcileRequest
		json.Unmarshal(body, &req)
		var ans api.ReconcileAnswer
		for _, it := range req.Items {
			switch it.Targets[0] {
			case "live":
				ans.Items = append(ans.Items, api.ReconcileItem{Outcome: api.ReconcileFoundLive,
					Job: &api.Job{ID: "9", Kind: "publish", State: api.JobDone}})
			case "twice":
				ans.Items = append(ans.Items, api.ReconcileItem{Outcome: api.ReconcileAmbiguous, LiveRefusal: &api.LiveRefusal{
					Ambiguous: true, Candidates: []api.LivePost{{MediaID: "1", Permalink: "https://x/p/1", Timestamp: &t0}, {MediaID: "2"}},
					Error: api.Errorf(api.CodeUnconfirmed, "2 live posts match")}})
			default:
				ans.Items = append(ans.Items, api.ReconcileItem{Outcome: api.ReconcileNotLive})
			}
		}
		if len(req.Others) != 0 {
			return api.Errorf(api.CodeInvalid, "no shards here, got %d others", len(req.Others))
		}
		return ans
	})
	d.answer("POST /v1/publish", func(body []byte) any {
		var req api.PublishRequest
		json.Unmarshal(body, &req)
		if !req.Reconciled {
			return api.Errorf(api.CodeInvalid, "submitted unreconciled")
		}
		return api.PublishResult{Job: &api.Job{ID: "1", Kind: "publish", State: api.JobDone}}
	})
	dir := t.TempDir()
	path := filepath.Join(dir, "m.yaml")
	testkit.WriteFile(t, path, "version: 1\nitems:\n  - project: ok\n  - project: live\n  - project: twice\n")
	b, _, out, _ := d.base()
	b.JSON = true
	err := runPublish(t.Context(), &publishOptions{baseOptions: b, Manifest: path, Progress: "none"})
	if code := exitCode(err, false); code != ExitUnconfirmed {
		t.Errorf("exit %d, want %d", code, ExitUnconfirmed)
	}
	var rs []manifestResult
	if jerr := json.Unmarshal(out.Bytes(), &rs); jerr != nil || len(rs) != 3 {
		t.Fatalf("--json: %v\n%s", jerr, out)
	}
	if r := rs[0]; r.State != "published" || r.FoundLive || r.Reconcile != api.ReconcileNotLive || r.ExitCode != 0 {
		t.Errorf("ok: %+v", r)
	}
	if r := rs[1]; r.State != "published" || !r.FoundLive || r.Job == nil || r.Job.ID != "9" || r.ExitCode != 0 {
		t.Errorf("live: %+v", r)
	}
	if r := rs[2]; r.State != "ambiguous" || r.ExitCode != ExitUnconfirmed || len(r.Candidates) != 2 || r.Error == nil {
		t.Errorf("twice: %+v", r)
	}
	if n := len(d.sent("POST /v1/publish")); n != 1 {
		t.Errorf("%d publishes submitted, want 1 (only the item not live)", n)
	}
}

// TestRunListsPrintEmptyArrays: whatever the daemon answers for an empty
// list (null included), every list command prints [] under --json, and
// its human form says so on stderr with stdout empty.
func TestRunListsPrintEmptyArrays(t *testing.T) {
	d := newFakeDaemon()
	for _, route := range []string{"GET /v1/projects", "GET /v1/jobs", "GET /v1/media", "GET /v1/mentions", "GET /v1/messages",
		"GET /v1/events", "GET /v1/privacy/requests", "GET /v1/privacy/retention"} {
		d.answer(route, func([]byte) any { return nil })
	}
	d.answer("GET /v1/comments", func([]byte) any { return api.CommentList{MediaID: "m1"} })
	for name, run := range map[string]func(baseOptions) error{
		"project list": func(b baseOptions) error { return runProjectList(t.Context(), &projectListOptions{b}) },
		"jobs list":    func(b baseOptions) error { return runJobsList(t.Context(), &jobsListOptions{baseOptions: b}) },
		"media list":   func(b baseOptions) error { return runMediaList(t.Context(), &mediaListOptions{baseOptions: b}) },
		"comments list": func(b baseOptions) error {
			return runCommentsList(t.Context(), &commentsListOptions{baseOptions: b, Media: "m1"})
		},
		"comments mentions": func(b baseOptions) error {
			return runCommentsMentions(t.Context(), &offlineListOptions{baseOptions: b})
		},
		"messages list": func(b baseOptions) error { return runMessagesList(t.Context(), &offlineListOptions{baseOptions: b}) },
		"events list":   func(b baseOptions) error { return runEventsList(t.Context(), &eventsListOptions{baseOptions: b}) },
		"privacy requests list": func(b baseOptions) error {
			return runRequestsList(t.Context(), &requestsListOptions{b})
		},
		"privacy retention show": func(b baseOptions) error {
			return runRetentionShow(t.Context(), &retentionShowOptions{b})
		},
	} {
		b, _, out, _ := d.base()
		b.JSON = true
		if err := run(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.TrimSpace(out.String()) != "[]" {
			t.Errorf("%s --json of an empty list = %q, want []", name, out)
		}
		if name == "privacy retention show" || name == "comments list" {
			continue // a table with its header; a count on stderr
		}
		b, _, out, errOut := d.base()
		if err := run(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if out.Len() != 0 || errOut.Len() == 0 {
			t.Errorf("%s of an empty list: stdout %q, stderr %q; want a line on stderr only", name, out, errOut)
		}
	}
}

// TestRunValidatePrintsLayoutWarnings: the daemon's layout warnings (text
// under Instagram's UI, text cut short) are printed after the verdict and
// do not change the exit; --json carries them.
func TestRunValidatePrintsLayoutWarnings(t *testing.T) {
	d := newFakeDaemon()
	d.answer("POST /v1/validate", func([]byte) any {
		return api.Validation{Target: "summer", Type: "reel", OK: true, Violations: []api.Violation{},
			Warnings: []api.Warning{{Rule: "safe_zone", Key: "texts[1].position", Line: 12, Message: "text 2 is under the caption area"}}}
	})
	target := filepath.Join(t.TempDir(), "summer.yaml")
	testkit.WriteFile(t, target, "version: 1\n")
	b, _, out, _ := d.base()
	if err := runValidate(t.Context(), &validateOptions{baseOptions: b, Target: target}); err != nil {
		t.Fatal(err)
	}
	if want := "warning: safe_zone: texts[1].position (line 12): text 2 is under the caption area\n"; !strings.HasPrefix(out.String(), "OK ") || !strings.HasSuffix(out.String(), want) {
		t.Errorf("stdout = %q, want the verdict then %q", out, want)
	}
	b, _, out, _ = d.base()
	b.JSON = true
	if err := runValidate(t.Context(), &validateOptions{baseOptions: b, Target: target}); err != nil {
		t.Fatal(err)
	}
	var v api.Validation
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.Warnings) != 1 || v.Warnings[0].Line != 12 {
		t.Errorf("--json = %s (%v)", out, err)
	}
}
