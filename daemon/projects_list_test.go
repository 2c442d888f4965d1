package daemon

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
)

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
