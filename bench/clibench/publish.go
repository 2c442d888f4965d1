package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta/sandbox"
)

// callCounter counts the calls that get the sandbox's injected latency:
// Graph calls and rupload POSTs (not its admin API).
type callCounter struct {
	h     http.Handler
	calls atomic.Int64
}

func (c *callCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/_sandbox") {
		c.calls.Add(1)
	}
	c.h.ServeHTTP(w, r)
}

const (
	publishItems       = 50
	publishConcurrency = 8
	publishLatency     = 100 * time.Millisecond
)

// publishSection times `impress publish --manifest` of 50 items at
// concurrency 8 against the sandbox adding 100 ms to every Meta call,
// against the ideal ceil(50/8) × calls per publish × 100 ms.
func (b *bench) publishSection(runs int) error {
	clip := b.m.path("reel-small.mp4")
	if _, err := b.m.ff("-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration=3", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
		"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60",
		"-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-use_editlist", "0", "-shortest", "file:"+clip); err != nil {
		return err
	}
	sb := sandbox.New(sandbox.Options{Seed: 1, ProcessingTime: -1})
	cnt := &callCounter{h: sb}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: cnt}
	go hs.Serve(ln)
	defer func() { hs.Close(); sb.Close() }()

	var cs []*contender
	calls := map[string]float64{}
	for _, bd := range b.builds {
		h, err := newHome(b.tmp, "IMPRESS_META_ENDPOINT=http://"+ln.Addr().String(), "IMPRESS_META_APP_ID="+sb.AppID(),
			"IMPRESS_META_APP_SECRET="+sb.AppSecret(), fmt.Sprintf("IMPRESS_PUBLISH_CONCURRENCY=%d", publishConcurrency))
		if err != nil {
			return err
		}
		pb := &build{label: bd.label, bin: bd.bin, h: h}
		atExit(func() { pb.stop(); os.RemoveAll(filepath.Dir(h.socket)) })
		if err := pb.start(); err != nil {
			return err
		}
		tok, err := sb.IssueToken(sandbox.TokenRequest{Flavour: "facebook"})
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err = h.client().LoginWithToken(ctx, api.TokenLogin{Connection: "main", Token: tok, Flavor: "facebook", Account: sandbox.IGCreatorID})
		cancel()
		if err != nil {
			return fmt.Errorf("%s: login: %w", bd.label, err)
		}
		run := 0
		name := fmt.Sprintf("impress publish --manifest (%d items) --concurrency %d (%s)", publishItems, publishConcurrency, bd.label)
		cs = append(cs, &contender{name: name, f: func() (sample, error) {
			run++
			manifest := filepath.Join(h.dir, fmt.Sprintf("manifest-%d.yaml", run))
			var m strings.Builder
			m.WriteString("version: 1\nitems:\n")
			for i := range publishItems {
				fmt.Fprintf(&m, "  - file: %s\n    caption: \"bench %s run %d item %d\"\n", clip, bd.label, run, i)
			}
			if err := os.WriteFile(manifest, []byte(m.String()), 0o644); err != nil {
				return sample{}, err
			}
			// a day later for Meta: every run (and build) gets the account's
			// whole publishing quota of 50 posts a day
			sb.Advance(25 * time.Hour)
			sb.SetLatency(publishLatency)
			defer sb.SetLatency(0)
			c0, n0 := cnt.calls.Load(), len(sb.Published())
			s, _, err := h.runCLI(pb.bin, "publish", "--manifest", manifest, "--concurrency", fmt.Sprint(publishConcurrency), "--progress", "none")
			if err != nil {
				return s, err
			}
			if got := len(sb.Published()) - n0; got != publishItems {
				return s, fmt.Errorf("the sandbox got %d media for %d items", got, publishItems)
			}
			calls[name] = float64(cnt.calls.Load()-c0) / publishItems
			return s, nil
		}})
	}
	load0, load1, err := b.rounds(runs, false, cs)
	if err != nil {
		return err
	}
	b.table("Publishing: a 50-item manifest at concurrency 8, 100 ms per Meta call",
		"`impress publish --manifest` (YAML, 50 reels of one small file with different captions) against the offline sandbox (in the benchmark's process) adding 100 ms to every Meta call. Goal: within 1.3× of the ideal ceil(50/8) × calls per publish × 100 ms.",
		load0, load1, cs, nil)
	for _, c := range cs {
		per := calls[c.name]
		ideal := time.Duration(math.Ceil(float64(publishItems)/publishConcurrency) * per * float64(publishLatency))
		med := pct(walls(c.samples), 50)
		b.line("%s: %.2f Meta calls per publish, ideal %s, median %s: **%.2f× the ideal** (goal ≤ 1.3).",
			c.name, per, secs(ideal), secs(med), med.Seconds()/ideal.Seconds())
	}
	return nil
}
