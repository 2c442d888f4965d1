package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/store"
)

// TestFIFOsNeverBlock: a named pipe given where a file is expected is
// refused at once (invalid_input) on every entry point, and no daemon thread is
// left waiting on it. On b62770a `render` of a FIFO hung the request and
// left a daemon thread in open(2) for good.
func TestFIFOsNeverBlock(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	dir := t.TempDir()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4"})
	fifo := filepath.Join(dir, "f.mp4")
	fifoSpec := filepath.Join(dir, "f.yaml")
	fifoSRT := filepath.Join(dir, "f.srt")
	for _, f := range []string{fifo, fifoSpec, fifoSRT} {
		if err := syscall.Mkfifo(f, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	specFIFOMedia := writeSpec(t, dir, "m.yaml", "version: 1\nname: m\nclips:\n  - video: f.mp4\n")
	specFIFOCaptions := writeSpec(t, dir, "c.yaml", "version: 1\nname: c\nclips:\n  - video: a.mp4\ncaptions: {file: f.srt}\n")
	if _, err := c.CreateProject(t.Context(), api.NewProjectRequest{Name: "demo", Preset: "preview", Clips: []string{clip}}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func(ctx context.Context) error{
		"render media": func(ctx context.Context) error {
			return testkit.ErrOf(c.StartRender(ctx, api.RenderRequest{Media: fifo}))
		},
		"render spec": func(ctx context.Context) error {
			return testkit.ErrOf(c.StartRender(ctx, api.RenderRequest{Spec: fifoSpec}))
		},
		"render spec media": func(ctx context.Context) error {
			return testkit.ErrOf(c.StartRender(ctx, api.RenderRequest{Spec: specFIFOMedia}))
		},
		"render captions": func(ctx context.Context) error {
			return testkit.ErrOf(c.StartRender(ctx, api.RenderRequest{Spec: specFIFOCaptions}))
		},
		"apply": func(ctx context.Context) error {
			return testkit.ErrOf(c.ApplyProject(ctx, api.ApplyRequest{Path: fifoSpec}))
		},
		"apply media": func(ctx context.Context) error {
			return testkit.ErrOf(c.ApplyProject(ctx, api.ApplyRequest{Path: specFIFOMedia}))
		},
		"asset add": func(ctx context.Context) error {
			return testkit.ErrOf(c.AddAssets(ctx, "demo", api.AddAssetsRequest{Paths: []string{fifo}}))
		},
		"asset add srt": func(ctx context.Context) error {
			return testkit.ErrOf(c.AddAssets(ctx, "demo", api.AddAssetsRequest{Paths: []string{fifoSRT}}))
		},
		"validate media": func(ctx context.Context) error {
			return testkit.ErrOf(c.Validate(ctx, api.ValidateRequest{Path: fifo}))
		},
		"validate spec": func(ctx context.Context) error {
			return testkit.ErrOf(c.Validate(ctx, api.ValidateRequest{Path: fifoSpec}))
		},
		"new project": func(ctx context.Context) error {
			return testkit.ErrOf(c.CreateProject(ctx, api.NewProjectRequest{Name: "p2", Clips: []string{fifo}}))
		},
	} {
		// generous: the point is that it returns, not how fast
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		err := call(ctx)
		cancel()
		if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, "named pipe") {
			t.Errorf("%s: %v; want invalid_input saying it is a named pipe", name, err)
		}
	}
	// A reader still in open(2) would let a non-blocking writer in; with
	// none, open answers ENXIO.
	for _, f := range []string{fifo, fifoSpec, fifoSRT} {
		fd, err := syscall.Open(f, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			syscall.Close(fd)
			t.Errorf("%s: a reader is still waiting on the FIFO", filepath.Base(f))
		} else if !errors.Is(err, syscall.ENXIO) {
			t.Errorf("%s: open for writing: %v", filepath.Base(f), err)
		}
	}
}

// TestSpecLimitsAtApplyAndRender: a spec past a limit is refused with
// invalid_input naming the key and line when applied and when rendered, and
// nothing is created.
func TestSpecLimitsAtApplyAndRender(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	dir := t.TempDir()
	ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "p.png"))
	var many strings.Builder
	many.WriteString("version: 1\nname: many\nclips:\n")
	for range 5000 {
		many.WriteString("  - image: p.png\n")
	}
	for _, tc := range []struct{ name, spec, want string }{
		{"clips", many.String(), "big.yaml:4: clips: 5000 clips is more than a spec may have (500)"},
		{"duration", "version: 1\nname: x\nclips:\n  - image: p.png\n    duration: 99999999999\n", "big.yaml:5: clips[0].duration: 99999999999 is more than 900 s"},
		{"hour", "version: 1\nname: x\nclips:\n  - image: p.png\n    duration: 3600\n", "more than 900 s"},
		{"1e308", "version: 1\nname: x\nclips:\n  - image: p.png\n    duration: 1e308\n", "more than 900 s"},
		{"story", "version: 1\nname: x\npreset: story\nclips:\n  - image: p.png\n    duration: 61\n", "the story preset allows at most 60s"},
	} {
		path := writeSpec(t, dir, "big.yaml", tc.spec)
		_, err := c.ApplyProject(t.Context(), api.ApplyRequest{Path: path, Display: "big.yaml"})
		if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("apply %s = %v; want invalid_input with %q", tc.name, err, tc.want)
		}
		_, err = c.StartRender(t.Context(), api.RenderRequest{Spec: path, Display: "big.yaml"})
		if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("render %s = %v; want invalid_input with %q", tc.name, err, tc.want)
		}
		_, err = c.Validate(t.Context(), api.ValidateRequest{Path: path, Display: "big.yaml"})
		if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("validate %s = %v; want invalid_input with %q", tc.name, err, tc.want)
		}
	}
	// --preset story on a spec written for reels
	path := writeSpec(t, dir, "long.yaml", "version: 1\nname: long\nclips:\n  - image: p.png\n    duration: 90\n")
	_, err := c.StartRender(t.Context(), api.RenderRequest{Spec: path, Display: "long.yaml", Preset: "story"})
	if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, "story preset allows at most 60s") {
		t.Errorf("render --preset story of 90 s = %v; want invalid_input", err)
	}
	if ps, _ := c.Projects(t.Context()); len(ps) != 0 {
		t.Errorf("refused specs created projects: %+v", ps)
	}
	if js, _ := c.Jobs(t.Context(), ""); len(js) != 0 {
		t.Errorf("refused specs started jobs: %s", fmt.Sprint(js))
	}
}

