package daemon

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// BenchmarkRenderCacheHit measures `impress render` of an unchanged
// project and of an unchanged spec file: one POST /v1/renders answered
// from the cache (go test ./daemon -run '^$' -bench CacheHit).
func BenchmarkRenderCacheHit(b *testing.B) {
	c := benchDaemon(b)
	dir := b.TempDir()
	ffmpegtest.Clip(b, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	spec := filepath.Join(dir, "s.yaml")
	testkit.WriteFile(b, spec, "version: 1\nname: s\npreset: preview\nclips:\n  - video: a.mp4\n")
	if _, err := c.ApplyProject(b.Context(), api.ApplyRequest{Path: spec}); err != nil {
		b.Fatal(err)
	}
	start, err := c.StartRender(b.Context(), api.RenderRequest{Project: "s"})
	if err != nil {
		b.Fatal(err)
	}
	if start.Job != nil {
		if err := c.WatchJob(b.Context(), start.Job.ID, func(api.JobEvent) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	for _, req := range []api.RenderRequest{{Project: "s"}, {Spec: spec}} {
		name := "project"
		if req.Spec != "" {
			name = "spec"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				s, err := c.StartRender(b.Context(), req)
				if err != nil || s.Result == nil || !s.Result.Cached {
					b.Fatalf("not a cache hit: %+v, %v", s, err)
				}
			}
		})
	}
}

// benchDaemon is ffmpegDaemon for benchmarks: every daemon benchmark
// renders.
func benchDaemon(b *testing.B) *api.Client {
	ffmpegtest.Require(b)
	p := testPaths(b)
	c, _, _ := startDaemonWith(b, Config{Paths: p, Load: loader(p), Version: "bench", Stderr: io.Discard})
	return c
}

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
