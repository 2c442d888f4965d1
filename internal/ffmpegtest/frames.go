package ffmpegtest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Frame is one decoded video frame, for tests that look at pixels.
type Frame struct {
	W, H int
	img  *image.RGBA
}

// FrameAt decodes the frame of path shown at second at (ffmpeg's
// accurate seek), converted to RGB.
func FrameAt(t testing.TB, path string, at float64) *Frame {
	t.Helper()
	tools := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tools.FFmpeg, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", path, "-frames:v", "1",
		"-f", "image2pipe", "-c:v", "png", "-pix_fmt", "rgb24", "pipe:1")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("frame at %gs of %s: %v\n%s", at, path, err, stderr.String())
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatalf("frame at %gs of %s: %v", at, path, err)
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	return &Frame{W: b.Dx(), H: b.Dy(), img: rgba}
}

// RGB returns the 8-bit colour of pixel (x, y).
func (f *Frame) RGB(x, y int) (r, g, b uint8) {
	i := f.img.PixOffset(x, y)
	p := f.img.Pix[i : i+3 : i+3]
	return p[0], p[1], p[2]
}

// Luma is the pixel's brightness 0..255 (BT.709 weights).
func (f *Frame) Luma(x, y int) int {
	r, g, b := f.RGB(x, y)
	return (2126*int(r) + 7152*int(g) + 722*int(b)) / 10000
}

// Box is a pixel rectangle, X0/Y0 inclusive, X1/Y1 exclusive.
type Box struct{ X0, Y0, X1, Y1 int }

// Empty reports a box that holds no pixel.
func (b Box) Empty() bool { return b.X1 <= b.X0 || b.Y1 <= b.Y0 }

func (b Box) String() string {
	if b.Empty() {
		return "empty"
	}
	return fmt.Sprintf("x %d..%d y %d..%d", b.X0, b.X1, b.Y0, b.Y1)
}

// Find returns the bounding box of the pixels inside within for which
// match is true (an empty box when none is).
func (f *Frame) Find(within Box, match func(r, g, b uint8) bool) Box {
	out := Box{X0: f.W, Y0: f.H}
	for y := max(within.Y0, 0); y < min(within.Y1, f.H); y++ {
		for x := max(within.X0, 0); x < min(within.X1, f.W); x++ {
			if match(f.RGB(x, y)) {
				out.X0, out.Y0 = min(out.X0, x), min(out.Y0, y)
				out.X1, out.Y1 = max(out.X1, x+1), max(out.Y1, y+1)
			}
		}
	}
	return out
}

// All is the whole frame as a Box.
func (f *Frame) All() Box { return Box{0, 0, f.W, f.H} }

// MeanDiff is the mean absolute difference of two frames' RGB values
// (0: identical, 255: black against white).
func (f *Frame) MeanDiff(o *Frame) float64 {
	if f.W != o.W || f.H != o.H {
		return 255
	}
	var sum int64
	for y := range f.H {
		for x := range f.W {
			r1, g1, b1 := f.RGB(x, y)
			r2, g2, b2 := o.RGB(x, y)
			sum += int64(absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2))
		}
	}
	return float64(sum) / float64(3*f.W*f.H)
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// SolidClip makes a clip of one colour (an ffmpeg colour name or 0xRRGGBB)
// with a 440 Hz tone, for tests that tell clips apart by their pixels.
func SolidClip(t testing.TB, color string, w, h int, dur time.Duration, path string) string {
	t.Helper()
	d := seconds(dur)
	Run(t, "-f", "lavfi", "-i", fmt.Sprintf("color=c=%s:size=%dx%d:rate=30:duration=%s", color, w, h, d),
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+d,
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path)
	return path
}