// TestRenderCancelNeverResumes: a render cancelled while it encodes, and
// one cancelled while it waits its turn, end cancelled with no ffmpeg left
// behind, and stay cancelled when the daemon starts again.
func TestRenderCancelNeverResumes(t *testing.T) {
	ffmpegtest.Require(t)
	p := testPaths(t)
	c, stop, done := startDaemon(t, p)
	dir := t.TempDir()
	// Full-size reels: slow enough to cancel mid-encode.
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Audio: true, Dur: 10 * time.Second})
	first := renderUntilEncode(t, c, api.RenderRequest{Media: clip})
	// render.concurrency is 1: the second waits in the queue
	second, err := c.StartRender(t.Context(), api.RenderRequest{Media: clip, Preset: "square"})
	if err != nil || second.Job == nil {
		t.Fatalf("second render = %+v, %v", second, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, id := range []string{second.Job.ID, first.Job.ID} {
		if j, err := c.CancelJob(ctx, id); err != nil || j.State != api.JobCancelled {
			t.Fatalf("cancel %s = %+v, %v; want cancelled", id, j, err)
		}
	}
	if n := childProcs(t, "ffmpeg"); n != 0 {
		t.Errorf("%d ffmpeg processes left after the cancels", n)
	}
	stop()
	<-done
	c2, _, _ := startDaemon(t, p)
	for _, id := range []string{first.Job.ID, second.Job.ID} {
		j, err := c2.Job(t.Context(), id)
		if err != nil || j.State != api.JobCancelled {
			t.Errorf("job %s after a restart = %+v, %v; want still cancelled", id, j, err)
		}
	}
}

// childProcs counts this process's children named name (the daemon runs
// in the test process, so its ffmpeg runs are children of it).
func childProcs(t *testing.T, name string) int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …
		s := string(data)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		fields := strings.Fields(s[close+1:])
		if s[open+1:close] == name && len(fields) > 1 && fields[1] == fmt.Sprint(os.Getpid()) {
			n++
		}
	}
	return n
}

