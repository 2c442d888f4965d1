package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/bench/internal/benchkit"
	"github.com/impress-dev/impress/render"
)

// renderOnce runs `impress ARGS --json --progress none` on b's home,
// stopping the daemon first when cold, and decodes the result.
func (b *build) renderOnce(cold bool, args ...string) (sample, *api.RenderResult, error) {
	var err error
	if cold {
		err = b.stop()
	} else {
		err = b.start()
	}
	if err != nil {
		return sample{}, nil, err
	}
	s, out, err := b.h.runCLI(b.bin, append(args, "--json", "--progress", "none")...)
	if err != nil {
		return sample{}, nil, err
	}
	var res api.RenderResult
	if err := json.Unmarshal(out, &res); err != nil {
		return sample{}, nil, fmt.Errorf("render --json: %v: %s", err, out)
	}
	return s, &res, nil
}

// after is the build whose daemon logs its argv (the one under test).
func (b *bench) after() *build {
	for _, bd := range b.builds {
		if bd.label != "before" {
			return bd
		}
	}
	return b.builds[0]
}

// argvOf renders args once with the build under test and returns the
// ffmpeg argv its daemon ran, and the result.
func (b *bench) argvOf(args ...string) ([]string, *api.RenderResult, error) {
	a := b.after()
	_, res, err := a.renderOnce(false, args...)
	if err != nil {
		return nil, nil, err
	}
	argv, err := a.h.renderedArgv(res.JobID)
	return argv, res, err
}

// renderContenders are `impress ARGS` warm and cold for each build.
func renderContenders(builds []*build, label string, check func(*api.RenderResult) error, args ...string) []*contender {
	var cs []*contender
	for _, bd := range builds {
		for _, cold := range []bool{false, true} {
			temp := "warm"
			if cold {
				temp = "cold"
			}
			name := fmt.Sprintf("%s (%s daemon, %s)", label, temp, bd.label)
			cs = append(cs, &contender{name: name, f: func() (sample, error) {
				s, res, err := bd.renderOnce(cold, args...)
				if err == nil && check != nil {
					err = check(res)
				}
				return s, err
			}})
		}
	}
	return cs
}

func (b *bench) renderSection(n int) error {
	clip := b.m.path("clip4.mp4")
	argv, _, err := b.argvOf("render", clip, "--no-cache")
	if err != nil {
		return err
	}
	replay, err := replayArgs(argv, b.m.path("replay.mp4"), nil)
	if err != nil {
		return err
	}
	cs := renderContenders(b.builds, "impress render clip4.mp4 --no-cache", nil, "render", clip, "--no-cache")
	cs = append(cs, &contender{name: "the same ffmpeg argv, replayed", f: func() (sample, error) { return b.m.timeFF(replay...) }})
	if err := b.measure(n, true, cs, "`impress render` against its own ffmpeg command",
		"A 4 s 1920x1080 30 fps clip (~12 Mb/s) normalised to reels (blur fit), `--no-cache`, against the argv the daemon logged for it, replayed by hand. Warm: the daemon ran before and has rendered this clip (its probe is known); cold: the command starts the daemon.", func() [][3]string { return b.goalRatios(cs, "the same ffmpeg argv, replayed", "≤ 1.05") }); err != nil {
		return err
	}
	b.code("the ffmpeg command impress ran", render.ShellJoin(argv))
	return nil
}

// goalRatios pairs every impress contender with the reference.
func (b *bench) goalRatios(cs []*contender, ref, goal string) [][3]string {
	var out [][3]string
	for _, c := range cs {
		if c.name != ref && strings.HasPrefix(c.name, "impress") {
			g := goal
			if strings.Contains(c.name, "cold") {
				g = "—"
			}
			out = append(out, [3]string{c.name, ref, g})
		}
	}
	return out
}

