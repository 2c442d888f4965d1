package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/store"
)

// These tests drive a real daemon (in this process, on a temp socket)
// through a real api.Client, with real ffmpeg on tiny lavfi clips. The
// preview preset (540x960, fast x264) keeps each render near a second.

// writeSpec writes a spec file into dir.
func writeSpec(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	testkit.WriteFile(t, p, text)
	return p
}

// previewReadyClip makes dir/ok.mp4, a 3 s clip that already meets the
// preview preset (540x960 H.264 High, AAC stereo; moov last, as ffmpeg
// writes it): the input a render answers by remuxing (the fast path)
// instead of encoding.
func previewReadyClip(t *testing.T, dir string) string {
	t.Helper()
	ok := filepath.Join(dir, "ok.mp4")
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "testsrc2=size=540x960:rate=30:duration=3",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3,aformat=channel_layouts=stereo",
		"-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-g", "60", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-shortest", "file:"+ok)
	return ok
}

// waitRender follows a started render to its end.
func waitRender(t *testing.T, c *api.Client, start *api.RenderStart) (*api.Job, *api.RenderResult) {
	t.Helper()
	if start.Result != nil {
		return nil, start.Result
	}
	var final *api.Job
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := c.WatchJob(ctx, start.Job.ID, func(ev api.JobEvent) error {
		if ev.Job != nil {
			final = ev.Job
		}
		return nil
	}); err != nil {
		t.Fatalf("WatchJob: %v", err)
	}
	if final == nil {
		j, err := c.Job(ctx, start.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		final = j
	}
	return final, api.ResultOf(final)
}

func TestProjectApplyExportFixedPoint(t *testing.T) {
	c, p := ffmpegDaemon(t)
	ctx := t.Context()
	src := t.TempDir()
	testkit.MkdirAll(t, filepath.Join(src, "media"))
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dur: 3 * time.Second, Audio: true, Dir: filepath.Join(src, "media"), Name: "intro clip.mp4"})
	ffmpegtest.ImageFile(t, 64, 80, filepath.Join(src, "media", "photo.jpg"))
	srt := filepath.Join(src, "media", "voice.srt")
	testkit.WriteFile(t, srt, "1\n00:00:00,000 --> 00:00:01,000\nhello: world, it's {me}\n")
	spec := writeSpec(t, src, "demo.yaml", `version: 1
name: demo
preset: preview
clips:
  - video: "media/intro clip.mp4"
    in: 0.5
    fit: blur
    transition: {type: fade, duration: 0.5}
  - image: media/photo.jpg
    duration: 2
    zoom: in
texts:
  - text: "50% OFF: today's deal"
    end: 2
    position: top
captions:
  file: media/voice.srt
publish:
  type: reel
  caption: "Summer sale #sale"
`)
	res, err := c.ApplyProject(ctx, api.ApplyRequest{Path: spec, Display: "demo.yaml"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if !res.Created || !res.Changed || len(res.Imported) != 3 || len(res.Project.Assets) != 3 {
		t.Fatalf("first apply = %+v; want created with 3 imported assets", res)
	}
	if want := 2.5 + 2 - 0.5; math.Abs(res.Project.Duration-want) > 0.05 {
		t.Errorf("project duration = %v, want about %v", res.Project.Duration, want)
	}
	for _, a := range res.Project.Assets {
		if !strings.HasPrefix(a.Path, filepath.Join(p.DataDir, "media", a.SHA256[:2], a.SHA256)) {
			t.Errorf("asset %s stored at %s, want under the media store by hash", a.Name, a.Path)
		}
	}
	before, _ := c.Project(ctx, "demo")
	again, err := c.ApplyProject(ctx, api.ApplyRequest{Path: spec})
	if err != nil || again.Created || again.Changed || len(again.Imported) != 0 {
		t.Fatalf("second apply = %+v, %v; want unchanged, nothing imported", again, err)
	}
	after, _ := c.Project(ctx, "demo")
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("an unchanged apply moved updated_at %v -> %v", before.UpdatedAt, after.UpdatedAt)
	}
	exp1, err := c.ExportProject(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	// Apply the export from somewhere else entirely: still unchanged.
	other := writeSpec(t, t.TempDir(), "exported.yaml", exp1.Spec)
	round, err := c.ApplyProject(ctx, api.ApplyRequest{Path: other})
	if err != nil || round.Changed || len(round.Imported) != 0 {
		t.Fatalf("apply of the export = %+v, %v; want unchanged", round, err)
	}
	exp2, _ := c.ExportProject(ctx, "demo")
	if exp1.Spec != exp2.Spec {
		t.Errorf("export → apply → export changed the spec:\n%s\n---\n%s", exp1.Spec, exp2.Spec)
	}
	// The originals' names stay readable beside the media-store paths.
	for _, want := range []string{"50% OFF: today", "zoom: in", "Summer sale #sale", "# intro clip.mp4\n", "# photo.jpg\n", "# voice.srt\n"} {
		if !strings.Contains(exp1.Spec, want) {
			t.Errorf("export lost %q:\n%s", want, exp1.Spec)
		}
	}
	if strings.Contains(exp1.Spec, src) {
		t.Errorf("export names the originals instead of the media store:\n%s", exp1.Spec)
	}

	// The originals may move: the project renders from its own copies.
	if err := os.RemoveAll(filepath.Join(src, "media")); err != nil {
		t.Fatal(err)
	}
	start, err := c.StartRender(ctx, api.RenderRequest{Project: "demo"})
	if err != nil {
		t.Fatalf("render after the originals moved: %v", err)
	}
	j, r := waitRender(t, c, start)
	if j.State != api.JobDone || r == nil {
		t.Fatalf("render job = %+v", j)
	}
	f := ffmpegtest.ProbeFacts(t, r.Output)
	if f.Width != 540 || f.Height != 960 || f.VideoCodec != "h264" || !f.HasAudio || !f.MoovFirst || math.Abs(f.Duration-4) > 0.1 {
		t.Errorf("render facts = %+v; want 540x960 h264 with audio, moov first, about 4 s", f)
	}
}

func TestAssetAddRefusesNonMedia(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	ctx := t.Context()
	dir := t.TempDir()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "-dash clip.mp4"})
	if _, err := c.CreateProject(ctx, api.NewProjectRequest{Name: "demo", Preset: "preview", Clips: []string{clip}}); err != nil {
		t.Fatalf("new project with a dash-and-space file name: %v", err)
	}
	for name, data := range map[string]string{
		"notes.mp4":     "this is a note, not a video\n",
		"empty.mp4":     "",
		"playlist.m3u8": "#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n",
		"list.mp4":      "ffconcat version 1.0\nfile '/etc/hostname'\n",
	} {
		path := filepath.Join(dir, name)
		testkit.WriteFile(t, path, data)
		_, err := c.AddAssets(ctx, "demo", api.AddAssetsRequest{Paths: []string{clip, path}})
		e, ok := api.AsError(err)
		if !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, path) {
			t.Errorf("asset add %s = %v; want invalid_input naming the file", name, err)
		}
	}
	badSRT := filepath.Join(dir, "bad.srt")
	testkit.WriteFile(t, badSRT, "not captions at all\n")
	if _, err := c.AddAssets(ctx, "demo", api.AddAssetsRequest{Paths: []string{badSRT}}); !api.HasCode(err, api.CodeInvalid) || !strings.Contains(err.Error(), "bad.srt") {
		t.Errorf("asset add of a broken .srt = %v; want invalid_input naming it", err)
	}
	pr, err := c.Project(ctx, "demo")
	if err != nil || len(pr.Assets) != 1 {
		t.Errorf("project after refused imports = %+v, %v; want only the first clip", pr, err)
	}
	if _, err := c.AddAssets(ctx, "nope", api.AddAssetsRequest{Paths: []string{clip}}); !api.IsNotFound(err) {
		t.Errorf("asset add to an unknown project = %v, want not_found", err)
	}
	if _, err := c.AddAssets(ctx, "demo", api.AddAssetsRequest{Paths: []string{"relative.mp4"}}); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("relative path = %v, want invalid_input", err)
	}
	// An image appended to the timeline.
	img := ffmpegtest.Image(t, 64, 64)
	if _, err := c.AddAssets(ctx, "demo", api.AddAssetsRequest{Paths: []string{img}, Append: true}); err != nil {
		t.Fatal(err)
	}
	if pr, _ := c.Project(ctx, "demo"); pr.Clips != 2 || !strings.Contains(pr.Spec, "image: ") {
		t.Errorf("after asset add --append: %d clips, spec:\n%s", pr.Clips, pr.Spec)
	}
	if _, err := c.CreateProject(ctx, api.NewProjectRequest{Name: "demo"}); !api.HasCode(err, api.CodeConflict) {
		t.Errorf("second project new demo = %v, want conflict", err)
	}
	if err := c.DeleteProject(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Project(ctx, "demo"); !api.IsNotFound(err) {
		t.Errorf("after rm: %v, want not_found", err)
	}
}

