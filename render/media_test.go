package render

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	testkit.WriteFile(t, p, data)
	return p
}

// nonMedia is the corpus of files that must never reach ffmpeg.
func nonMedia(t *testing.T) map[string]struct{ path, reason string } {
	t.Helper()
	tools := ffmpegtest.Require(t)
	_ = tools
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Audio: true})
	data := testkit.ReadFile(t, clip)
	jpg := testkit.ReadFile(t, ffmpegtest.Image(t, 64, 64))
	return map[string]struct{ path, reason string }{
		"text named mp4":  {writeFile(t, "notes.mp4", []byte("shopping list\n- milk\n")), "a text file"},
		"zero bytes":      {writeFile(t, "empty.mp4", nil), "zero bytes"},
		"truncated mp4":   {writeFile(t, "cut.mp4", data[:len(data)/2]), "truncated MP4"},
		"truncated jpeg":  {writeFile(t, "cut.jpg", jpg[:len(jpg)/2]), "truncated JPEG"},
		"hls playlist":    {writeFile(t, "clip.mp4", []byte("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")), "HLS playlist"},
		"hls with bom":    {writeFile(t, "clip.m3u8", []byte("\xEF\xBB\xBF#EXTM3U\n#EXTINF:1,\n/etc/hostname\n")), "HLS playlist"},
		"ffconcat list":   {writeFile(t, "list.mov", []byte("ffconcat version 1.0\nfile '/etc/hostname'\n")), "concat list"},
		"concat list":     {writeFile(t, "list.mp4", []byte("file '/etc/hostname'\nfile 'b.mp4'\n")), "concat list"},
		"sdp":             {writeFile(t, "cam.mp4", []byte("v=0\no=- 0 0 IN IP4 127.0.0.1\nm=video 5004 RTP/AVP 96\n")), "SDP"},
		"binary junk":     {writeFile(t, "junk.mp4", []byte{0, 1, 2, 3, 0xff, 0xfe, 0, 0, 9, 9, 9, 9, 0, 0}), "not a media file"},
		"srt as media":    {writeFile(t, "v.mp4", []byte("1\n00:00:00,000 --> 00:00:01,000\nhi\n")), "a text file"},
		"webvtt as media": {writeFile(t, "v.mov", []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")), "WebVTT"},
	}
}

func TestSniffRefusesNonMedia(t *testing.T) {
	t.Parallel()
	for name, c := range nonMedia(t) {
		t.Run(name, func(t *testing.T) {
			_, err := Sniff(c.path)
			var me *MediaError
			if !errors.As(err, &me) || !IsMediaError(err) {
				t.Fatalf("Sniff = %v, want *MediaError", err)
			}
			if me.File != c.path || !strings.Contains(me.Reason, c.reason) {
				t.Errorf("MediaError = %q / %q, want file %q and reason containing %q", me.File, me.Reason, c.path, c.reason)
			}
			if !strings.Contains(err.Error(), filepath.Base(c.path)) {
				t.Errorf("Error() = %q does not name the file", err)
			}
		})
	}
	if _, err := Sniff(t.TempDir()); !IsMediaError(err) {
		t.Errorf("directory: %v", err)
	}
	if _, err := Sniff(filepath.Join(t.TempDir(), "missing.mp4")); !IsMediaError(err) {
		t.Errorf("missing: %v", err)
	}
}

// fakeTools returns ffmpeg and ffprobe stand-ins that only record that they
// were started.
func fakeTools(t *testing.T) (ffmpeg, ffprobe, marker string) {
	t.Helper()
	dir := t.TempDir()
	marker = filepath.Join(dir, "ran")
	script := "echo \"$0 $*\" >> '" + marker + "'\nexit 1\n"
	ffmpeg, ffprobe = filepath.Join(dir, "ffmpeg"), filepath.Join(dir, "ffprobe")
	for _, p := range []string{ffmpeg, ffprobe} {
		testkit.Script(t, p, script)
	}
	return ffmpeg, ffprobe, marker
}

func TestNonMediaRefusedBeforeFFmpegRuns(t *testing.T) {
	t.Parallel()
	ff, fp, marker := fakeTools(t)
	for name, c := range nonMedia(t) {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.mp4")
			_, err := Render(t.Context(), RenderRequest{Input: c.path, FFmpeg: ff, FFprobe: fp, Output: out}, nil)
			if !IsMediaError(err) {
				t.Fatalf("Render = %v, want a media error", err)
			}
			// the same file as a clip of a spec
			dir := filepath.Dir(c.path)
			spec := "version: 1\nname: x\nclips:\n  - video: " + filepath.Base(c.path) + "\n"
			s, err := ParseSpec([]byte(spec), "s.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Resolve(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := Render(t.Context(), RenderRequest{Spec: s, FFmpeg: ff, FFprobe: fp, Output: out}, nil); !IsMediaError(err) {
				t.Fatalf("Render(spec) = %v, want a media error", err)
			}
			if b, err := os.ReadFile(marker); err == nil {
				t.Fatalf("ffmpeg/ffprobe ran for a refused file: %s", b)
			}
		})
	}
}

