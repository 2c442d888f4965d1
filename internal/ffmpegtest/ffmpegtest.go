// Package ffmpegtest makes tiny media files with ffmpeg's lavfi sources and
// reads facts back with ffprobe, for tests that run the real tools. It is
// imported only from _test.go files.
//
// Tests call Require first: it skips when ffmpeg or ffprobe is missing,
// unless IMPRESS_REQUIRE_FFMPEG=1 (CI), in which case it fails. The
// package deliberately does not use impress's render package, so that its
// probe is an independent witness of what render produced.
package ffmpegtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tools are the binaries tests run.
type Tools struct {
	FFmpeg, FFprobe string
}

// Require returns the ffmpeg and ffprobe to use, or skips the test when
// they are missing (fails instead under IMPRESS_REQUIRE_FFMPEG=1).
// IMPRESS_FFMPEG / IMPRESS_FFPROBE override the PATH lookup.
func Require(t testing.TB) Tools {
	t.Helper()
	var tools Tools
	var missing []string
	for _, x := range []struct {
		env, name string
		dst       *string
	}{{"IMPRESS_FFMPEG", "ffmpeg", &tools.FFmpeg}, {"IMPRESS_FFPROBE", "ffprobe", &tools.FFprobe}} {
		p := os.Getenv(x.env)
		if p == "" {
			var err error
			p, err = exec.LookPath(x.name)
			if err != nil {
				missing = append(missing, x.name)
				continue
			}
		}
		*x.dst = p
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("%s not installed (apt-get install ffmpeg / brew install ffmpeg)", strings.Join(missing, " and "))
		if os.Getenv("IMPRESS_REQUIRE_FFMPEG") == "1" {
			t.Fatal(msg + "; IMPRESS_REQUIRE_FFMPEG=1")
		}
		t.Skip(msg)
	}
	return tools
}

// Run runs ffmpeg with args (plus -nostdin -hide_banner -loglevel error -y)
// and fails the test with ffmpeg's stderr when it fails.
func Run(t testing.TB, args ...string) {
	t.Helper()
	tools := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)
	cmd := exec.CommandContext(ctx, tools.FFmpeg, full...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
}

// Opts describes a synthetic clip. Zero values give a 64x64, 1 s, 30 fps
// H.264 yuv420p MP4 without audio.
type Opts struct {
	W, H int
	Dur  time.Duration
	FPS  int
	// Audio adds a 440 Hz sine track (AAC unless AudioCodec says otherwise).
	Audio        bool
	SampleRate   int    // default 48000
	Channels     int    // default 2
	AudioCodec   string // default "aac"
	AudioBitrate string // e.g. "128k"
	// AudioDur makes the audio track longer or shorter than the video.
	AudioDur time.Duration
	// VFR drops every third frame and keeps the timestamps: a variable
	// frame rate like phone footage (avg 20 fps for FPS 30).
	VFR bool
	// Rotate writes a display matrix rotating the picture clockwise by 90, 180 or 270.
	Rotate int
	// PixFmt, e.g. "yuv420p10le" (10-bit) or "yuv422p".
	PixFmt string
	// HDR tags the clip as PQ / BT.2020 (use with a 10-bit PixFmt).
	HDR bool
	// Codec: "h264" (default), "hevc" or "mpeg4".
	Codec string
	// Profile for libx264, e.g. "main".
	Profile string
	// Container by extension of Name; Name defaults to "clip.mp4".
	Name string
	// Dir defaults to a fresh t.TempDir().
	Dir string
	// FastStart moves moov to the front (otherwise ffmpeg's default: moov last).
	FastStart bool
	// GOP sets the keyframe interval in frames (with closed GOPs and no scene cut).
	GOP int
	// Source is the lavfi video source name (default testsrc2).
	Source string
}