func TestSpecErrorNamesKeyAndLine(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4"})
	for _, tc := range []struct{ spec, want string }{
		{"version: 1\nname: x\nclips:\n  - video: a.mp4\n    speeed: 2\n", "bad.yaml:5"},
		{"version: 1\nname: x\nclips:\n  - video: missing.mp4\n", "bad.yaml:4"},
		{"version: 1\nname: x\nclips:\n  - video: a.mp4\n    in: 3\n    out: 1\n", "bad.yaml:6"},
	} {
		path := writeSpec(t, dir, "bad.yaml", tc.spec)
		_, err := c.ApplyProject(t.Context(), api.ApplyRequest{Path: path, Display: "bad.yaml"})
		e, ok := api.AsError(err)
		if !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("apply %q = %v; want invalid_input with %q", tc.spec, err, tc.want)
		}
		_, err = c.StartRender(t.Context(), api.RenderRequest{Spec: path, Display: "bad.yaml"})
		if e, ok := api.AsError(err); !ok || e.Code != api.CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Errorf("render %q = %v; want invalid_input with %q", tc.spec, err, tc.want)
		}
	}
	if ps, _ := c.Projects(t.Context()); len(ps) != 0 {
		t.Errorf("refused specs created projects: %+v", ps)
	}
}

func TestRenderCacheOutAndFastPath(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	ctx := t.Context()
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	spec := writeSpec(t, dir, "s.yaml", "version: 1\nname: s\npreset: preview\nclips:\n  - video: a.mp4\n")
	start, err := c.StartRender(ctx, api.RenderRequest{Spec: spec})
	if err != nil || start.Job == nil {
		t.Fatalf("first render = %+v, %v; want a job", start, err)
	}
	j, r := waitRender(t, c, start)
	if j.State != api.JobDone || r.Cached || r.Output == "" {
		t.Fatalf("first render job %+v result %+v", j, r)
	}
	// Unchanged: answered from the cache, no job, with --out copied.
	out := filepath.Join(t.TempDir(), "-out file.mp4")
	start2, err := c.StartRender(ctx, api.RenderRequest{Spec: spec, Out: out})
	if err != nil || start2.Job != nil || start2.Result == nil || !start2.Result.Cached || start2.Result.Output != r.Output {
		t.Fatalf("second render = %+v, %v; want a cache hit of %s", start2, err, r.Output)
	}
	if start2.Result.Out != out {
		t.Errorf("--out = %q, want %q", start2.Result.Out, out)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() != r.Size {
		t.Errorf("--out file: %v, %v; want %d bytes", fi, err, r.Size)
	}
	// --out may be a hard link to the cache's file (same filesystem here).
	// The user edits their copy in place: the cache must not answer with
	// the edited bytes, but render again.
	uf, err := os.OpenFile(out, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uf.WriteAt([]byte("edited by the user"), 64); err != nil {
		t.Fatal(err)
	}
	uf.Close()
	edited := time.Now().Add(time.Minute) // a write moves the time; make sure on a coarse clock
	os.Chtimes(out, edited, edited)
	startE, err := c.StartRender(ctx, api.RenderRequest{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	if startE.Result != nil {
		if cached, _ := os.ReadFile(startE.Result.Output); bytes.Contains(cached, []byte("edited by the user")) {
			t.Fatalf("a cache hit answered with the user's edit of --out: %+v", startE.Result)
		}
	} else if _, rE := waitRender(t, c, startE); rE == nil || rE.Cached || rE.Output != r.Output {
		t.Fatalf("render after --out was edited = %+v; want a fresh render at %s", rE, r.Output)
	}
	if cached, _ := os.ReadFile(r.Output); bytes.Contains(cached, []byte("edited by the user")) {
		t.Error("the cache's file holds the user's edit")
	}
	if mine, _ := os.ReadFile(out); !bytes.Contains(mine, []byte("edited by the user")) {
		t.Error("the user's edited --out was changed")
	}
	// The same edit as a project hits the same cache entry: keys name content.
	if _, err := c.ApplyProject(ctx, api.ApplyRequest{Path: spec}); err != nil {
		t.Fatal(err)
	}
	if s3, err := c.StartRender(ctx, api.RenderRequest{Project: "s"}); err != nil || s3.Result == nil || s3.Result.CacheKey != r.CacheKey {
		t.Errorf("project render of the same spec = %+v, %v; want the cached %s", s3, err, r.CacheKey)
	}
	// A changed input misses.
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true, Source: "smptebars"})
	if s4, err := c.StartRender(ctx, api.RenderRequest{Spec: spec}); err != nil || s4.Job == nil {
		t.Errorf("render after the clip changed = %+v, %v; want a new job", s4, err)
	} else {
		waitRender(t, c, s4)
	}

	// Fast path: a file that already meets the preview preset is remuxed,
	// its video bitstream untouched, moov moved first, no edit list.
	ok := previewReadyClip(t, dir)
	start5, err := c.StartRender(ctx, api.RenderRequest{Media: ok, Preset: "preview"})
	if err != nil {
		t.Fatal(err)
	}
	_, r5 := waitRender(t, c, start5)
	if r5 == nil || !r5.Remuxed {
		t.Fatalf("compliant file result = %+v; want remuxed", r5)
	}
	if a, b := ffmpegtest.StreamHash(t, ok, "v:0"), ffmpegtest.StreamHash(t, r5.Output, "v:0"); a != b {
		t.Errorf("fast path re-encoded the video: %s != %s", a, b)
	}
	f := ffmpegtest.ProbeFacts(t, r5.Output)
	if !f.MoovFirst || f.HasEditList {
		t.Errorf("fast path output moov first %v, edit list %v", f.MoovFirst, f.HasEditList)
	}
}

func TestRenderViolationRegistersNothing(t *testing.T) {
	c, p := ffmpegDaemon(t)
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Audio: true}) // 1 s: too short for a Reel
	start, err := c.StartRender(t.Context(), api.RenderRequest{Media: clip, Preset: "preview"})
	if err != nil {
		t.Fatal(err)
	}
	if j, r := waitRender(t, c, start); j.State != api.JobDone || len(r.Violations) == 0 {
		t.Errorf("a 1 s preview = %+v %+v; want done with its violations reported", j, r)
	}
	// Not a preview: the violation fails the job and nothing is kept.
	start, err = c.StartRender(t.Context(), api.RenderRequest{Media: clip, Preset: "square", NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	j, r := waitRender(t, c, start)
	if j.State != api.JobFailed || j.Error == nil || j.Error.Code != api.CodeRejected || !strings.Contains(j.Error.Message, "duration_min") {
		t.Fatalf("1 s reel job = %+v; want failed, rejected, duration_min", j)
	}
	if r == nil || len(r.Violations) == 0 || r.Output != "" {
		t.Errorf("failed result = %+v; want its violations and no output", r)
	}
	entries, _ := os.ReadDir(filepath.Join(p.DataDir, "renders"))
	var mp4 int
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".mp4") {
			mp4++
		}
	}
	if mp4 != 1 {
		t.Errorf("renders dir holds %d MP4s, want only the preview's", mp4)
	}
	if tmp, _ := os.ReadDir(filepath.Join(p.DataDir, "renders", "tmp")); len(tmp) != 0 {
		t.Errorf("renders/tmp not cleaned: %v", tmp)
	}
}