func TestSniffAcceptsMedia(t *testing.T) {
	t.Parallel()
	ffmpegtest.Require(t)
	dir := t.TempDir()
	cases := map[string]struct {
		path, demuxer, kind string
	}{
		"mp4":         {ffmpegtest.Clip(t, ffmpegtest.Opts{Audio: true}), "mov", "video"},
		"mov":         {ffmpegtest.Clip(t, ffmpegtest.Opts{Name: "c.mov"}), "mov", "video"},
		"mkv":         {ffmpegtest.Clip(t, ffmpegtest.Opts{Name: "c.mkv", Audio: true}), "matroska", "video"},
		"jpeg":        {ffmpegtest.Image(t, 32, 32), "jpeg_pipe", "image"},
		"png":         {ffmpegtest.ImageFile(t, 32, 32, filepath.Join(dir, "i.png")), "png_pipe", "image"},
		"mp3":         {ffmpegtest.Tone(t, time.Second, 440, "t.mp3"), "mp3", "audio"},
		"wav":         {ffmpegtest.Tone(t, time.Second, 440, "t.wav"), "wav", "audio"},
		"m4a":         {ffmpegtest.Tone(t, time.Second, 440, "t.m4a"), "mov", "video"},
		"jpg as .mp4": {ffmpegtest.ImageFile(t, 32, 32, filepath.Join(dir, "photo.mp4")), "jpeg_pipe", "image"},
	}
	for name, c := range cases {
		f, err := Sniff(c.path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if f.Demuxer != c.demuxer || f.Kind != c.kind {
			t.Errorf("%s: Sniff = %+v, want demuxer %s kind %s", name, f, c.demuxer, c.kind)
		}
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	tools := ffmpegtest.Require(t)
	tests := []struct {
		name  string
		opts  ffmpegtest.Opts
		check func(t *testing.T, m *MediaInfo)
	}{
		{"landscape with audio", ffmpegtest.Opts{W: 96, H: 54, Audio: true, SampleRate: 44100, Channels: 1}, func(t *testing.T, m *MediaInfo) {
			v, a := m.Video, m.Audio
			if v.Codec != "h264" || v.Width != 96 || v.Height != 54 || v.FPS != 30 || v.VFR || v.BitDepth != 8 || v.Rotation != 0 {
				t.Errorf("video = %+v", v)
			}
			if a == nil || a.Codec != "aac" || a.SampleRate != 44100 || a.Channels != 1 {
				t.Errorf("audio = %+v", a)
			}
			if m.Layout == nil || m.Layout.MoovFirst {
				t.Errorf("layout = %+v, want moov after mdat (ffmpeg's default)", m.Layout)
			}
		}},
		{"faststart no audio", ffmpegtest.Opts{FastStart: true}, func(t *testing.T, m *MediaInfo) {
			if m.Audio != nil || !m.Layout.MoovFirst {
				t.Errorf("audio = %+v, layout = %+v", m.Audio, m.Layout)
			}
		}},
		{"rotated", ffmpegtest.Opts{W: 64, H: 32, Rotate: 90}, func(t *testing.T, m *MediaInfo) {
			v := m.Video
			if v.Rotation != 90 || v.DisplayWidth != 32 || v.DisplayHeight != 64 {
				t.Errorf("video = %+v, want rotation 90 and display 32x64", v)
			}
		}},
		{"vfr", ffmpegtest.Opts{VFR: true}, func(t *testing.T, m *MediaInfo) {
			if !m.Video.VFR {
				t.Errorf("video = %+v, want VFR", m.Video)
			}
		}},
		{"hdr 10-bit", ffmpegtest.Opts{PixFmt: "yuv420p10le", HDR: true}, func(t *testing.T, m *MediaInfo) {
			v := m.Video
			if !v.HDR || v.BitDepth != 10 || v.ColorTransfer != "smpte2084" {
				t.Errorf("video = %+v, want 10-bit HDR", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Probe(t.Context(), tools.FFprobe, ffmpegtest.Clip(t, tt.opts))
			if err != nil {
				t.Fatal(err)
			}
			if m.Format.Demuxer != "mov" || m.Duration < 0.9 || m.Duration > 1.1 {
				t.Errorf("format %+v duration %v", m.Format, m.Duration)
			}
			tt.check(t, m)
		})
	}
	img, err := Probe(t.Context(), tools.FFprobe, ffmpegtest.Image(t, 40, 30))
	if err != nil {
		t.Fatal(err)
	}
	if !img.Video.Still || img.Video.Width != 40 || img.Video.Codec != "mjpeg" || img.Duration != 0 {
		t.Errorf("image = %+v / %+v", img, img.Video)
	}
}

func TestReadMP4LayoutEditList(t *testing.T) {
	t.Parallel()
	ffmpegtest.Require(t)
	// ffmpeg writes an edit list for B-frame delay unless told not to
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Profile: "high"})
	dir := t.TempDir()
	withEdts := filepath.Join(dir, "edts.mp4")
	ffmpegtest.Run(t, "-i", "file:"+clip, "-c", "copy", "-c:v", "libx264", "-bf", "2", "file:"+withEdts)
	l, err := ReadMP4Layout(withEdts)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.EditLists) == 0 || l.EditLists[0].Entries != 1 || l.EditLists[0].MediaTime <= 0 {
		t.Errorf("edit lists = %+v, want one shifting the B-frame delay", l.EditLists)
	}
	without := filepath.Join(dir, "none.mp4")
	ffmpegtest.Run(t, "-i", "file:"+withEdts, "-c", "copy", "-use_editlist", "0", "-movflags", "+faststart", "file:"+without)
	l, err = ReadMP4Layout(without)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.EditLists) != 0 || !l.MoovFirst {
		t.Errorf("layout = %+v, want no edit list and moov first", l)
	}
}

func TestEXIFOrientation(t *testing.T) {
	t.Parallel()
	tools := ffmpegtest.Require(t)
	for _, tt := range []struct {
		orientation, rotation, dw, dh int
	}{{0, 0, 80, 40}, {1, 0, 80, 40}, {3, 180, 80, 40}, {6, 90, 40, 80}, {8, 270, 40, 80}, {5, 0, 40, 80}} {
		path := ffmpegtest.Image(t, 80, 40)
		if tt.orientation > 0 {
			path = ffmpegtest.OrientedImage(t, 80, 40, tt.orientation)
		}
		m, err := Probe(t.Context(), tools.FFprobe, path)
		if err != nil {
			t.Fatal(err)
		}
		v := m.Video
		if v.Rotation != tt.rotation || v.DisplayWidth != tt.dw || v.DisplayHeight != tt.dh {
			t.Errorf("orientation %d: rotation %d display %dx%d, want %d %dx%d", tt.orientation, v.Rotation, v.DisplayWidth, v.DisplayHeight, tt.rotation, tt.dw, tt.dh)
		}
	}
	if got := exifOrientation([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 3, 0}); got != 0 {
		t.Errorf("truncated EXIF: %d", got)
	}
}
