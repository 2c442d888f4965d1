package projects

import (
	"context"
	"fmt"
	"os/exec"
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
// cache key. It is cached per binary identity (a new binary at the same
// path has a new inode or mtime), so a cache hit runs no process.
func (s *Service) ffmpegVersion(ctx context.Context) (string, error) {
	path := s.ffmpegPath()
	resolved, err := exec.LookPath(path)
	if err != nil {
		return "", &api.Error{Code: api.CodeInternal, Message: "render: ffmpeg not found (" + path + ")", Hint: feature.ToolFix}
	}
	id, err := mediastore.StatID(resolved)
	if err == nil {
		s.render.mu.Lock()
		v, ok := s.render.versions[id]
		s.render.mu.Unlock()
		if ok {
			return v, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, resolved, "-hide_banner", "-version").Output()
	if err != nil {
		return "", &api.Error{Code: api.CodeInternal, Message: fmt.Sprintf("render: %s -version: %v", resolved, err), Hint: feature.ToolFix}
	}
	v, _, _ := strings.Cut(string(out), "\n")
	v = strings.TrimSpace(v)
	if id.Known() {
		s.render.mu.Lock()
		s.render.versions[id] = v
		s.render.mu.Unlock()
	}
	return v, nil
}

// toolchainChecks are the doctor's render lines, from render.Check:
// ffmpeg and ffprobe with their versions, then every missing encoder,
// filter, demuxer or font with the command that fixes it.
func toolchainChecks(ctx context.Context, ffmpeg, ffprobe string) []api.Check {
	tc, _ := render.Check(ctx, ffmpeg, ffprobe)
	var out []api.Check
	byItem := map[string][]render.Problem{}
	for _, p := range tc.Problems {
		byItem[p.Item] = append(byItem[p.Item], p)
	}
	tool := func(name, path, version string) {
		if ps := byItem[name]; len(ps) > 0 {
			out = append(out, api.Check{Name: name, Status: "FAIL", Detail: ps[0].Message, Fix: feature.ToolFix})
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
			out = append(out, api.Check{Name: p.Item, Status: st, Detail: p.Message, Fix: p.Fix})
		}
	}
	if ps := byItem["font"]; len(ps) > 0 {
		out = append(out, api.Check{Name: "font", Status: "FAIL", Detail: ps[0].Message + " (texts and captions need one)", Fix: ps[0].Fix})
	} else {
		out = append(out, api.Check{Name: "font", Status: "OK", Detail: tc.Font})
	}
	return out
}
