package render

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

// e2e tests of the keys issue 14 added, one render per group, checked on
// the output's pixels and sound.

func isWhite(r, g, b uint8) bool { return r > 200 && g > 200 && b > 200 }

// TestRenderCardsStretchClipTextsAudioCut: a colour card, a gradient
// card, a stretched picture, a text timed on clip 2, and music cut in.
func TestRenderCardsStretchClipTextsAudioCut(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	// a picture whose left quarter is red and the rest blue: stretched, the
	// left quarter of the frame is red; cropped it would be blue there
	ffmpegtest.Run(t, "-filter_complex", "color=c=red:s=32x32,trim=end_frame=1[l];color=c=blue:s=96x32,trim=end_frame=1[r];[l][r]hstack",
		"-frames:v", "1", "-update", "1", filepath.Join(e.dir, "quarter.png"))
	// one second of silence, then a tone: in: 1 starts on the tone
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=1", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
		"-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1", filepath.Join(e.dir, "late.wav"))
	// the defaults give the gradient card and the picture their second,
	// the picture its fit and the text its size
	res := e.render(`version: 1
name: cards
defaults:
  duration: 1
  fit: stretch
  text: {size: 120, color: white}
clips:
  - color: black
    duration: 1
  - gradient: ["#FF0000", "#0000FF"]
  - image: quarter.png
texts:
  - text: "HI"
    clip: 2
    start: 0.2
    end: 0.8
audio:
  - file: late.wav
    in: 1
    out: 3.5
`, true)
	wantOutput(t, res.Output, 540, 960, 30, 90)

	black := ffmpegtest.FrameAt(t, res.Output, 0.5)
	if box := black.Find(black.All(), func(r, g, b uint8) bool { return r > 40 || g > 40 || b > 40 }); !box.Empty() {
		t.Errorf("black card: bright pixels at %s", box)
	}
	grad := ffmpegtest.FrameAt(t, res.Output, 1.5)
	if r, _, b := grad.RGB(270, 20); r < 180 || b > 80 {
		t.Errorf("gradient top = %d,%d (r,b), want red", r, b)
	}
	if r, _, b := grad.RGB(270, 940); b < 180 || r > 80 {
		t.Errorf("gradient bottom = %d,%d (r,b), want blue", r, b)
	}
	if r, _, b := grad.RGB(270, 200); r < 80 || b < 20 || r < b {
		t.Errorf("gradient at 20%% height = %d,%d (r,b), want mostly red with some blue", r, b)
	}
	// "HI" at 120 px (60 at this preview size) is about 80 px wide
	text := grad.Find(grad.All(), isWhite)
	if text.Empty() || text.X0 < 200 || text.X1 > 340 || text.X1-text.X0 < 60 {
		t.Errorf("clip 2 at 0.5 s: white text at %s, want centred at the default size", text)
	}
	early := ffmpegtest.FrameAt(t, res.Output, 1.1)
	if box := early.Find(early.All(), isWhite); !box.Empty() {
		t.Errorf("clip 2 at 0.1 s (the text starts at 0.2): white pixels at %s", box)
	}
	st := ffmpegtest.FrameAt(t, res.Output, 2.5)
	if r, _, b := st.RGB(60, 480); r < 180 || b > 80 {
		t.Errorf("stretched picture at x=60: %d,%d (r,b), want red (its left quarter)", r, b)
	}
	if r, _, b := st.RGB(300, 480); b < 180 || r > 80 {
		t.Errorf("stretched picture at x=300: %d,%d (r,b), want blue", r, b)
	}
	if v := ffmpegtest.MeanVolume(t, res.Output, 0, 0.5, "anull"); v < -30 {
		t.Errorf("music cut in at 1 s is %.1f dB in the first half second, want the tone (the file's first second is silent)", v)
	}
}

// TestRenderOverlays: a logo watermark (top-right, timed), a
// half-transparent picture, and a picture-in-picture video placed by
// {x, y}, found by their colours where the layout put them.
func TestRenderOverlays(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", "-update", "1", filepath.Join(e.dir, "logo.png"))
	ffmpegtest.Run(t, "-f", "lavfi", "-i", "color=c=white:s=80x40", "-frames:v", "1", "-update", "1", filepath.Join(e.dir, "white.png"))
	ffmpegtest.SolidClip(t, "blue", 64, 36, time.Second, filepath.Join(e.dir, "pip.mp4"))
	res := e.render(`version: 1
name: overlays
clips:
  - color: black
    duration: 2
overlays:
  - image: logo.png
    position: top-right
    size: 0.2
    end: 1
  - image: white.png
    position: center
    size: 0.5
    opacity: 0.5
    start: 1
  - video: pip.mp4
    position: {x: 0.8, y: 0.3}
    size: 0.4
    start: 0.5
`, true)
	wantOutput(t, res.Output, 540, 960, 30, 60)
	pr, _ := LookupPreset("reels", true)
	safe := layoutFor(pr).safe
	red := func(r, g, b uint8) bool { return r > 180 && g < 60 && b < 60 }
	blue := func(r, g, b uint8) bool { return b > 180 && r < 60 && g < 60 }

	f := ffmpegtest.FrameAt(t, res.Output, 0.25)
	// 20% of 540 is 108 px, square: in the safe area's top right corner
	if b := f.Find(f.All(), red); b.X1 < safe.x1-2 || b.X1 > safe.x1 || b.Y0 > safe.y0+2 || b.Y0 < safe.y0 || b.X1-b.X0 < 104 || b.X1-b.X0 > 110 {
		t.Errorf("logo at %s, want 108x108 in the top right corner of the safe area %v", b, safe)
	}
	if b := f.Find(f.All(), blue); !b.Empty() {
		t.Errorf("the picture-in-picture shows at %s before its start", b)
	}
	f = ffmpegtest.FrameAt(t, res.Output, 0.75)
	// 40% of 540 is 216 px wide, 16:9; centred on (432, 288)
	if b := f.Find(f.All(), blue); b.Empty() || abs(b.X0+b.X1-2*432) > 4 || abs(b.Y0+b.Y1-2*288) > 4 || abs(b.X1-b.X0-216) > 4 || abs(b.Y1-b.Y0-122) > 4 {
		t.Errorf("picture-in-picture at %s, want 216x122 centred on 432,288", b)
	}
	// (the encoder's one-frame reorder delay shifts times by 33 ms: look
	// between boundaries)
	f = ffmpegtest.FrameAt(t, res.Output, 1.6)
	if b := f.Find(f.All(), red); !b.Empty() {
		t.Errorf("the logo shows at %s after its end", b)
	}
	if b := f.Find(f.All(), blue); !b.Empty() {
		t.Errorf("the picture-in-picture shows at %s after its video ended", b)
	}
	if r, g, b := f.RGB(270, 480); r < 100 || r > 160 || g < 100 || g > 160 || b < 100 || b > 160 {
		t.Errorf("half-transparent white over black = %d,%d,%d, want mid grey", r, g, b)
	}
	// the picture-in-picture reaches under the buttons on the right
	if len(res.Warnings) != 1 || res.Warnings[0].Key != "overlays[2].position" || res.Warnings[0].Rule != WarnSafeZone || res.Warnings[0].Line != 17 {
		t.Errorf("warnings %+v, want one safe_zone on overlays[2].position (line 17)", res.Warnings)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
