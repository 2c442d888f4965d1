package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
)

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
