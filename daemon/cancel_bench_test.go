package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// BenchmarkRenderCancel measures `impress jobs cancel` of a render, from
// the request to the job's final state (ffmpeg killed, nothing kept), in
// the stage named: while it encodes, and while it waits behind another
// render (go test ./daemon -run '^$' -bench RenderCancel). The goal is
// well under a second in every stage (docs/BENCHMARKS.md, Cancel).
func BenchmarkRenderCancel(b *testing.B) {
	c := benchDaemon(b)
	dir := b.TempDir()
	clip := ffmpegtest.Clip(b, ffmpegtest.Opts{Dir: dir, Audio: true, Dur: 10 * time.Second})
	for _, stage := range []string{"encode", "queued"} {
		b.Run(stage, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				first := renderUntilEncode(b, c, api.RenderRequest{Media: clip, NoCache: true})
				target := first.Job.ID
				if stage == "queued" {
					second, err := c.StartRender(b.Context(), api.RenderRequest{Media: clip, NoCache: true, Preset: "square"})
					if err != nil {
						b.Fatal(err)
					}
					target = second.Job.ID
				}
				ctx, cancel := context.WithTimeout(b.Context(), time.Minute)
				b.StartTimer()
				j, err := c.CancelJob(ctx, target)
				b.StopTimer()
				if err != nil || j.State != api.JobCancelled {
					b.Fatalf("cancel = %+v, %v", j, err)
				}
				c.CancelJob(ctx, first.Job.ID)
				cancel()
				b.StartTimer()
			}
		})
	}
}
