package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
)

// A publish killed with SIGKILL, and what comes next: the same runner
// resumes the upload where Meta has it (TestUploadResumesAfterSIGKILL), or
// a fresh runner with an empty home finds what already reached the account
// and posts each item once (the fresh-runner tests below).

// uploadMeter sits in front of the sandbox and counts the body bytes of
// rupload POSTs that reach it. The first upload stalls after stallAt
// bytes: the sandbox has those and no more, the rest of the body never
// arrives (the test kills the daemon meanwhile), as when a connection dies
// mid-upload.
type uploadMeter struct {
	h       http.Handler
	stallAt int64
	stalled chan struct{} // closed when the first upload stalls
	unstall chan struct{} // closed by the test: the stalled read fails

	mu    sync.Mutex
	bytes int64
	first bool
}

func (m *uploadMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/ig-api-upload/") {
		m.mu.Lock()
		stall := !m.first
		m.first = true
		m.mu.Unlock()
		r.Body = &meteredBody{m: m, r: r.Body, stall: stall}
	}
	m.h.ServeHTTP(w, r)
}

func (m *uploadMeter) total() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

type meteredBody struct {
	m     *uploadMeter
	r     io.ReadCloser
	stall bool
	n     int64
}

func (b *meteredBody) Read(p []byte) (int, error) {
	if b.stall {
		left := b.m.stallAt - b.n
		if left <= 0 {
			close(b.m.stalled)
			<-b.m.unstall
			return 0, io.ErrUnexpectedEOF
		}
		p = p[:min(int64(len(p)), left)]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.m.mu.Lock()
	b.m.bytes += int64(n)
	b.m.mu.Unlock()
	return n, err
}

func (b *meteredBody) Close() error { return b.r.Close() }

// TestUploadResumesAfterSIGKILL: a daemon killed in the middle of a
// resumable upload leaves Meta with part of the file. The next daemon asks
// Meta how much arrived and sends the rest only: the sandbox reads the
// file's bytes about once in all (never twice), the post is published once
// and Meta's copy is the file.
func TestUploadResumesAfterSIGKILL(t *testing.T) {
	ffmpegtest.Require(t)
	reel := daemontest.ReelClip(t, t.TempDir(), "reel.mp4", 3*time.Second)
	fi, err := os.Stat(reel)
	if err != nil {
		t.Fatal(err)
	}
	size := fi.Size()
	a := newCrashAccount(t)
	meter := &uploadMeter{h: a.sb, stallAt: size * 3 / 4, stalled: make(chan struct{}), unstall: make(chan struct{})}
	a.proxy.H = meter
	e := a.runner(t)
	e.start()
	e.login("facebook")
	res, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{reel}, Caption: daemontest.Strp("resumed upload")})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-meter.stalled:
	case <-time.After(60 * time.Second):
		t.Fatalf("the upload never reached %d bytes:\n%s", meter.stallAt, e.out.String())
	}
	// The sandbox holds the first three quarters when the daemon dies.
	received := func() int64 {
		for _, c := range a.sb.State().Containers {
			if c.Upload != nil {
				return c.Upload.Received
			}
		}
		return -1
	}
	daemontest.WaitFor(t, 10*time.Second, func() bool { return received() == meter.stallAt })
	e.kill()
	close(meter.unstall)
	before := meter.total()

	e.start()
	j := daemontest.WaitJobEnd(t, e.c, res.Job.ID, 60*time.Second)
	if j.State != api.JobDone {
		t.Fatalf("after restart: %s %+v\nchild:\n%s", j.State, j.Error, e.out.String())
	}
	if pub := a.sb.Published(); len(pub) != 1 {
		t.Fatalf("sandbox holds %d media, want 1", len(pub))
	}
	total, after := meter.total(), meter.total()-before
	t.Logf("file %d bytes; the sandbox read %d before the kill, %d after (%d in all)", size, before, after, total)
	if total >= 2*size || after > size-meter.stallAt {
		t.Errorf("the sandbox read %d bytes in all, %d after the restart; want < %d in all and at most the %d it lacked after",
			total, after, 2*size, size-meter.stallAt)
	}
	data := testkit.ReadFile(t, reel)
	sum := sha256.Sum256(data)
	for _, c := range a.sb.State().Containers {
		if c.Upload != nil && (c.Upload.Received != size || c.Upload.SHA256 != hex.EncodeToString(sum[:])) {
			t.Errorf("Meta's copy: %d bytes (sha %s), want the file's %d", c.Upload.Received, c.Upload.SHA256, size)
		}
	}
	if d := daemontest.DetailOf(t, j); len(d.Notes) == 0 || !strings.Contains(strings.Join(d.Notes, "\n"), "went on from byte") {
		t.Errorf("notes: %q", d.Notes)
	}
}

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
