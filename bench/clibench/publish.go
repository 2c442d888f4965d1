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
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/bench/internal/benchkit"
	"github.com/impress-dev/impress/meta/sandbox"
)

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
	cnt := &benchkit.CallCounter{H: sb}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: cnt}
	go hs.Serve(ln)
	defer func() { hs.Close(); sb.Close() }()

	var cs []*contender
	calls := map[string]float64{}
	var builds []*build
	for _, bd := range b.builds {
		h, err := newHome(b.tmp, "IMPRESS_META_ENDPOINT=http://"+ln.Addr().String(), "IMPRESS_META_APP_ID="+sb.AppID(),
			"IMPRESS_META_APP_SECRET="+sb.AppSecret(), fmt.Sprintf("IMPRESS_PUBLISH_CONCURRENCY=%d", publishConcurrency))
		if err != nil {
			return err
		}
		pb := &build{label: bd.label, bin: bd.bin, h: h}
		builds = append(builds, pb)
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
			c0, n0 := cnt.Calls(), len(sb.Published())
			s, _, err := h.runCLI(pb.bin, "publish", "--manifest", manifest, "--concurrency", fmt.Sprint(publishConcurrency), "--progress", "none")
			if err != nil {
				return s, err
			}
			if got := len(sb.Published()) - n0; got != publishItems {
				return s, fmt.Errorf("the sandbox got %d media for %d items", got, publishItems)
			}
			calls[name] = float64(cnt.Calls()-c0) / publishItems
			return s, nil
		}})
	}
	if err := b.measure(runs, false, cs, "Publishing: a 50-item manifest at concurrency 8, 100 ms per Meta call",
		"`impress publish --manifest` (YAML, 50 reels of one small file with different captions) against the offline sandbox (in the benchmark's process) adding 100 ms to every Meta call. Goal: within 1.3× of the ideal ceil(50/8) × calls per publish × 100 ms.", nil); err != nil {
		return err
	}
	if err := b.publishRSS(clip, sb, builds); err != nil {
		return err
	}
	for _, c := range cs {
		per := calls[c.name]
		ideal := time.Duration(math.Ceil(float64(publishItems)/publishConcurrency) * per * float64(publishLatency))
		med := benchkit.Pct(benchkit.Walls(c.samples), 50)
		b.line("%s: %.2f Meta calls per publish, ideal %s, median %s: **%.2f× the ideal** (goal ≤ 1.3).",
			c.name, per, secs(ideal), secs(med), med.Seconds()/ideal.Seconds())
	}
	return nil
}

// publishRSS publishes one large reel (the 60 s reel twice over, 228 MB:
// the most impress publishes is 300 MB) through the CLI and reports how much the
// daemon's peak RSS grew while it hashed and uploaded it (Linux VmHWM,
// reset through /proc/PID/clear_refs just before). Goal: < 32 MiB.
func (b *bench) publishRSS(small string, sb *sandbox.Server, builds []*build) error {
	big := b.m.path("reel120.mp4")
	list := b.m.path("concat.txt")
	reel := b.m.path("reel60.mp4")
	if err := os.WriteFile(list, []byte("file '"+reel+"'\nfile '"+reel+"'\n"), 0o644); err != nil {
		return err
	}
	if _, err := b.m.ff("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", list,
		// no edit lists: the fast path remuxes it (with them the publish
		// would re-encode two minutes of 1080p, and measure ffmpeg)
		"-c", "copy", "-movflags", "+faststart", "-use_editlist", "0", "file:"+big); err != nil {
		return err
	}
	fi, err := os.Stat(big)
	if err != nil {
		return err
	}
	for _, pb := range builds {
		pid := pb.h.daemonPID()
		if pid == 0 {
			return fmt.Errorf("%s: no daemon", pb.label)
		}
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			return fmt.Errorf("reset the daemon's peak RSS: %w", err)
		}
		before, err := statusKB(pid, "VmRSS")
		if err != nil {
			return err
		}
		sb.Advance(25 * time.Hour)
		s, _, err := pb.h.runCLI(pb.bin, "publish", big, "--caption", "a large reel "+pb.label, "--progress", "none")
		if err != nil {
			return err
		}
		peak, err := statusKB(pid, "VmHWM")
		if err != nil {
			return err
		}
		b.line("`impress publish` of a %.0f MB reel (%s): %s; the daemon's peak RSS grew by **%.1f MiB** (%.1f → %.1f MiB; goal < 32 MiB).",
			float64(fi.Size())/1e6, pb.label, secs(s.Wall), float64(peak-before)/1024, float64(before)/1024, float64(peak)/1024)
	}
	return nil
}

// statusKB reads a "Vm…: N kB" line of /proc/PID/status.
func statusKB(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			_, err := fmt.Sscan(rest, &kb)
			return kb, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
