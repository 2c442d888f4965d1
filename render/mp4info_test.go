package render

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// ReadMP4Info must say what ffprobe says about the files it reads, and
// refuse (ErrNotPlainMP4, so the caller runs ffprobe) the ones it does
// not fully understand. Every file is a real encode.
func TestReadMP4InfoAgreesWithFFprobe(t *testing.T) {
	t.Parallel()
	tools := ffmpegtest.Require(t)
	dir := t.TempDir()
	lavfi := func(size, rate, dur string) []string {
		return []string{"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=" + rate + ":duration=" + dur}
	}
	tone := func(rate, layout string) []string {
		return []string{"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=" + rate + ":duration=1.5", "-ac", map[string]string{"mono": "1", "stereo": "2"}[layout]}
	}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	read := []struct {
		name string
		args []string
	}{
		// what a reels render writes: High, BT.709 flagged, AAC-LC stereo 48k, moov first, no edit list
		{"render.mp4", cat(lavfi("108x192", "30", "1.5"), tone("48000", "stereo"), []string{
			"-c:v", "libx264", "-preset", "faster", "-profile:v", "high", "-pix_fmt", "yuv420p",
			"-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
			"-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-use_editlist", "0", "-shortest"})},
		// constrained baseline, cropped odd size (100x58 is coded as 112x64), 25 fps, no audio
		{"baseline.mp4", cat(lavfi("100x58", "25", "1"), []string{"-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-use_editlist", "0"})},
		// main, full range, mono 44.1k, moov at the end
		{"main.mp4", cat(lavfi("64x64", "24", "1"), tone("44100", "mono"), []string{
			"-c:v", "libx264", "-profile:v", "main", "-pix_fmt", "yuvj420p", "-c:a", "aac", "-b:a", "64k", "-use_editlist", "0", "-shortest"})},
	}
	for _, c := range read {
		path := filepath.Join(dir, c.name)
		ffmpegtest.Run(t, append(c.args, "file:"+path)...)
		got, err := ReadMP4Info(path)
		if err != nil {
			t.Errorf("%s: ReadMP4Info: %v", c.name, err)
			continue
		}
		want, err := Probe(t.Context(), tools.FFprobe, path)
		if err != nil {
			t.Fatal(err)
		}
		compareInfo(t, c.name, got, want)
	}

	refuse := []struct {
		name string
		args []string
	}{
		{"interlaced.mp4", cat(lavfi("64x64", "30", "1"), []string{"-c:v", "libx264", "-flags", "+ildct+ilme", "-pix_fmt", "yuv420p"})},
		{"mpeg4.mp4", cat(lavfi("64x64", "30", "1"), []string{"-c:v", "mpeg4"})},
		{"high10.mp4", cat(lavfi("64x64", "30", "1"), []string{"-c:v", "libx264", "-pix_fmt", "yuv420p10le"})},
		{"yuv444.mp4", cat(lavfi("64x64", "30", "1"), []string{"-c:v", "libx264", "-pix_fmt", "yuv444p"})},
		{"editlist.mp4", cat(lavfi("64x64", "30", "1"), tone("48000", "stereo"), []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"})},
		{"mp3.mp4", cat(lavfi("64x64", "30", "1"), tone("48000", "stereo"), []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "libmp3lame", "-shortest"})},
	}
	for _, c := range refuse {
		path := filepath.Join(dir, c.name)
		ffmpegtest.Run(t, append(c.args, "file:"+path)...)
		if info, err := ReadMP4Info(path); !errors.Is(err, ErrNotPlainMP4) {
			t.Errorf("%s: ReadMP4Info = %+v, %v; want ErrNotPlainMP4", c.name, info, err)
		}
	}
	// a rotated picture: the same stream with a display matrix
	rot := filepath.Join(dir, "rotated.mp4")
	ffmpegtest.Run(t, "-i", filepath.Join(dir, "render.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", "file:"+rot)
	if info, err := ReadMP4Info(rot); !errors.Is(err, ErrNotPlainMP4) {
		t.Errorf("rotated: ReadMP4Info = %+v, %v; want ErrNotPlainMP4", info, err)
	}
}

// compareInfo checks every fact Validate, the render result and the cover
// command read.
func compareInfo(t *testing.T, name string, got, want *MediaInfo) {
	t.Helper()
	near := func(what string, g, w, tol float64) {
		t.Helper()
		if math.Abs(g-w) > tol*math.Max(1, math.Abs(w)) {
			t.Errorf("%s: %s = %v, ffprobe says %v", name, what, g, w)
		}
	}
	same := func(what string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %v, ffprobe says %v", name, what, g, w)
		}
	}
	same("path", got.Path, want.Path)
	same("format", got.Format, want.Format)
	same("format name", got.FormatName, want.FormatName)
	same("brand", got.Brand, want.Brand)
	same("size", got.Size, want.Size)
	near("duration", got.Duration, want.Duration, 0.002)
	near("bit rate", float64(got.BitRate), float64(want.BitRate), 0.01)
	same("layout", got.Layout, want.Layout)
	same("stream counts", [3]int{got.VideoStreams, got.AudioStreams, got.OtherStreams}, [3]int{want.VideoStreams, want.AudioStreams, want.OtherStreams})
	gv, wv := got.Video, want.Video
	if gv == nil || wv == nil {
		t.Fatalf("%s: video %+v, ffprobe %+v", name, gv, wv)
	}
	same("video codec/profile/pix_fmt", [3]string{gv.Codec, gv.Profile, gv.PixFmt}, [3]string{wv.Codec, wv.Profile, wv.PixFmt})
	same("size", [4]int{gv.Width, gv.Height, gv.DisplayWidth, gv.DisplayHeight}, [4]int{wv.Width, wv.Height, wv.DisplayWidth, wv.DisplayHeight})
	same("rotation, bit depth", [2]int{gv.Rotation, gv.BitDepth}, [2]int{wv.Rotation, wv.BitDepth})
	same("colour", [4]string{gv.ColorRange, gv.ColorPrimaries, gv.ColorTransfer, gv.ColorSpace},
		[4]string{wv.ColorRange, wv.ColorPrimaries, wv.ColorTransfer, wv.ColorSpace})
	same("flags (interlaced, HDR, still, VFR)", [4]bool{gv.Interlaced, gv.HDR, gv.Still, gv.VFR}, [4]bool{wv.Interlaced, wv.HDR, wv.Still, wv.VFR})
	near("fps", gv.FPS, wv.FPS, 0.001)
	near("video duration", gv.Duration, wv.Duration, 0.002)
	near("video bit rate", float64(gv.BitRate), float64(wv.BitRate), 0.01)
	same("frames", gv.Frames, wv.Frames)
	ga, wa := got.Audio, want.Audio
	if (ga == nil) != (wa == nil) {
		t.Fatalf("%s: audio %+v, ffprobe %+v", name, ga, wa)
	}
	if ga != nil {
		same("audio", [3]string{ga.Codec, ga.Profile, ga.ChannelLayout}, [3]string{wa.Codec, wa.Profile, wa.ChannelLayout})
		same("audio rate, channels", [2]int{ga.SampleRate, ga.Channels}, [2]int{wa.SampleRate, wa.Channels})
		near("audio bit rate", float64(ga.BitRate), float64(wa.BitRate), 0.01)
		near("audio duration", ga.Duration, wa.Duration, 0.002)
	}
	same("violations", Validate(got, KindReel), Validate(want, KindReel))
}

// bitWriter writes the fields of a hand-made SPS.
type bitWriter struct {
	out  []byte
	bits int
}

func (w *bitWriter) u(n, v int) {
	for i := n - 1; i >= 0; i-- {
		if w.bits%8 == 0 {
			w.out = append(w.out, 0)
		}
		w.out[len(w.out)-1] |= byte((v>>i)&1) << (7 - w.bits%8)
		w.bits++
	}
}

func (w *bitWriter) ue(v int) {
	n := 0
	for (v+1)>>n > 1 {
		n++
	}
	w.u(n, 0)
	w.u(n+1, v+1)
}

func (w *bitWriter) se(v int) {
	if v > 0 {
		w.ue(2*v - 1)
	} else {
		w.ue(-2 * v)
	}
}

// An SPS with what x264 does not write (a scaling matrix in the SPS, POC
// type 1, cropping on all sides, a full-range BT.2020 PQ signal), in a
// NAL unit whose payload needs emulation prevention.
func TestParseSPSHandMade(t *testing.T) {
	w := &bitWriter{}
	w.u(8, 100) // profile High
	w.u(8, 0)   // constraints
	w.u(8, 40)  // level
	w.ue(0)     // sps id
	w.ue(1)     // 4:2:0
	w.ue(0)     // luma 8 bit
	w.ue(0)     // chroma 8 bit
	w.u(1, 0)   // no bypass
	w.u(1, 1)   // seq_scaling_matrix_present_flag
	for i := range 8 {
		if i%2 == 1 {
			w.u(1, 0) // list absent
			continue
		}
		w.u(1, 1)
		size := 16
		if i >= 6 {
			size = 64
		}
		for j := range size {
			if j == 3 {
				w.se(-17) // 8+3+3+3-17: next scale 0, the rest of the list repeats the last
				break
			}
			w.se(3)
		}
	}
	w.ue(0)        // log2_max_frame_num_minus4
	w.ue(1)        // POC type 1
	w.u(1, 0)      // delta_pic_order_always_zero_flag
	w.se(-1)       // offset_for_non_ref_pic
	w.se(-1 << 29) // offset_for_top_to_bottom_field: 30 zero bits, which need an escape
	w.ue(2)        // cycle of 2
	w.se(1)        // offsets
	w.se(-1)       //
	w.ue(3)        // max_num_ref_frames
	w.u(1, 0)      // gaps
	w.ue(119)      // 120 MBs wide: 1920
	w.ue(67)       // 68 MB rows: 1088
	w.u(1, 1)      // frame_mbs_only_flag
	w.u(1, 1)      // direct_8x8_inference_flag
	w.u(1, 1)      // frame_cropping_flag
	w.ue(1)        // left: 2 px
	w.ue(2)        // right: 4 px
	w.ue(0)        // top
	w.ue(4)        // bottom: 8 px
	w.u(1, 1)      // vui
	w.u(1, 1)      // aspect ratio info
	w.u(8, 255)    // extended SAR
	w.u(16, 1)
	w.u(16, 1)
	w.u(1, 0) // overscan
	w.u(1, 1) // video signal type
	w.u(3, 5)
	w.u(1, 1)  // full range
	w.u(1, 1)  // colour description
	w.u(8, 9)  // BT.2020
	w.u(8, 16) // PQ
	w.u(8, 9)  // BT.2020 NCL
	w.u(1, 1)  // rbsp stop bit
	rbsp := w.out
	// escape: 00 00 0x (x ≤ 3) → 00 00 03 0x
	nal := []byte{0x67}
	zeros := 0
	for _, c := range rbsp {
		if zeros >= 2 && c <= 3 {
			nal = append(nal, 3)
			zeros = 0
		}
		nal = append(nal, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	if len(nal) == len(rbsp)+1 {
		t.Fatal("the hand-made SPS needs no emulation prevention; the test would not cover it")
	}
	s, err := parseSPS(nal)
	if err != nil {
		t.Fatal(err)
	}
	if s.width != 1920-6 || s.height != 1088-8 || !s.frameMBsOnly || s.chromaFormat != 1 || s.bitDepth != 8 {
		t.Errorf("parsed %v, want 1914x1080 4:2:0 8-bit frames", s)
	}
	if !s.signalType || !s.fullRange || s.primaries != 9 || s.transfer != 16 || s.matx != 9 {
		t.Errorf("VUI: %+v", s)
	}
	v, err := s.videoInfo()
	if err != nil {
		t.Fatal(err)
	}
	if v.PixFmt != "yuvj420p" || v.ColorRange != "pc" || v.ColorTransfer != "smpte2084" || !v.HDR || v.ColorSpace != "bt2020nc" {
		t.Errorf("video info %+v", v)
	}
	// cut short: an error, not a panic or a made-up size
	if _, err := parseSPS(nal[:12]); err == nil {
		t.Error("a truncated SPS parsed")
	}
}

// A render's output is described from its boxes (no ffprobe), and that
// description is ffprobe's.
func TestRenderOutputInfoWithoutFFprobe(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.clip("a.mp4", ffmpegtest.Opts{W: 160, H: 90, Audio: true, Dur: 3 * time.Second})
	res := e.render("version: 1\nname: t\nclips:\n  - video: a.mp4\n    fit: blur\n", true)
	if _, err := ReadMP4Info(res.Output); err != nil {
		t.Fatalf("a render's own output is not read from its boxes: %v", err)
	}
	want, err := Probe(t.Context(), e.tools.FFprobe, res.Output)
	if err != nil {
		t.Fatal(err)
	}
	compareInfo(t, "render output", res.Info, want)
}

// A remux is started on speculation only for a file whose boxes leave the
// fast path possible: H.264 at the preset's size.
func TestMayConform(t *testing.T) {
	t.Parallel()
	ffmpegtest.Require(t)
	dir := t.TempDir()
	mk := func(name, size, codec string) string {
		p := filepath.Join(dir, name)
		ffmpegtest.Run(t, "-f", "lavfi", "-i", "testsrc2=size="+size+":rate=30:duration=0.5", "-c:v", codec, "-pix_fmt", "yuv420p", "file:"+p)
		return p
	}
	preview := RenderRequest{Preset: "preview"} // 540x960
	cases := []struct {
		path string
		req  RenderRequest
		want bool
	}{
		{mk("fits.mp4", "540x960", "libx264"), preview, true},
		{mk("landscape.mp4", "960x540", "libx264"), preview, false},
		{mk("small.mp4", "96x64", "libx264"), RenderRequest{}, false}, // reels: 1080x1920
		{mk("mpeg4.mp4", "540x960", "mpeg4"), preview, false},
	}
	for _, c := range cases {
		if got := mayConform(c.path, c.req); got != c.want {
			t.Errorf("mayConform(%s, %q) = %v, want %v", filepath.Base(c.path), c.req.Preset, got, c.want)
		}
	}
	// boxes that say nothing leave it to the probe
	junk := filepath.Join(dir, "junk.mp4")
	testkit.WriteFile(t, junk, "not an mp4 at all")
	if !mayConform(junk, preview) || !mayConform(filepath.Join(dir, "missing.mp4"), preview) {
		t.Error("unreadable boxes ruled the fast path out")
	}
}