func TestRenderCancelKeepsNothing(t *testing.T) {
	c, p := ffmpegDaemon(t)
	// Full-size reels: slow enough to cancel mid-encode.
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Audio: true, Dur: 10 * time.Second})
	start := renderUntilEncode(t, c, api.RenderRequest{Media: clip})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	j, err := c.CancelJob(ctx, start.Job.ID)
	if err != nil || j.State != api.JobCancelled {
		t.Fatalf("cancel = %+v, %v; want cancelled", j, err)
	}
	if rs := rendersIn(t, p); len(rs) != 0 {
		t.Errorf("a cancelled render left files: %v", rs)
	}
}

var errStopWatching = &api.Error{Code: "stop", Message: "stop watching"}

func rendersIn(t *testing.T, p config.Paths) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(p.DataDir, "renders"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func TestRenderJobsResumeAfterCrash(t *testing.T) {
	ffmpegtest.Require(t)
	p := testPaths(t)
	c, cancel, done := startDaemon(t, p)
	dir := t.TempDir()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	if _, err := c.CreateProject(t.Context(), api.NewProjectRequest{Name: "demo", Preset: "preview", Clips: []string{clip}}); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	// What a crash mid-render leaves: a job marked running that no
	// process runs, and a half-written file in renders/tmp.
	db, err := store.Open(p.DBFile(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	detail, _ := json.Marshal(api.RenderDetail{Request: api.RenderRequest{Project: "demo", Display: "demo"}})
	job, err := db.CreateJob(store.Job{Kind: api.JobRender, State: api.JobRunning, Stage: "encode", Title: "render demo", Detail: detail}, false)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	stale := filepath.Join(p.DataDir, "renders", "tmp", "job-9-x", "out.mp4")
	testkit.MkdirAll(t, filepath.Dir(stale))
	testkit.WriteFile(t, stale, "half")
	staleImport := filepath.Join(p.DataDir, "media", ".import-123")
	testkit.WriteFile(t, staleImport, "half a copy")

	c2, _, _ := startDaemon(t, p)
	id := strconv.FormatUint(job.ID, 10)
	j, r := waitRender(t, c2, &api.RenderStart{Job: &api.Job{ID: id}})
	if j.State != api.JobDone || r == nil || r.Output == "" {
		t.Fatalf("resumed job = %+v", j)
	}
	for _, f := range []string{stale, staleImport} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("stale temporary %s survived the restart", f)
		}
	}
	// The resumed render is registered: asking again is a cache hit.
	s, err := c2.StartRender(t.Context(), api.RenderRequest{Project: "demo"})
	if err != nil || s.Result == nil || !s.Result.Cached {
		t.Errorf("render after resume = %+v, %v; want a cache hit", s, err)
	}
}

func TestValidateTargets(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	ctx := t.Context()
	dir := t.TempDir()
	short := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "short.mp4", Audio: true})
	v, err := c.Validate(ctx, api.ValidateRequest{Path: short})
	if err != nil || v.OK || v.Type != "reel" {
		t.Fatalf("validate 1 s clip = %+v, %v", v, err)
	}
	// moov_first is what render and publish fix by themselves: said
	// apart from the violations.
	if len(v.Violations) != 1 || v.Violations[0].Rule != "duration_min" {
		t.Errorf("violations %v, want duration_min alone", v.Violations)
	}
	if !slices.ContainsFunc(v.AutoFixed, func(vi api.Violation) bool { return vi.Rule == "moov_first" }) {
		t.Errorf("auto_fixed %v lacks moov_first", v.AutoFixed)
	}
	img := ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "square.jpg"))
	if v, err := c.Validate(ctx, api.ValidateRequest{Path: img}); err != nil || !v.OK || v.Type != "image" {
		t.Errorf("validate square JPEG = %+v, %v; want OK as image", v, err)
	}
	if _, err := c.Validate(ctx, api.ValidateRequest{Path: img, Type: "poster"}); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("unknown type = %v, want invalid_input", err)
	}
	// A spec is checked through its render: first a job, then the answer.
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	spec := writeSpec(t, dir, "s.yaml", "version: 1\nname: s\npreset: preview\nclips:\n  - video: a.mp4\n")
	v, err = c.Validate(ctx, api.ValidateRequest{Path: spec, Type: "story"})
	if err != nil || v.Job == nil {
		t.Fatalf("validate unrendered spec = %+v, %v; want a job", v, err)
	}
	waitRender(t, c, &api.RenderStart{Job: v.Job})
	v, err = c.Validate(ctx, api.ValidateRequest{Path: spec, Type: "story"})
	if err != nil || v.Job != nil || !v.OK || v.Type != "story" {
		t.Errorf("validate rendered spec = %+v, %v; want OK as a story", v, err)
	}
}

