package render

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// e2e renders go through Render with the preview preset (540x960, fast
// encoder) unless a test is about a preset's size: the facts asserted
// (frame count, size, codecs, audio, layout) do not depend on it.

type e2e struct {
	t     *testing.T
	tools ffmpegtest.Tools
	dir   string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	tools := ffmpegtest.Require(t)
	if FindFont() == "" {
		t.Skip("no font installed (fonts-dejavu-core)")
	}
	return &e2e{t: t, tools: tools, dir: t.TempDir()}
}

// clip makes a clip named name in the e2e dir.
func (e *e2e) clip(name string, o ffmpegtest.Opts) string {
	o.Name, o.Dir = name, e.dir
	return ffmpegtest.Clip(e.t, o)
}

// spec writes a spec as spec.yaml in the e2e dir and loads it.
func (e *e2e) spec(yaml string) *Spec {
	e.t.Helper()
	path := filepath.Join(e.dir, "spec.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		e.t.Fatal(err)
	}
	s, err := LoadSpec(path)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// render writes, loads and renders a spec; it returns the result.
func (e *e2e) render(yaml string, preview bool) *Result {
	e.t.Helper()
	s := e.spec(yaml)
	res, err := Render(e.t.Context(), RenderRequest{
		Spec: s, Preview: preview, FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe,
		Output: filepath.Join(e.dir, "out.mp4"), Cover: filepath.Join(e.dir, "cover.jpg"), TempDir: e.dir,
	}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// wantCover checks the cover rendered with a video: a JPEG of w x h.
func wantCover(t *testing.T, path string, w, h int) {
	t.Helper()
	if c := ffmpegtest.ProbeFacts(t, path); c.VideoCodec != "mjpeg" || c.Width != w || c.Height != h {
		t.Errorf("cover = %+v", c)
	}
}

// wantOutput asserts the facts every render must have: the preset's size
// and codecs, exactly frames frames at fps, audio as long as the video
// (within a frame), moov first, no edit list.
func wantOutput(t *testing.T, path string, w, h int, fps float64, frames int64) ffmpegtest.Facts {
	t.Helper()
	f := ffmpegtest.ProbeFacts(t, path)
	if f.VideoCodec != "h264" || f.Profile != "High" || f.PixFmt != "yuv420p" {
		t.Errorf("video %s %s %s, want h264 High yuv420p", f.VideoCodec, f.Profile, f.PixFmt)
	}
	if f.Width != w || f.Height != h || f.Rotation != 0 {
		t.Errorf("size %dx%d rotation %d, want %dx%d upright", f.Width, f.Height, f.Rotation, w, h)
	}
	if math.Abs(f.FPS-fps) > 0.01 || math.Abs(f.RFrameRate-fps) > 0.01 {
		t.Errorf("fps avg %v r %v, want constant %v", f.FPS, f.RFrameRate, fps)
	}
	if f.Frames != frames {
		t.Errorf("%d frames, want %d", f.Frames, frames)
	}
	want := float64(frames) / fps
	if math.Abs(f.VideoDuration-want) > 1/fps+1e-6 {
		t.Errorf("video duration %v, want %v within a frame", f.VideoDuration, want)
	}
	if !f.HasAudio || f.AudioCodec != "aac" || f.AudioProfile != "LC" || f.SampleRate != 48000 || f.Channels != 2 {
		t.Errorf("audio %v %s %s %d Hz %d ch, want AAC-LC 48 kHz stereo", f.HasAudio, f.AudioCodec, f.AudioProfile, f.SampleRate, f.Channels)
	}
	if math.Abs(f.AudioDuration-want) > 1/fps+1e-6 {
		t.Errorf("audio duration %v, want %v within a frame", f.AudioDuration, want)
	}
	if !f.MoovFirst || f.HasEditList {
		t.Errorf("moov first %v, edit list %v; want moov first and no edit list", f.MoovFirst, f.HasEditList)
	}
	return f
}

func TestRenderShapes(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	tests := []struct {
		name string
		opts ffmpegtest.Opts
		fit  string
	}{
		{"landscape blur", ffmpegtest.Opts{W: 96, H: 54, Audio: true}, "blur"},
		{"portrait crop", ffmpegtest.Opts{W: 54, H: 96, Audio: true, SampleRate: 44100, Channels: 1}, "crop"},
		{"square pad", ffmpegtest.Opts{W: 64, H: 64, Audio: true}, "pad"},
		{"odd size 10-bit", ffmpegtest.Opts{W: 67, H: 45, PixFmt: "yuv420p10le", Audio: true, SampleRate: 22050}, "crop"},
		{"vfr", ffmpegtest.Opts{W: 64, H: 64, VFR: true, Audio: true}, "crop"},
		{"rotated", ffmpegtest.Opts{W: 96, H: 54, Rotate: 90, Audio: true}, "crop"},
		{"no audio", ffmpegtest.Opts{W: 64, H: 64}, "crop"},
		{"hdr", ffmpegtest.Opts{W: 64, H: 64, PixFmt: "yuv420p10le", HDR: true}, "blur"},
		{"25 fps yuv422", ffmpegtest.Opts{W: 64, H: 64, FPS: 25, PixFmt: "yuv422p", Audio: true}, "pad"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "clip" + num(float64(i)) + ".mp4"
			in := ffmpegtest.ProbeFacts(t, e.clip(name, tt.opts))
			res := e.render("version: 1\nname: x\nclips:\n  - video: "+name+"\n    fit: "+tt.fit+"\n", true)
			// a variable-rate clip's video ends with its last frame (0.967 s here)
			wantOutput(t, res.Output, 540, 960, 30, int64(math.Round(in.VideoDuration*30)))
			if len(res.Violations) != 1 || res.Violations[0].Rule != "duration_min" {
				t.Errorf("violations = %v, want only duration_min (a 1 s clip)", res.Violations)
			}
		})
	}
	// the rotated clip really is upright: it was 96x54 turned to 54x96,
	// so a crop into 9:16 keeps nearly all of it; check against a probe of
	// a clip rendered from an already-portrait source would need pixels,
	// so check the display geometry the builder saw instead
	info, err := Probe(t.Context(), e.tools.FFprobe, filepath.Join(e.dir, "clip5.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Video.DisplayWidth != 54 || info.Video.DisplayHeight != 96 {
		t.Errorf("rotated display = %dx%d", info.Video.DisplayWidth, info.Video.DisplayHeight)
	}
}

func TestRenderFullSizeReel(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("a.mp4", ffmpegtest.Opts{W: 192, H: 108, Audio: true})
	ffmpegtest.ImageFile(t, 120, 90, filepath.Join(e.dir, "photo.jpg"))
	res := e.render(`version: 1
name: reel
preset: reels
clips:
  - video: a.mp4
    fit: blur
    transition: {type: fade, duration: 0.5}
  - image: photo.jpg
    duration: 1
    zoom: in
texts:
  - text: "Summer sale"
    position: top
    box: true
cover:
  at: 1
`, false)
	// 30 + 30 - 15 frames = 1.5 s (too short to publish: only duration_min)
	wantOutput(t, res.Output, 1080, 1920, 30, 45)
	if got := rules(res.Violations); got != "duration_min" {
		t.Errorf("violations: %v", res.Violations)
	}
	wantCover(t, res.Cover, 1080, 1920)
}

func TestRenderImageClipsAndTransitions(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("a.mp4", ffmpegtest.Opts{Audio: true})
	e.clip("b.mp4", ffmpegtest.Opts{W: 80, H: 60, Audio: true, Dur: 2 * time.Second})
	ffmpegtest.ImageFile(t, 50, 80, filepath.Join(e.dir, "p.png"))
	ffmpegtest.ImageFile(t, 80, 50, filepath.Join(e.dir, "q.jpg"))
	res := e.render(`version: 1
name: t
fps: 24
clips:
  - video: a.mp4
    transition: {type: slideleft, duration: 0.25}
  - image: p.png
    duration: 1
    transition: {type: dissolve, duration: 0.25}
  - video: b.mp4
    in: 0.5
    out: 1.5
    speed: 2
  - image: q.jpg
    duration: 1
    fit: pad
    zoom: out
    transition: {type: wipeleft, duration: 0.25}
  - video: a.mp4
    transition: {type: slideup, duration: 0.25}
  - image: q.jpg
    duration: 0.5
cover:
  image: p.png
`, true)
	// frames at 24 fps: 24 + 24 + 12 + 24 + 24 + 12 - (6 + 6 + 6 + 6)
	wantOutput(t, res.Output, 540, 960, 24, 96)
	wantCover(t, res.Cover, 540, 960)
}

func TestRenderCaptionsMusicDuck(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	// clip a has a 440 Hz tone, clip b is silent; the music is 220 Hz
	e.clip("a.mp4", ffmpegtest.Opts{Audio: true, Dur: 2 * time.Second})
	e.clip("b.mp4", ffmpegtest.Opts{Dur: 2 * time.Second})
	music := ffmpegtest.Tone(t, 10*time.Second, 220, "music.mp3")
	srt := ffmpegtest.SRT(t, []ffmpegtest.Cue{
		{Start: 0, End: 1500 * time.Millisecond, Text: "<i>first</i> caption, with: punctuation"},
		{Start: 2 * time.Second, End: 3500 * time.Millisecond, Text: "second {\\an8} caption"},
	})
	for _, words := range []bool{false, true} {
		res := e.render(`version: 1
name: t
clips:
  - video: a.mp4
  - video: b.mp4
captions:
  file: `+srt+`
  words: `+map[bool]string{true: "true", false: "false"}[words]+`
audio:
  - file: `+music+`
    volume: 0.5
    fade_in: 0.2
    fade_out: 0.2
    duck: true
`, true)
		wantOutput(t, res.Output, 540, 960, 30, 120)
		// the music (isolated with a band-pass at 220 Hz) is quieter while
		// clip a's tone plays than under silent clip b
		under := ffmpegtest.MeanVolume(t, res.Output, 0.5, 1, "bandpass=f=220:width_type=q:w=8")
		free := ffmpegtest.MeanVolume(t, res.Output, 2.5, 1, "bandpass=f=220:width_type=q:w=8")
		if free-under < 6 {
			t.Errorf("words=%v: music at %.1f dB under the clip audio and %.1f dB alone; want ducked by ≥ 6 dB", words, under, free)
		}
	}
}

func TestRenderLoudness(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("a.mp4", ffmpegtest.Opts{Audio: true, Dur: 3 * time.Second})
	res := e.render("version: 1\nname: t\nclips:\n  - video: a.mp4\nloudness: -16\n", true)
	wantOutput(t, res.Output, 540, 960, 30, 90)
	if res.Loudness == nil || res.Loudness.InputI > -18 {
		t.Fatalf("first pass = %+v, want the quiet sine measured", res.Loudness)
	}
	if got := ffmpegtest.Loudness(t, res.Output); math.Abs(got - -16) > 1 {
		t.Errorf("integrated loudness %.1f LUFS, want -16 ± 1", got)
	}
}

func TestRenderFastPath(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	pr, _ := LookupPreset("preview", false)
	in := e.clip("in.mp4", ffmpegtest.Opts{W: pr.Width, H: pr.Height, Audio: true, GOP: 60, Profile: "high"})
	out := filepath.Join(e.dir, "out.mp4")
	res, err := Render(t.Context(), RenderRequest{Input: in, Preset: "preview", FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FastPath {
		t.Fatalf("not remuxed: %v", res.Reasons)
	}
	for _, s := range []string{"v:0", "a:0"} {
		if a, b := ffmpegtest.StreamHash(t, in, s), ffmpegtest.StreamHash(t, out, s); a != b {
			t.Errorf("stream %s changed by the fast path:\n in  %s\n out %s", s, a, b)
		}
	}
	f := ffmpegtest.ProbeFacts(t, out)
	if !f.MoovFirst || f.HasEditList {
		t.Errorf("remux: moov first %v, edit list %v", f.MoovFirst, f.HasEditList)
	}
	if before := ffmpegtest.ProbeFacts(t, in); before.MoovFirst || !before.HasEditList {
		t.Fatalf("test input should have moov last and an edit list: %+v", before)
	}

	// no audio: the video is still copied, a silent track is added
	silent := e.clip("silent.mp4", ffmpegtest.Opts{W: pr.Width, H: pr.Height, GOP: 60})
	res, err = Render(t.Context(), RenderRequest{Input: silent, Preset: "preview", FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FastPath || ffmpegtest.StreamHash(t, silent, "v:0") != ffmpegtest.StreamHash(t, out, "v:0") {
		t.Errorf("silent input: fast path %v %v", res.FastPath, res.Reasons)
	}
	if f := ffmpegtest.ProbeFacts(t, out); !f.HasAudio || f.AudioCodec != "aac" {
		t.Errorf("silent input: audio %+v", f)
	}

	// not conforming: re-encoded, with the reasons
	vfr := e.clip("vfr.mp4", ffmpegtest.Opts{W: pr.Width, H: pr.Height, VFR: true, Audio: true})
	res, err = Render(t.Context(), RenderRequest{Input: vfr, Preset: "preview", FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.FastPath || len(res.Reasons) == 0 || !strings.Contains(strings.Join(res.Reasons, ";"), "variable frame rate") {
		t.Errorf("vfr input: fast path %v, reasons %v", res.FastPath, res.Reasons)
	}
	wantOutput(t, out, 540, 960, 30, 29) // the VFR clip's video is 0.967 s
}

func TestRenderImagePreset(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	for _, tt := range []struct {
		w, h, ww, wh int
	}{{3000, 1000, 1440, 754}, {2000, 500, 955, 500}, {400, 1000, 400, 500}, {800, 800, 800, 800}} {
		src := ffmpegtest.ImageFile(t, tt.w, tt.h, filepath.Join(e.dir, "src.png"))
		out := filepath.Join(e.dir, "out.jpg")
		res, err := Render(t.Context(), RenderRequest{Input: src, FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != KindImage || len(res.Violations) != 0 {
			t.Errorf("%dx%d: kind %s violations %v", tt.w, tt.h, res.Kind, res.Violations)
		}
		if f := ffmpegtest.ProbeFacts(t, out); f.VideoCodec != "mjpeg" || f.Width != tt.ww || f.Height != tt.wh {
			t.Errorf("%dx%d → %s %dx%d, want JPEG %dx%d", tt.w, tt.h, f.VideoCodec, f.Width, f.Height, tt.ww, tt.wh)
		}
	}
}

func TestRenderProgressStages(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("a.mp4", ffmpegtest.Opts{Audio: true})
	s, err := ParseSpec([]byte("version: 1\nname: t\nclips:\n  - video: a.mp4\nloudness: -14\n"), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(e.dir); err != nil {
		t.Fatal(err)
	}
	var stages []string
	_, err = Render(t.Context(), RenderRequest{Spec: s, Preview: true, FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe,
		Output: filepath.Join(e.dir, "o.mp4")}, func(p Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(stages, ","); got != "probe,analyze,encode,validate,done" {
		t.Errorf("stages = %s", got)
	}
}

func TestRenderTurnsPhonePhotosUpright(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	// 800x400 pixels shown as 400x800: the image preset crops a portrait
	// picture to 4:5 (400x500); unturned it would crop to 1.91:1 (764x400)
	src := ffmpegtest.OrientedImage(t, 800, 400, 6)
	out := filepath.Join(e.dir, "out.jpg")
	if _, err := Render(t.Context(), RenderRequest{Input: src, FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, nil); err != nil {
		t.Fatal(err)
	}
	if f := ffmpegtest.ProbeFacts(t, out); f.Width != 400 || f.Height != 500 {
		t.Errorf("output %dx%d, want 400x500", f.Width, f.Height)
	}
}

func TestRenderCancelLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("long.mp4", ffmpegtest.Opts{W: 320, H: 180, Audio: true, Dur: 20 * time.Second})
	s, err := ParseSpec([]byte("version: 1\nname: t\nclips:\n  - video: long.mp4\n"), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(e.dir); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := filepath.Join(e.dir, "out", "render.mp4")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Render(ctx, RenderRequest{Spec: s, Preview: true, FFmpeg: e.tools.FFmpeg, FFprobe: e.tools.FFprobe, Output: out}, func(p Progress) {
		if p.Stage == "encode" && p.OutTime > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Render = %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("cancelled render left %v", entries)
	}
}
