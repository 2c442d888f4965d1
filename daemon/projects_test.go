package daemon

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// Projects through a real daemon and ffmpeg: the editor's keys applied,
// exported and rendered; preview frames; the project list's two views.

// TestEditorKeysThroughTheDaemon: a spec using issue 14's keys (defaults,
// title cards, texts on a clip with their style, overlays, music cut in)
// is applied with its overlay files imported into the media store,
// exported and applied again unchanged; validate reports the text placed
// under Instagram's interface; and a spec file's render is keyed by its
// overlay's content, not its path.
func TestEditorKeysThroughTheDaemon(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	ctx := t.Context()
	src := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: src, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	ffmpegtest.SolidClip(t, "blue", 64, 36, time.Second, filepath.Join(src, "pip.mp4"))
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1", "-update", "1", filepath.Join(src, "logo.png"))
	music := ffmpegtest.Tone(t, 10*time.Second, 220, "music.mp3")
	text := `version: 1
name: keys
preset: preview
defaults:
  duration: 1
  transition: {type: dissolve, duration: 0.25}
  text: {size: 60, box: true}
clips:
  - gradient: ["#101820", "#F2AA4C"]
  - video: a.mp4
    fit: stretch
texts:
  - text: "A title that is long enough to wrap onto two lines"
    clip: 1
    align: left
    line_spacing: 1.4
    max_lines: 2
  - text: "under the buttons"
    position: {x: 0.5, y: 0.9}
    fit: shrink
overlays:
  - image: logo.png
    size: 0.15
    opacity: 0.8
  - video: pip.mp4
    position: center
    start: 0.5
audio:
  - file: ` + music + `
    in: 2
    out: 6
`
	spec := writeSpec(t, src, "keys.yaml", text)
	res, err := c.ApplyProject(ctx, api.ApplyRequest{Path: spec})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if len(res.Imported) != 4 {
		t.Errorf("imported %+v, want the clip, both overlays and the music", res.Imported)
	}
	exp1, err := c.ExportProject(ctx, "keys")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"defaults:", "gradient:", "clip: 1", "line_spacing: 1.4", "max_lines: 2", "fit: shrink", "overlays:", "opacity: 0.8", "in: 2", "out: 6", "fit: stretch"} {
		if !strings.Contains(exp1.Spec, want) {
			t.Errorf("export lost %q:\n%s", want, exp1.Spec)
		}
	}
	if strings.Contains(exp1.Spec, src) {
		t.Errorf("export names the originals instead of the media store:\n%s", exp1.Spec)
	}
	round, err := c.ApplyProject(ctx, api.ApplyRequest{Path: writeSpec(t, t.TempDir(), "exported.yaml", exp1.Spec)})
	if err != nil || round.Changed || len(round.Imported) != 0 {
		t.Fatalf("apply of the export = %+v, %v; want unchanged", round, err)
	}
	if exp2, _ := c.ExportProject(ctx, "keys"); exp2.Spec != exp1.Spec {
		t.Errorf("export → apply → export changed the spec:\n%s\n---\n%s", exp1.Spec, exp2.Spec)
	}

	v, err := c.Validate(ctx, api.ValidateRequest{Project: "keys"})
	if err != nil || v.Job == nil {
		t.Fatalf("validate = %+v, %v; want a render job first", v, err)
	}
	j, r := waitRender(t, c, &api.RenderStart{Job: v.Job})
	if j.State != api.JobDone || r == nil {
		t.Fatalf("render job = %+v", j)
	}
	if len(r.Warnings) == 0 {
		t.Errorf("render result without the layout warnings: %+v", r)
	}
	v, err = c.Validate(ctx, api.ValidateRequest{Project: "keys"})
	if err != nil || v.Job != nil {
		t.Fatalf("validate after the render = %+v, %v", v, err)
	}
	var zone bool
	for _, w := range v.Warnings {
		if w.Rule == "safe_zone" && w.Key == "texts[1].position" && w.Line > 0 {
			zone = true
		}
	}
	if !zone {
		t.Errorf("validate warnings %+v, want safe_zone on texts[1].position", v.Warnings)
	}

	// a spec file's render is keyed by what its overlay holds
	first, err := c.StartRender(ctx, api.RenderRequest{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	_, r1 := waitRender(t, c, first)
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "color=c=green:s=32x32", "-frames:v", "1", "-update", "1", filepath.Join(src, "logo.png"))
	second, err := c.StartRender(ctx, api.RenderRequest{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	_, r2 := waitRender(t, c, second)
	if r1 == nil || r2 == nil || r2.Cached || r1.CacheKey == r2.CacheKey {
		t.Errorf("a changed overlay picture gave the cached render (keys %v and %v)", r1, r2)
	}
	if _, err := os.Stat(r2.Output); err != nil {
		t.Error(err)
	}
}

func TestPreviewFrame(t *testing.T) {
	c, p := ffmpegDaemon(t)
	ctx := t.Context()
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dur: time.Second})
	pr, err := c.CreateProject(ctx, api.NewProjectRequest{Name: "pv", Clips: []string{clip}})
	if err != nil {
		t.Fatal(err)
	}
	media := pr.Assets[0].Path

	f, err := c.PreviewFrame(ctx, api.PreviewRequest{Path: media, At: 0.5, Width: 18, Height: 32})
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if f.Width != 18 || f.Height != 32 || len(f.RGB) != 18*32*3 {
		t.Fatalf("frame %dx%d with %d bytes", f.Width, f.Height, len(f.RGB))
	}
	// testsrc2 is colourful: a frame of one value means ffmpeg gave us
	// nothing real.
	if slices.Min(f.RGB) == slices.Max(f.RGB) {
		t.Errorf("frame is flat")
	}
	// pad letterboxes the square source into the tall frame: black on top.
	f, err = c.PreviewFrame(ctx, api.PreviewRequest{Path: media, Width: 18, Height: 32, Fit: "pad"})
	if err != nil {
		t.Fatalf("preview pad: %v", err)
	}
	if top := f.RGB[:18*3]; slices.Max(top) > 20 {
		t.Errorf("pad: top row is not black: %v", top)
	}

	outside := filepath.Join(t.TempDir(), "x.mp4")
	testkit.WriteFile(t, outside, "x")
	for name, req := range map[string]api.PreviewRequest{
		"outside the store": {Path: clip, Width: 8, Height: 8},
		"escape by dots":    {Path: filepath.Join(p.DataDir, "media", "..", "..", "x.mp4"), Width: 8, Height: 8},
		"relative":          {Path: "media/x.mp4", Width: 8, Height: 8},
		"too big":           {Path: media, Width: 4000, Height: 8},
		"bad fit":           {Path: media, Width: 8, Height: 8, Fit: "zoom"},
		"negative time":     {Path: media, At: -1, Width: 8, Height: 8},
	} {
		if _, err := c.PreviewFrame(ctx, req); !api.HasCode(err, api.CodeInvalid) {
			t.Errorf("%s: err = %v, want invalid_input", name, err)
		}
	}
	if _, err := c.PreviewFrame(ctx, api.PreviewRequest{Path: media, At: 30, Width: 8, Height: 8}); err == nil {
		t.Errorf("a time past the end gave a frame")
	}
}