// TestUnsafeProjectNamesRefused: names that cannot be a path segment of
// the local API (".", "..", slashes), empty, with control characters or
// too long are refused when a project is made (invalid_input), by `project new`
// and by `project apply`. On b62770a "." and ".." were created and then
// could not be shown, exported or removed.
func TestUnsafeProjectNamesRefused(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	dir := t.TempDir()
	ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "p.png"))
	for _, name := range []string{".", "..", "a/b", `a\b`, "", " x", "tab\tname", "bell\a", strings.Repeat("n", 101)} {
		if _, err := c.CreateProject(t.Context(), api.NewProjectRequest{Name: name}); !api.HasCode(err, api.CodeInvalid) {
			t.Errorf("project new %q = %v; want invalid_input", name, err)
		}
		spec := writeSpec(t, dir, "n.yaml", fmt.Sprintf("version: 1\nname: %q\nclips:\n  - image: p.png\n", name))
		if _, err := c.ApplyProject(t.Context(), api.ApplyRequest{Path: spec}); !api.HasCode(err, api.CodeInvalid) {
			t.Errorf("apply of a spec named %q = %v; want invalid_input", name, err)
		}
	}
	if ps, _ := c.Projects(t.Context()); len(ps) != 0 {
		t.Errorf("refused names made projects: %+v", ps)
	}
}

// TestStopReleasesTheStoreFirst: once the socket stops answering, the
// store's lock is free, so `daemon stop` (which waits for that) can be
// followed by `daemon start` at once; until then ping says "stopping". On
// b62770a the socket went quiet first and the lock was held while jobs
// were parked (up to the 10 s shutdown bound).
func TestStopReleasesTheStoreFirst(t *testing.T) {
	ffmpegtest.Require(t)
	p := testPaths(t)
	c, _, done := startDaemon(t, p)
	// a render being parked gives the stop some work
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Audio: true, Dur: 10 * time.Second})
	start := renderUntilEncode(t, c, api.RenderRequest{Media: clip})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		ping, err := c.Ping(ctx)
		if errors.Is(err, api.ErrDaemonNotRunning) {
			break
		}
		if err == nil && ping.State != "stopping" && ping.State != "ok" {
			t.Errorf("ping state %q while stopping", ping.State)
		}
		if ctx.Err() != nil {
			t.Fatal("the daemon did not stop")
		}
		time.Sleep(time.Millisecond)
	}
	db, err := store.Open(p.DBFile(), store.Options{LockTimeout: 5 * time.Millisecond})
	if err != nil {
		t.Fatalf("the socket is quiet but the store is still locked: %v", err)
	}
	j, _ := db.Job(mustID(t, start.Job.ID))
	db.Close()
	if j.State != api.JobQueued {
		t.Errorf("the render was left %q, want queued (parked)", j.State)
	}
	<-done
}

func mustID(t *testing.T, id string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRenderOutExtension: --out names the container the preset writes;
// x.gif or x.webp is refused with the names that work (on b62770a they got
// an MP4 under that name), before any job starts.
func TestRenderOutExtension(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	dir := t.TempDir()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4"})
	img := ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "p.png"))
	for _, tc := range []struct {
		media, out, want string
	}{
		{clip, "x.gif", ".mp4 or .m4v"},
		{clip, "x.webp", ".mp4 or .m4v"},
		{clip, "x.MOV", ".mp4 or .m4v"},
		{img, "x.png", ".jpg or .jpeg"},
	} {
		_, err := c.StartRender(t.Context(), api.RenderRequest{Media: tc.media, Out: filepath.Join(dir, tc.out)})
		if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("render %s --out %s = %v; want invalid_input naming %s", filepath.Base(tc.media), tc.out, err, tc.want)
		}
	}
	if js, _ := c.Jobs(t.Context(), ""); len(js) != 0 {
		t.Errorf("refused renders started jobs: %v", js)
	}
}

// renderUntilEncode starts a render and follows it until it encodes (a
// full-size reels render of a 10 s clip encodes for a while: long enough
// to cancel it or stop the daemon under it).
func renderUntilEncode(t testing.TB, c *api.Client, req api.RenderRequest) *api.RenderStart {
	t.Helper()
	start, err := c.StartRender(t.Context(), req)
	if err != nil || start.Job == nil {
		t.Fatalf("render = %+v, %v", start, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := c.WatchJob(ctx, start.Job.ID, func(ev api.JobEvent) error {
		if ev.Stage == "encode" {
			return errStopWatching
		}
		return nil
	}); err != errStopWatching {
		t.Fatalf("never saw the encode stage: %v", err)
	}
	return start
}
