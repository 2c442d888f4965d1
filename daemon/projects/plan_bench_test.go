package projects

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// planSpec writes a spec of n clips in dir over one tiny video and one
// still and returns its path. Shape "ranges": every clip a different
// range of the video; "mixed": video ranges (repeated) and stills by
// turns, with a fade after every third clip.
func planSpec(tb testing.TB, dir, shape string, n int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("version: 1\nname: plan\npreset: preview\nclips:\n")
	for i := range n {
		if shape == "ranges" {
			fmt.Fprintf(&b, "  - video: a.mp4\n    in: %.3f\n    out: %.3f\n", float64(i)*0.001, float64(i)*0.001+1.5)
			continue
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, "  - video: a.mp4\n    in: %d.%d\n", i%3, i%10)
		} else {
			b.WriteString("  - image: p.png\n    duration: 0.5\n")
		}
		if i%3 == 0 && i < n-1 {
			b.WriteString("    transition: {type: fade, duration: 0.1}\n")
		}
	}
	spec := filepath.Join(dir, shape+".yaml")
	testkit.WriteFile(tb, spec, b.String())
	return spec
}

// planService is a projects feature over a store in dir.
func planService(tb testing.TB, dir string) *Service {
	db, err := store.Open(filepath.Join(dir, "data", "impress.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	st := daemontest.NewSettings(tb, filepath.Join(dir, "none.yaml"), nil)
	return New(daemontest.Deps(dir, db, &redact.Redactor{}, io.Discard, st, nil))
}

// BenchmarkPlanRender measures what a render of a spec file does before
// ffmpeg runs, up to the clip limit: the daemon's plan (parse, check, resolve, sniff and hash
// the inputs, the cache key) and render's (probe, build the graph).
// go test ./daemon/projects -run '^$' -bench PlanRender
func BenchmarkPlanRender(b *testing.B) {
	tools := ffmpegtest.Require(b)
	dir := b.TempDir()
	ffmpegtest.Clip(b, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 4 * time.Second, Audio: true})
	ffmpegtest.Run(b, "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", filepath.Join(dir, "p.png"))
	s := planService(b, dir)
	for _, c := range []struct {
		shape string
		n     int
	}{{"ranges", 200}, {"ranges", render.MaxClips}, {"mixed", 200}, {"mixed", render.MaxClips}} {
		spec := planSpec(b, dir, c.shape, c.n)
		b.Run(fmt.Sprintf("%s/clips=%d", c.shape, c.n), func(b *testing.B) {
			for b.Loop() {
				pl, err := s.planRender(b.Context(), api.RenderRequest{Spec: spec, Display: filepath.Base(spec)})
				if err != nil {
					b.Fatal(err)
				}
				// Lint is Render up to the argv, without encoding
				rr := render.RenderRequest{Spec: pl.spec, FFmpeg: tools.FFmpeg, FFprobe: tools.FFprobe}
				if _, err := render.Lint(b.Context(), rr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
