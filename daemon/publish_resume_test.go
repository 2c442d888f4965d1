package daemon

import (
	"crypto/sha256"
	"encoding/hex"
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
)

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