// The list's two views say the same of every project, and what they say
// follows the project when it changes (the summaries are cached).
func TestProjectListViews(t *testing.T) {
	c, _ := ffmpegDaemon(t)
	ctx := t.Context()
	dir := t.TempDir()
	ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	ffmpegtest.ImageFile(t, 64, 80, filepath.Join(dir, "b.jpg"))
	apply := func(text string) {
		t.Helper()
		spec := writeSpec(t, dir, "s.yaml", text)
		if _, err := c.ApplyProject(ctx, api.ApplyRequest{Path: spec}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateProject(ctx, api.NewProjectRequest{Name: "empty", Preset: "story"}); err != nil {
		t.Fatal(err)
	}
	apply("version: 1\nname: one\npreset: feed\nclips:\n  - video: a.mp4\n")
	check := func(want map[string][3]float64) { // name → clips, length, assets
		t.Helper()
		full, err := c.Projects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sums, err := c.ProjectSummaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(full) != len(want) || len(sums) != len(want) {
			t.Fatalf("%d projects and %d summaries, want %d", len(full), len(sums), len(want))
		}
		for i, f := range full {
			s := sums[i]
			if s.Name != f.Name || s.Preset != f.Preset || s.Clips != f.Clips || s.Duration != f.Duration ||
				s.Assets != len(f.Assets) || !s.UpdatedAt.Equal(f.UpdatedAt) || !s.CreatedAt.Equal(f.CreatedAt) {
				t.Errorf("summary %+v does not say what the full list says, %+v", s, f)
			}
			w, ok := want[f.Name]
			if !ok || f.Clips != int(w[0]) || math.Abs(f.Duration-w[1]) > 0.05 || len(f.Assets) != int(w[2]) {
				t.Errorf("%s: %d clips, %.2f s, %d assets; want %v", f.Name, f.Clips, f.Duration, len(f.Assets), w)
			}
		}
	}
	check(map[string][3]float64{"empty": {0, 0, 0}, "one": {1, 3, 1}})
	// a changed spec: the cached summary must not answer
	apply("version: 1\nname: one\npreset: feed\nclips:\n  - video: a.mp4\n    transition: {type: fade, duration: 0.5}\n  - image: b.jpg\n    duration: 2\n")
	check(map[string][3]float64{"empty": {0, 0, 0}, "one": {2, 4.5, 2}})
	// assets added without a spec change, then appended to the timeline
	if _, err := c.AddAssets(ctx, "empty", api.AddAssetsRequest{Paths: []string{filepath.Join(dir, "a.mp4")}}); err != nil {
		t.Fatal(err)
	}
	check(map[string][3]float64{"empty": {0, 0, 1}, "one": {2, 4.5, 2}})
	if _, err := c.AddAssets(ctx, "empty", api.AddAssetsRequest{Paths: []string{filepath.Join(dir, "b.jpg")}, Append: true}); err != nil {
		t.Fatal(err)
	}
	check(map[string][3]float64{"empty": {1, 3, 2}, "one": {2, 4.5, 2}})
}
