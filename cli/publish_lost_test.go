package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
)

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
