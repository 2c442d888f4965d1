package daemontest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// FastPublish are the publish.* settings that make tests quick: the code
// paths are the real ones, only the waits are short.
var FastPublish = map[string]string{
	"IMPRESS_PUBLISH_POLL_INTERVAL": "10ms",
	"IMPRESS_PUBLISH_POLL_MAX":      "40ms",
	"IMPRESS_PUBLISH_POLL_TIMEOUT":  "20s",
	"IMPRESS_PUBLISH_RETRY_DELAY":   "5ms",
	"IMPRESS_PUBLISH_QUOTA_RECHECK": "20ms",
	"IMPRESS_PUBLISH_SLOWDOWN":      "20ms",
}

// WaitJobEnd polls job id until it ends, failing the test after limit.
func WaitJobEnd(t testing.TB, c *api.Client, id string, limit time.Duration) *api.Job {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		j, err := c.Job(t.Context(), id)
		if err == nil && j.Terminal() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end within %s: %+v (err %v)", id, limit, j, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// DetailOf is a publish job's detail, failing the test when it has none.
func DetailOf(t testing.TB, j *api.Job) *api.PublishDetail {
	t.Helper()
	d := api.PublishDetailOf(j)
	if d == nil {
		t.Fatalf("job %s has no publish detail: %s", j.ID, j.Detail)
	}
	return d
}

// Strp is &s.
func Strp(s string) *string { return &s }

// ReelClip makes a file that meets the reel rules as it is: H.264
// yuv420p, AAC 48 kHz 128 kb/s, moov first, no edit list, 3 s.
func ReelClip(t testing.TB, dir, name string, dur time.Duration) string {
	t.Helper()
	ffmpegtest.Require(t)
	path := filepath.Join(dir, name)
	secs := fmt.Sprintf("%.3f", dur.Seconds())
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration="+secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+secs,
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-g", "60", "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2",
		"-movflags", "+faststart", "-use_editlist", "0", "-shortest", "file:"+path)
	return path
}

// GateProxy sits between the daemon and the sandbox. A Gate holds the
// first request that matches it — before the sandbox sees it, or after
// the sandbox acted with the answer held back — until the test releases
// it or the client goes away (a killed daemon).
type GateProxy struct {
	H     http.Handler // the sandbox
	mu    sync.Mutex
	gates []*Gate
	// failGET, when set, answers matching GETs with a transport-level
	// failure (the connection is cut).
	failGET func(r *http.Request) bool
}

// Gate is one held request of a GateProxy.
type Gate struct {
	method string
	match  func(r *http.Request) bool
	after  bool // forward first, hold the answer
	hit    chan struct{}
	open   chan struct{}
	once   sync.Once
	used   bool
}

// Hold adds a Gate for the first request of method that satisfies match.
func (p *GateProxy) Hold(method string, after bool, match func(*http.Request) bool) *Gate {
	g := &Gate{method: method, match: match, after: after, hit: make(chan struct{}), open: make(chan struct{})}
	p.mu.Lock()
	p.gates = append(p.gates, g)
	p.mu.Unlock()
	return g
}

// SetFailGET sets (nil: clears) the GETs answered by cutting the
// connection.
func (p *GateProxy) SetFailGET(fail func(*http.Request) bool) {
	p.mu.Lock()
	p.failGET = fail
	p.mu.Unlock()
}

// Last is the gate added last.
func (p *GateProxy) Last() *Gate {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gates[len(p.gates)-1]
}

// Release lets the held request (or its answer) go on.
func (g *Gate) Release() { g.once.Do(func() { close(g.open) }) }

// WaitHit waits until a request reached the Gate.
func (g *Gate) WaitHit(t testing.TB) {
	t.Helper()
	select {
	case <-g.hit:
	case <-time.After(60 * time.Second):
		t.Fatal("no request reached the Gate within 60 s")
	}
}

func (p *GateProxy) take(r *http.Request) *Gate {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.gates {
		if !g.used && g.method == r.Method && g.match(r) {
			g.used = true
			return g
		}
	}
	return nil
}

// ServeHTTP forwards r to the sandbox, or holds it at its gate.
func (p *GateProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	fail := p.failGET
	p.mu.Unlock()
	if fail != nil && r.Method == http.MethodGet && fail(r) {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	g := p.take(r)
	if g == nil {
		p.H.ServeHTTP(w, r)
		return
	}
	// Read the whole body first: only then does net/http watch the
	// connection, so that a killed client cancels r.Context().
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !g.after {
		close(g.hit)
		select {
		case <-g.open:
			p.H.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
		return
	}
	rec := httptest.NewRecorder()
	p.H.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
	close(g.hit)
	select {
	case <-g.open:
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	case <-r.Context().Done():
	}
}

// HasSuffix matches requests whose path ends in s.
func HasSuffix(s string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, s) }
}

// HasPart matches requests whose path contains s.
func HasPart(s string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.Contains(r.URL.Path, s) }
}

// StatusRead matches a container status poll.
func StatusRead(r *http.Request) bool {
	return strings.Contains(r.URL.Query().Get("fields"), "status_code")
}

// PermalinkRead matches the permalink read after a publish.
func PermalinkRead(r *http.Request) bool {
	return strings.Contains(r.URL.Query().Get("fields"), "permalink") && !strings.HasSuffix(r.URL.Path, "/media")
}

// SubmitBatch does with a run what `impress publish --manifest` does: one
// reconciliation of its items (others: other shards' items), then a
// publish of each item it lets through, marked as checked. jobs[k] is item
// k's job as submitted (the found-live record for items found live; nil
// for refused ones); nothing is waited for.
func SubmitBatch(t testing.TB, c *api.Client, reqs []api.PublishRequest, others ...api.PublishRequest) (*api.ReconcileAnswer, []*api.Job) {
	t.Helper()
	ans, err := c.Reconcile(t.Context(), api.ReconcileRequest{Items: reqs, Others: others})
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if len(ans.Items) != len(reqs) {
		t.Fatalf("reconcile answered %d items for %d", len(ans.Items), len(reqs))
	}
	jobs := make([]*api.Job, len(reqs))
	for k, v := range ans.Items {
		switch v.Outcome {
		case api.ReconcileFoundLive:
			jobs[k] = v.Job
		case api.ReconcileAmbiguous, api.ReconcileIncomplete, api.ReconcileFailed:
		default:
			r := reqs[k]
			r.Reconciled = true
			res, err := c.Publish(t.Context(), r)
			if err != nil {
				t.Fatalf("publish item %d: %v", k, err)
			}
			jobs[k] = res.Job
		}
	}
	return ans, jobs
}

// RunBatch is SubmitBatch, then every job followed to its end.
func RunBatch(t testing.TB, c *api.Client, reqs []api.PublishRequest, others ...api.PublishRequest) (*api.ReconcileAnswer, []*api.Job) {
	t.Helper()
	ans, jobs := SubmitBatch(t, c, reqs, others...)
	for k, j := range jobs {
		if j != nil && !j.Terminal() {
			jobs[k] = WaitJobEnd(t, c, j.ID, 60*time.Second)
		}
	}
	return ans, jobs
}
