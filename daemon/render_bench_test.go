package daemon

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// BenchmarkRenderCacheHit measures `impress render` of an unchanged
// project and of an unchanged spec file: one POST /v1/renders answered
// from the cache (go test ./daemon -run '^$' -bench CacheHit).
func BenchmarkRenderCacheHit(b *testing.B) {
	ffmpegtest.Require(b)
	c := benchDaemon(b)
	dir := b.TempDir()
	ffmpegtest.Clip(b, ffmpegtest.Opts{Dir: dir, Name: "a.mp4", Dur: 3 * time.Second, Audio: true})
	spec := filepath.Join(dir, "s.yaml")
	os.WriteFile(spec, []byte("version: 1\nname: s\npreset: preview\nclips:\n  - video: a.mp4\n"), 0o600)
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

// benchDaemon is startDaemon for benchmarks (startDaemon takes a *testing.T).
func benchDaemon(b *testing.B) *api.Client {
	dir, err := os.MkdirTemp("", "impb")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	p := config.Paths{Home: dir, ConfigFile: filepath.Join(dir, "config.yaml"), DataDir: filepath.Join(dir, "data"),
		StateDir: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "run", "d.sock")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Paths: p, Load: loader(p), Version: "bench", Stderr: io.Discard}) }()
	b.Cleanup(func() { cancel(); <-done })
	c := api.NewClient(p.Socket)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.Ping(b.Context()); err == nil {
			return c
		}
		if time.Now().After(deadline) {
			b.Fatal("daemon did not answer within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
