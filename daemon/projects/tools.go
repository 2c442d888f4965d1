package projects

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/render"
)

// ffmpegPath and ffprobePath come from the settings, else from PATH.
func (s *Service) ffmpegPath() string  { return s.toolPath("ffmpeg", config.FFmpegPath) }
func (s *Service) FFprobePath() string { return s.toolPath("ffprobe", config.FFprobePath) }

func (s *Service) toolPath(name string, key config.StringKey) string {
	if p := s.Settings().String(key); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// ffmpegVersion is the first line of `ffmpeg -version`, part of every
// cache key. render.VersionLine asks each binary once (a new binary at the
// same path is asked again), and concurrent askers share that run: the
// daemon's start and its first render no longer both run it.
func (s *Service) ffmpegVersion(ctx context.Context) (string, error) {
	path := s.ffmpegPath()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := render.VersionLine(ctx, path)
	if errors.Is(err, render.ErrToolMissing) {
		return "", &api.Error{Code: api.CodeInternal, Message: "render: ffmpeg not found (" + path + ")", Hint: feature.ToolFix}
	}
	if err != nil {
		return "", &api.Error{Code: api.CodeInternal, Message: fmt.Sprintf("render: %s -version: %v", path, err), Hint: feature.ToolFix}
	}
	return v, nil
}

// graphOption is the binary's graph file option; render.GraphScriptOption
// asks each binary once, like its version.
func (s *Service) graphOption(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	opt, err := render.GraphScriptOption(ctx, s.ffmpegPath())
	if err != nil {
		return "", &api.Error{Code: api.CodeInternal, Message: "render: " + err.Error(), Hint: feature.ToolFix}
	}
	return opt, nil
}

// transitionsFor is what RenderRequest.Transitions wants for a spec: the
// binary's xfade transitions when the spec uses transitions an older
// ffmpeg lacks, nil (nothing to ask) otherwise. render.XfadeTransitions
// asks each binary once, like its version.
func (s *Service) transitionsFor(ctx context.Context, sp *render.Spec) ([]string, error) {
	if len(sp.NewerTransitions()) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return render.XfadeTransitions(ctx, s.ffmpegPath())
}

// pathFix is the first fix for ffmpeg or ffprobe (name) when the binary
// configured in name.path is missing or lacks what renders use, and PATH
// has another one: go back to that one ("" otherwise).
func (s *Service) pathFix(name string) string {
	key := config.FFmpegPath
	if name == "ffprobe" {
		key = config.FFprobePath
	}
	conf := s.Settings().String(key)
	if conf == "" {
		return ""
	}
	onPath, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	if resolved, err := exec.LookPath(conf); err == nil {
		if a, err1 := mediastore.StatID(resolved); err1 == nil {
			if b, err2 := mediastore.StatID(onPath); err2 == nil && a == b {
				return "" // the same binary: unsetting changes nothing
			}
		}
	}
	return "`impress config unset " + key.Name() + "` to use " + onPath + " (on PATH)"
}

// toolchainChecks are the doctor's render lines, from render.Check:
// ffmpeg and ffprobe with their versions, then every missing encoder,
// filter, demuxer or font with the command that fixes it; pathFix comes
// first where it has one.
func toolchainChecks(ctx context.Context, ffmpeg, ffprobe string, pathFix func(name string) string) []api.Check {
	fix := func(name, install string) string {
		if f := pathFix(name); f != "" {
			return f + ", or " + install
		}
		return install
	}
	tc, _ := render.Check(ctx, ffmpeg, ffprobe)
	var out []api.Check
	byItem := map[string][]render.Problem{}
	for _, p := range tc.Problems {
		byItem[p.Item] = append(byItem[p.Item], p)
	}
	tool := func(name, path, version string) {
		if ps := byItem[name]; len(ps) > 0 {
			out = append(out, api.Check{Name: name, Status: "FAIL", Detail: ps[0].Message, Fix: fix(name, feature.ToolFix)})
			return
		}
		out = append(out, api.Check{Name: name, Status: "OK", Detail: path + " (version " + version + ")"})
	}
	tool("ffmpeg", tc.FFmpeg, tc.FFmpegVersion)
	tool("ffprobe", tc.FFprobe, tc.FFprobeVersion)
	var other []render.Problem
	for _, p := range tc.Problems {
		if p.Item != "ffmpeg" && p.Item != "ffprobe" && p.Item != "font" {
			other = append(other, p)
		}
	}
	if tc.FFmpeg != "" {
		if len(other) == 0 {
			out = append(out, api.Check{Name: "encoders", Status: "OK", Detail: "libx264, aac, mjpeg and every filter renders use"})
		}
		for _, p := range other {
			st := "WARN"
			if p.Fatal {
				st = "FAIL"
			}
			out = append(out, api.Check{Name: p.Item, Status: st, Detail: p.Message, Fix: fix("ffmpeg", p.Fix)})
		}
	}
	if ps := byItem["font"]; len(ps) > 0 {
		out = append(out, api.Check{Name: "font", Status: "FAIL", Detail: ps[0].Message + " (texts and captions need one)", Fix: ps[0].Fix})
	} else {
		out = append(out, api.Check{Name: "font", Status: "OK", Detail: tc.Font})
	}
	out = append(out, fontsCheck(tc))
	if tc.FFmpeg != "" { // else the ffmpeg line says what to do
		out = append(out, transitionsCheck(tc))
	}
	return out
}

// maxListed is how many names a doctor line lists before "… and N more".
const maxListed = 20

func listed(names []string, rest string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s … and %d more (%s)", strings.Join(names[:maxListed], ", "), len(names)-maxListed, rest)
}

// fontsCheck lists the font families a spec's font: may name.
func fontsCheck(tc *render.Toolchain) api.Check {
	if tc.FontsErr != "" {
		return api.Check{Name: "fonts", Status: "WARN", Detail: tc.FontsErr + ": a spec's font: can name font files only, not fonts by name",
			Fix: "`sudo apt-get install fontconfig` (macOS: `brew install fontconfig`)"}
	}
	fams := render.Families(tc.Fonts)
	return api.Check{Name: "fonts", Status: "OK", Detail: fmt.Sprintf("%d families a spec's font: may name: %s", len(fams), listed(fams, "fc-list : family lists them"))}
}

// transitionsCheck says which xfade transitions this ffmpeg has, and which
// of those a spec may name it lacks.
func transitionsCheck(tc *render.Toolchain) api.Check {
	var lack []string
	for _, t := range render.Transitions()[1:] {
		if !slices.Contains(tc.Transitions, t) {
			lack = append(lack, t)
		}
	}
	d := fmt.Sprintf("%d xfade transitions: %s", len(tc.Transitions), listed(tc.Transitions, "ffmpeg -h filter=xfade lists them"))
	if len(lack) > 0 {
		d += fmt.Sprintf("; lacks %s (ffmpeg 7.0 has them)", strings.Join(lack, ", "))
	}
	return api.Check{Name: "transitions", Status: "OK", Detail: d}
}