// Clip makes a synthetic clip and returns its path.
func Clip(t testing.TB, o Opts) string {
	t.Helper()
	if o.W == 0 {
		o.W = 64
	}
	if o.H == 0 {
		o.H = 64
	}
	if o.Dur == 0 {
		o.Dur = time.Second
	}
	if o.FPS == 0 {
		o.FPS = 30
	}
	if o.Name == "" {
		o.Name = "clip.mp4"
	}
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Source == "" {
		o.Source = "testsrc2"
	}
	path := filepath.Join(o.Dir, o.Name)
	dur := seconds(o.Dur)
	args := []string{"-f", "lavfi", "-i", fmt.Sprintf("%s=size=%dx%d:rate=%d:duration=%s", o.Source, o.W, o.H, o.FPS, dur)}
	if o.Audio {
		rate, ch := o.SampleRate, o.Channels
		if rate == 0 {
			rate = 48000
		}
		if ch == 0 {
			ch = 2
		}
		adur := dur
		if o.AudioDur > 0 {
			adur = seconds(o.AudioDur)
		}
		layout := map[int]string{1: "mono", 2: "stereo", 6: "5.1"}[ch]
		args = append(args, "-f", "lavfi", "-i",
			fmt.Sprintf("sine=frequency=440:sample_rate=%d:duration=%s,aformat=channel_layouts=%s", rate, adur, layout))
	}
	args = append(args, "-map", "0:v")
	if o.Audio {
		args = append(args, "-map", "1:a")
	}
	if o.VFR {
		args = append(args, "-vf", `select=not(eq(mod(n\,3)\,2))`, "-fps_mode", "vfr")
	}
	switch o.Codec {
	case "", "h264":
		args = append(args, "-c:v", "libx264", "-preset", "ultrafast")
		if o.Profile != "" {
			args = append(args, "-profile:v", o.Profile)
		}
	case "hevc":
		args = append(args, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error")
	default:
		args = append(args, "-c:v", o.Codec)
	}
	pix := o.PixFmt
	if pix == "" {
		pix = "yuv420p"
	}
	args = append(args, "-pix_fmt", pix)
	if o.GOP > 0 {
		g := fmt.Sprint(o.GOP)
		args = append(args, "-g", g, "-keyint_min", g, "-sc_threshold", "0", "-flags", "+cgop")
	}
	if o.HDR {
		args = append(args, "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc")
	}
	if o.Audio {
		codec := o.AudioCodec
		if codec == "" {
			codec = "aac"
		}
		args = append(args, "-c:a", codec)
		if o.AudioBitrate != "" {
			args = append(args, "-b:a", o.AudioBitrate)
		}
	}
	if o.FastStart {
		args = append(args, "-movflags", "+faststart")
	}
	// the name may start with '-', hold a colon or have no extension:
	// name the muxer and say it is a file
	muxer := map[string]string{".mov": "mov", ".mkv": "matroska", ".webm": "webm"}[strings.ToLower(filepath.Ext(path))]
	if muxer == "" {
		muxer = "mp4"
	}
	args = append(args, "-f", muxer, "file:"+path)
	Run(t, args...)
	if o.Rotate != 0 {
		if err := setRotation(path, o.Rotate); err != nil {
			t.Fatalf("rotate %s: %v", path, err)
		}
	}
	return path
}

// Image makes a w×h JPEG test picture and returns its path.
func Image(t testing.TB, w, h int) string {
	t.Helper()
	return ImageFile(t, w, h, filepath.Join(t.TempDir(), "image.jpg"))
}

// ImageFile writes a w×h test picture to path; the extension picks the
// format (.jpg, .png, .webp).
func ImageFile(t testing.TB, w, h int, path string) string {
	t.Helper()
	args := []string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=1:duration=1", w, h), "-frames:v", "1"}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		args = append(args, "-c:v", "png", "-f", "image2", "-update", "1")
	case ".webp":
		args = append(args, "-c:v", "libwebp", "-f", "webp")
	default:
		args = append(args, "-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p", "-f", "mjpeg")
	}
	Run(t, append(args, "file:"+path)...)
	return path
}

// Tone makes an audio file (a sine of freq Hz; the extension picks the
// format: .mp3, .m4a, .wav) and returns its path.
func Tone(t testing.TB, dur time.Duration, freq int, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	args := []string{"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=44100:duration=%s", freq, seconds(dur))}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".mp3":
		args = append(args, "-c:a", "libmp3lame", "-f", "mp3")
	case ".wav":
		args = append(args, "-c:a", "pcm_s16le", "-f", "wav")
	default:
		args = append(args, "-c:a", "aac", "-f", "mp4")
	}
	Run(t, append(args, "file:"+path)...)
	return path
}

// Cue is one subtitle.
type Cue struct {
	Start, End time.Duration
	Text       string
}

// SRT writes cues as an .srt file and returns its path.
func SRT(t testing.TB, cues []Cue) string {
	t.Helper()
	var b strings.Builder
	for i, c := range cues {
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", i+1, stamp(c.Start, ","), stamp(c.End, ","), c.Text)
	}
	return write(t, "captions.srt", b.String())
}

// VTT writes cues as a WebVTT file and returns its path.
func VTT(t testing.TB, cues []Cue) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for _, c := range cues {
		fmt.Fprintf(&b, "%s --> %s\n%s\n\n", stamp(c.Start, "."), stamp(c.End, "."), c.Text)
	}
	return write(t, "captions.vtt", b.String())
}

func write(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func stamp(d time.Duration, sep string) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

// OrientedImage makes a w×h JPEG (pixels as stored) carrying an EXIF
// Orientation tag (1–8), as phones write portrait photos.
func OrientedImage(t testing.TB, w, h, orientation int) string {
	t.Helper()
	path := Image(t, w, h)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// APP1: "Exif\0\0", big-endian TIFF header, IFD0 with one SHORT entry
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(orientation), 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	out := append(append(append([]byte(nil), data[:2]...), seg...), data[2:]...)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