func TestDoctorRenderChecks(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	h, err := c.Health(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]api.Check{}
	for _, ch := range h.Checks {
		got[ch.Name] = ch
	}
	for _, name := range []string{"ffmpeg", "ffprobe", "encoders", "font"} {
		if got[name].Status != "OK" {
			t.Errorf("doctor %s = %+v, want OK", name, got[name])
		}
	}
	if !strings.Contains(got["ffmpeg"].Detail, "version 5") {
		t.Errorf("ffmpeg check does not give the version: %q", got["ffmpeg"].Detail)
	}
	if _, ok := got["font"]; !ok {
		t.Errorf("no font check in %+v", h.Checks)
	}
	// what a spec may name: the installed fonts and ffmpeg's transitions
	if f := got["fonts"]; f.Status != "OK" || !strings.Contains(f.Detail, "DejaVu Sans") {
		if _, err := exec.LookPath("fc-list"); err == nil {
			t.Errorf("doctor fonts = %+v, want the DejaVu families listed", f)
		}
	}
	if tr := got["transitions"]; tr.Status != "OK" || !strings.Contains(tr.Detail, "fade, wipeleft") {
		t.Errorf("doctor transitions = %+v, want ffmpeg's xfade list", tr)
	}
}

func TestDoctorNamesTheFixWhenFFmpegIsMissing(t *testing.T) {
	p := testPaths(t)
	testkit.WriteFile(t, p.ConfigFile, "ffmpeg:\n  path: /nonexistent/ffmpeg\nffprobe:\n  path: /nonexistent/ffprobe\n")
	c, _, _ := startDaemon(t, p)
	h, err := c.Health(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ff *api.Check
	for i := range h.Checks {
		if h.Checks[i].Name == "ffmpeg" {
			ff = &h.Checks[i]
		}
	}
	if ff == nil || ff.Status != "FAIL" || !strings.Contains(ff.Fix, "install ffmpeg") {
		t.Errorf("ffmpeg check with a missing binary = %+v; want FAIL with the install command", ff)
	}
	// A render then fails with the same fix, before any job exists.
	clip := filepath.Join(t.TempDir(), "a.wav")
	testkit.WriteFile(t, clip, "RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00\x00\x77\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	_, err = c.StartRender(t.Context(), api.RenderRequest{Media: clip})
	if e, ok := api.AsError(err); !ok || !strings.Contains(e.Hint, "install ffmpeg") {
		t.Errorf("render without ffmpeg = %v; want the install hint", err)
	}
}