func (b *bench) fastSection(n int) error {
	in, plain := b.m.path("reel60.mp4"), b.m.path("plain.mp4")
	var cs []*contender
	for _, bd := range b.builds {
		out := b.m.path("fast-" + bd.label + ".mp4")
		cs = append(cs, renderContenders([]*build{bd}, "impress render reel60.mp4 --no-cache --out F", func(r *api.RenderResult) error {
			if !r.Remuxed {
				return fmt.Errorf("the compliant reel was not remuxed: %v", r.NotRemuxed)
			}
			return nil
		}, "render", in, "--no-cache", "--out", out)...)
	}
	ref := "ffmpeg -i reel60.mp4 -c copy -movflags +faststart out.mp4"
	cs = append(cs, &contender{name: ref, f: func() (sample, error) {
		return b.m.timeFF("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", in, "-c", "copy", "-movflags", "+faststart", plain)
	}})
	fi, _ := os.Stat(in)
	if err := b.measure(n, true, cs, "Fast path: a compliant 60 s reel",
		fmt.Sprintf("A 60 s 1080x1920 reel (%.0f MB) that already meets the reels preset: `impress render` remuxes it (moov first, no edit list) and writes `--out`, against the plain remux. Cold: the daemon starts and hashes the file.", float64(fi.Size())/1e6), func() [][3]string { return b.goalRatios(cs, ref, "≤ 1.5, aim 1.2") }); err != nil {
		return err
	}
	same, err := b.m.sameVideo(in, b.m.path("fast-"+b.after().label+".mp4"))
	if err != nil {
		return err
	}
	b.line("Video bitstream of `--out` identical to the input's (streamhash): **%v**", same)
	return nil
}

func (b *bench) editSections(n int) error {
	for _, e := range edits {
		if err := b.editSection(n, e); err != nil {
			return fmt.Errorf("edit %s: %w", e.name, err)
		}
	}
	return nil
}

func (b *bench) editSection(n int, e edit) error {
	spec := b.m.path(e.spec)
	argv, res, err := b.argvOf("render", spec, "--no-cache")
	if err != nil {
		return err
	}
	ours := res.Output
	replay, err := replayArgs(argv, b.m.path("replay-"+e.name+".mp4"), e.texts)
	if err != nil {
		return err
	}
	// the reference: the same command at CRF 8, without the rate cap
	ref := b.m.path("ref-" + e.name + ".mp4")
	if _, err := b.m.ff(withCRF(replayArgs2(replay, ref), "8")...); err != nil {
		return err
	}
	naiveOut := b.m.path("naive-" + e.name + ".mp4")
	naive := e.naive(b.m, benchkit.EncoderArgs(argv), naiveOut)
	var cs []*contender
	for _, bd := range b.builds {
		cs = append(cs, &contender{name: fmt.Sprintf("impress render %s --no-cache (warm daemon, %s)", e.spec, bd.label), f: func() (sample, error) {
			s, r, err := bd.renderOnce(false, "render", spec, "--no-cache")
			if err == nil && bd == b.after() {
				ours = r.Output
			}
			return s, err
		}})
	}
	cs = append(cs,
		&contender{name: "naive ffmpeg command", f: func() (sample, error) { return b.m.timeFF(naive...) }},
		&contender{name: "impress's ffmpeg argv, replayed", f: func() (sample, error) { return b.m.timeFF(replay...) }})
	var ratios [][3]string
	for _, c := range cs {
		if strings.HasPrefix(c.name, "impress render") {
			ratios = append(ratios, [3]string{c.name, "naive ffmpeg command", "≤ 0.70"},
				[3]string{c.name, "impress's ffmpeg argv, replayed", "≤ 1.05"})
		}
	}
	if err := b.measure(n, false, cs, "Edit "+e.name+": impress against the naive command",
		"`impress render "+e.spec+"`: "+e.what+". The naive command does the same with the usual recipes and impress's output options (CRF 21, 20 Mb/s cap, closed 2 s GOP, AAC 128k) at x264's default preset; impress encodes at preset faster.",
		func() [][3]string { return ratios }); err != nil {
		return err
	}
	sOurs, err := b.m.ssim(ours, ref)
	if err != nil {
		return err
	}
	sNaive, err := b.m.ssim(naiveOut, ref)
	if err != nil {
		return err
	}
	b.line("SSIM against impress's own command at CRF 8 (no rate cap): impress **%s** (goal ≥ 0.95); the naive command %s.", sOurs, sNaive)
	b.code("impress's command (edit "+e.name+")", render.ShellJoin(argv))
	b.code("naive command (edit "+e.name+")", "ffmpeg "+render.ShellJoin(e.naive(b.m, benchkit.EncoderArgs(argv), "naive.mp4")))
	return nil
}

