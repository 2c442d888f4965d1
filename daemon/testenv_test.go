package daemon

// Test harness pieces the daemon's test environments share: a fake clock, a
// log buffer safe for concurrent writes, and the unix-socket API server.

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
)

// fakeClock is shared by the daemon and the sandbox so that token ages
// agree on both sides.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is the daemon log of a test, scanned for secrets.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// serveUnix serves h on a unix socket in a short temp dir (socket paths must
// stay under 104 bytes, and t.TempDir() names can be long) until the test
// ends, and returns a client of it.
func serveUnix(t *testing.T, h http.Handler) *api.Client {
	t.Helper()
	sockDir, err := os.MkdirTemp("", "id")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "d.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return api.NewClient(sock)
}
