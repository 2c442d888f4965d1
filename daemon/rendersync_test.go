package daemon

import (
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/store"
)

// A finished render is the cache's answer as soon as its job ends, while
// its durable record is written after the output is synced, off the job;
// a graceful shutdown right after a render still leaves the record in the
// store, pointing at the file with its size.
func TestRenderRecordedAfterSyncAndBeforeShutdown(t *testing.T) {
	ffmpegtest.Require(t)
	p := testPaths(t)
	c, cancel, done := startDaemon(t, p)
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: time.Second, Audio: true})
	spec := writeSpec(t, dir, "s.yaml", "version: 1\nname: s\npreset: preview\nclips:\n  - video: a.mp4\n")
	start, err := c.StartRender(t.Context(), api.RenderRequest{Spec: spec})
	if err != nil || start.Job == nil {
		t.Fatalf("render = %+v, %v; want a job", start, err)
	}
	j, r := waitRender(t, c, start)
	if j.State != api.JobDone || r.Cached {
		t.Fatalf("render job %+v result %+v", j, r)
	}
	again, err := c.StartRender(t.Context(), api.RenderRequest{Spec: spec})
	if err != nil || again.Result == nil || !again.Result.Cached || again.Result.Output != r.Output {
		t.Fatalf("the same render right after = %+v, %v; want the cache's answer %s", again, err, r.Output)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("daemon: %v", err)
	}
	db, err := store.Open(p.DBFile(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := db.Render(r.CacheKey)
	if err != nil {
		t.Fatalf("the render's record after shutdown: %v", err)
	}
	if rec.Path != r.Output || rec.Size != r.Size {
		t.Errorf("record %s (%d bytes), want %s (%d bytes)", rec.Path, rec.Size, r.Output, r.Size)
	}
}