// replayArgs2 is a replay argv writing to another output.
func replayArgs2(args []string, out string) []string {
	cp := append([]string(nil), args...)
	cp[len(cp)-1] = "file:" + out
	return cp
}

func (b *bench) cacheSection(n int) error {
	spec := b.m.path("cached.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: cached\nclips:\n  - video: reel60.mp4\n    out: 3\n"), 0o644); err != nil {
		return err
	}
	for _, bd := range b.builds { // the render the hits answer with
		if _, _, err := bd.renderOnce(false, "render", spec); err != nil {
			return err
		}
	}
	cs := renderContenders(b.builds, "impress render cached.yaml (a hit)", func(r *api.RenderResult) error {
		if !r.Cached {
			return fmt.Errorf("not a cache hit")
		}
		return nil
	}, "render", spec)
	return b.measure(n, true, cs, "Cache hit on an unchanged spec with a 60 s input",
		"`impress render cached.yaml` of a spec whose clip is the 60 s reel (114 MB), rendered before: the daemon parses the spec, hashes its input (warm: known by file identity; cold: read again) and answers from the render cache. Goal < 0.2 s.", nil)
}

func (b *bench) coldStartSection(n int) error {
	var cs []*contender
	for _, bd := range b.builds {
		cs = append(cs,
			&contender{name: "impress project list, no daemon running (auto-start) (" + bd.label + ")", f: func() (sample, error) {
				if err := bd.stop(); err != nil {
					return sample{}, err
				}
				s, _, err := bd.h.runCLI(bd.bin, "project", "list")
				return s, err
			}},
			&contender{name: "impress project list, warm daemon (" + bd.label + ")", f: func() (sample, error) {
				if err := bd.start(); err != nil {
					return sample{}, err
				}
				s, _, err := bd.h.runCLI(bd.bin, "project", "list")
				return s, err
			}})
	}
	return b.measure(n, true, cs, "Cold start: the first command starts the daemon",
		"`impress project list` with no daemon running: the CLI starts it (auto-start), waits until it answers, and lists. Goal < 1 s.", nil)
}

func (b *bench) listSection(n int) error {
	const projects = 1000
	var cs []*contender
	for _, bd := range b.builds {
		h, err := newHome(b.tmp)
		if err != nil {
			return err
		}
		big := &build{label: bd.label, bin: bd.bin, h: h}
		atExit(func() { big.stop(); os.RemoveAll(filepath.Dir(h.socket)) })
		if err := big.start(); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		for i := 1; i <= projects; i++ {
			if _, err := h.client().CreateProject(ctx, api.NewProjectRequest{Name: fmt.Sprintf("p%04d", i)}); err != nil {
				cancel()
				return err
			}
		}
		cancel()
		for _, args := range [][]string{{"project", "list"}, {"project", "list", "--json"}} {
			cs = append(cs, &contender{name: fmt.Sprintf("impress %s (%d projects, %s)", strings.Join(args, " "), projects, bd.label), f: func() (sample, error) {
				s, _, err := h.runCLI(big.bin, args...)
				return s, err
			}})
		}
	}
	return b.measure(max(n, 20), true, cs, "`impress project list` with 1,000 projects",
		"Warm daemon with 1,000 projects. Goal ≤ 30 ms (bench/startup_bench.sh has the start-up figures in detail).", nil)
}
