package daemon

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// What a render runs besides its ffmpeg: the input is probed once per
// file content (a second render of the same clip starts ffmpeg at once),
// the output is validated from its boxes, and ffmpeg -version runs once
// per binary however many renders and daemons' starts ask.
func TestRenderProbesAndAsksOnce(t *testing.T) {
	tools := ffmpegtest.Require(t)
	p := testPaths(t)
	dir := t.TempDir()
	count := filepath.Join(dir, "runs")
	wrap := func(name, real string) string {
		w := filepath.Join(dir, name)
		script := "echo \"" + name + " $*\" >> '" + count + "'\nexec '" + real + "' \"$@\"\n"
		testkit.Script(t, w, script)
		return w
	}
	cfg := "ffmpeg:\n  path: " + wrap("ffmpeg", tools.FFmpeg) + "\nffprobe:\n  path: " + wrap("ffprobe", tools.FFprobe) + "\n"
	testkit.WriteFile(t, p.ConfigFile, cfg)
	runs := func(prefix string) int {
		t.Helper()
		data := testkit.ReadFile(t, count)
		n := 0
		for line := range strings.Lines(string(data)) {
			if strings.HasPrefix(line, prefix) {
				n++
			}
		}
		return n
	}
	c, _, _ := startDaemon(t, p)
	ctx := t.Context()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", W: 96, H: 64, Dur: time.Second, Audio: true})
	render := func() *api.RenderResult {
		t.Helper()
		start, err := c.StartRender(ctx, api.RenderRequest{Media: clip, Preset: "preview", NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		j, r := waitRender(t, c, start)
		if j == nil || j.State != api.JobDone || r == nil || r.Remuxed {
			t.Fatalf("render = %+v, %+v; want a re-encode done", j, r)
		}
		return r
	}
	render()
	if n := runs("ffprobe"); n != 1 {
		t.Errorf("first render ran ffprobe %d times, want 1 (the input; the output is read from its boxes)", n)
	}
	render()
	if n := runs("ffprobe"); n != 1 {
		t.Errorf("after a second render of the same clip ffprobe ran %d times, want still 1", n)
	}
	// the clip changes: probed again
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", W: 80, H: 64, Dur: time.Second, Audio: true})
	if r := render(); r.Duration <= 0 {
		t.Fatalf("render of the changed clip: %+v", r)
	}
	if n := runs("ffprobe"); n != 2 {
		t.Errorf("after the clip changed ffprobe ran %d times in all, want 2", n)
	}
	if n := runs("ffmpeg -hide_banner -version"); n != 1 {
		t.Errorf("ffmpeg -version ran %d times, want once for this binary", n)
	}
}

// A media file the daemon has not hashed is hashed by the job while it
// renders; the key is the same, and a cache hit that the hash reveals is
// answered from the cache (here after a restart, which forgets hashes).
func TestRenderHashesWhileRendering(t *testing.T) {
	ffmpegtest.Require(t)
	p := testPaths(t)
	c, stop, done := startDaemon(t, p)
	ctx := t.Context()
	dir := t.TempDir()
	ok := previewReadyClip(t, dir)
	first, err := c.StartRender(ctx, api.RenderRequest{Media: ok, Preset: "preview"})
	if err != nil || first.Job == nil {
		t.Fatalf("first render = %+v, %v; want a job", first, err)
	}
	_, r1 := waitRender(t, c, first)
	if r1 == nil || !r1.Remuxed || r1.Cached || len(r1.CacheKey) != 64 {
		t.Fatalf("first render = %+v; want a remux with its key", r1)
	}
	// hashed now: the request answers from the cache itself
	second, err := c.StartRender(ctx, api.RenderRequest{Media: ok, Preset: "preview"})
	if err != nil || second.Result == nil || !second.Result.Cached || second.Result.CacheKey != r1.CacheKey {
		t.Fatalf("second render = %+v, %v; want the cached %s at once", second, err, r1.CacheKey)
	}
	// a new daemon has not hashed it: a job, which finds the cached render
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c, _, _ = startDaemon(t, p)
	third, err := c.StartRender(ctx, api.RenderRequest{Media: ok, Preset: "preview"})
	if err != nil {
		t.Fatal(err)
	}
	if third.Result != nil {
		t.Fatalf("after a restart the request knew the hash: %+v", third.Result)
	}
	j, r3 := waitRender(t, c, third)
	if j.State != api.JobDone || r3 == nil || !r3.Cached || r3.CacheKey != r1.CacheKey || r3.Output != r1.Output {
		t.Fatalf("render after a restart = %+v, %+v; want the cached %s", j, r3, r1.Output)
	}
}
