package render

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current builder")

// Fixed paths so the goldens do not depend on the machine.
const (
	goldenWork = "/work/impress-render-1"
	goldenOut  = "/out/render.mp4"
	goldenFont = "/fonts/DejaVuSans-Bold.ttf"
)

// useGoldenFont returns the installed DejaVu Sans Bold, which the goldens
// are laid out with (the layout reads the font); checkGolden writes its
// path as goldenFont so the goldens do not depend on where it is.
func useGoldenFont(t *testing.T) string {
	t.Helper()
	f := FindFont()
	if filepath.Base(f) != "DejaVuSans-Bold.ttf" {
		t.Skipf("the goldens are laid out with DejaVu Sans Bold; found %q (install fonts-dejavu-core)", f)
	}
	return f
}

func videoInfo(path string, w, h int, dur float64, audio bool) *MediaInfo {
	m := &MediaInfo{
		Path: path, Format: Format{Kind: "video", Demuxer: "mov", Name: "MP4/MOV"}, FormatName: "mov,mp4,m4a,3gp,3g2,mj2",
		Duration: dur, Size: 1 << 20,
		Video: &VideoInfo{Codec: "h264", Profile: "High", PixFmt: "yuv420p", Width: w, Height: h,
			DisplayWidth: w, DisplayHeight: h, FPS: 30, RFrameRate: 30, BitDepth: 8, Duration: dur},
		Layout: &MP4Layout{},
	}
	if audio {
		m.Audio = &AudioInfo{Codec: "aac", Profile: "LC", SampleRate: 44100, Channels: 2, BitRate: 128000, Duration: dur}
	}
	return m
}

func imageInfo(path string, w, h int) *MediaInfo {
	return &MediaInfo{Path: path, Format: Format{Kind: "image", Demuxer: "jpeg_pipe", Name: "JPEG"},
		Video: &VideoInfo{Codec: "mjpeg", PixFmt: "yuvj420p", Width: w, Height: h, DisplayWidth: w, DisplayHeight: h, Still: true}}
}

func audioInfo(path string, dur float64) *MediaInfo {
	return &MediaInfo{Path: path, Format: Format{Kind: "audio", Demuxer: "mp3", Name: "MP3"}, Duration: dur,
		Audio: &AudioInfo{Codec: "mp3", SampleRate: 44100, Channels: 2, BitRate: 192000, Duration: dur}}
}

// goldenMedia is the probe of every file the golden specs name.
func goldenMedia() map[string]*MediaInfo {
	vfr := videoInfo("/media/phone.mov", 1920, 1080, 12.4, true)
	vfr.Video.VFR, vfr.Video.FPS, vfr.Video.RFrameRate = true, 29.7, 120
	vfr.Video.Rotation, vfr.Video.DisplayWidth, vfr.Video.DisplayHeight = 90, 1080, 1920
	hdr := videoInfo("/media/hdr.mov", 3840, 2160, 5, true)
	hdr.Video.HDR, hdr.Video.PixFmt, hdr.Video.BitDepth, hdr.Video.ColorTransfer = true, "yuv420p10le", 10, "arib-std-b67"
	return map[string]*MediaInfo{
		"/media/intro.mp4":   videoInfo("/media/intro.mp4", 1920, 1080, 8, true),
		"/media/square.mp4":  videoInfo("/media/square.mp4", 720, 720, 4, false),
		"/media/phone.mov":   vfr,
		"/media/hdr.mov":     hdr,
		"/media/product.jpg": imageInfo("/media/product.jpg", 4032, 3024),
		"/media/music.mp3":   audioInfo("/media/music.mp3", 180),
		"/media/voice.mp3":   audioInfo("/media/voice.mp3", 2),
	}
}

var goldenCues = []Cue{
	{Start: 0.2, End: 1.4, Text: "Hello there, this caption is long enough to wrap onto two lines"},
	{Start: 1.5, End: 2.5, Text: "word by word"},
}

func goldenSpec(t *testing.T, yaml string) *Spec {
	t.Helper()
	s, err := ParseSpec([]byte(yaml), "golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkGolden compares argv (one argument per line) with testdata/<name>.golden.
func checkGolden(t *testing.T, name string, cmd *Command) {
	t.Helper()
	var b strings.Builder
	for _, a := range cmd.Argv("ffmpeg") {
		b.WriteString(strings.ReplaceAll(a, ";", ";\n    "))
		b.WriteString("\n")
	}
	for _, f := range cmd.Files {
		b.WriteString("# file " + f.Name + ": " + strings.ReplaceAll(string(f.Data), "\n", `\n`) + "\n")
	}
	got := b.String()
	if f := FindFont(); f != "" {
		got = strings.NewReplacer(f, goldenFont, filepath.Dir(f), filepath.Dir(goldenFont)).Replace(got)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		testkit.WriteFile(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./render -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("argv differs from %s (review, then go test ./render -run %s -update):\n%s", path, t.Name(), lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < max(len(w), len(g)) && n < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
			n++
		}
	}
	return b.String()
}

func TestBuildGolden(t *testing.T) {
	tests := []struct {
		name, spec string
		preview    bool
		loudness   *LoudnessStats
	}{
		// issue 14's keys: defaults, title cards, a text on a clip, a
		// logo and a picture-in-picture, music cut in
		{"cards_overlays_defaults", `version: 1
name: cards
defaults:
  fit: pad
  duration: 1.5
  transition: {type: circleopen, duration: 0.5}
  text: {size: 72, align: left, box: true, font: DejaVu Sans Bold}
clips:
  - gradient: ["#101820", "#F2AA4C", blue]
  - video: /media/intro.mp4
    out: 2
  - color: black
texts:
  - text: "A title long enough to wrap onto a second line"
    clip: 1
    position: top
  - text: "the end"
    clip: 3
    align: center
    max_lines: 1
overlays:
  - image: /media/product.jpg
    size: 0.15
    opacity: 0.7
  - video: /media/square.mp4
    position: {x: 0.5, y: 0.4}
    size: 0.3
    start: 1
    end: 3
audio:
  - file: /media/music.mp3
    in: 30
    out: 40
`, false, nil},
		{"crop_single", `version: 1
name: crop
clips:
  - video: /media/intro.mp4
    in: 1
    out: 3
`, false, nil},
		// the benchmark edit: blurred landscape clip with a title,
		// a fade into a zooming photo, music ducked under the clip audio
		{"blur_title_fade_zoom_music", `version: 1
name: edit
preset: reels
clips:
  - video: /media/intro.mp4
    out: 3
    fit: blur
    transition: {type: fade, duration: 0.5}
  - image: /media/product.jpg
    duration: 2
    zoom: in
texts:
  - text: "Summer sale"
    start: 0
    end: 2.5
    position: top
    size: 80
    box: true
audio:
  - file: /media/music.mp3
    volume: 0.3
    fade_in: 0.5
    fade_out: 1
    duck: true
`, false, nil},
		{"pad_speed_mute_vfr_preview", `version: 1
name: pad
preset: feed
fps: 25
clips:
  - video: /media/phone.mov
    in: "00:00:02.000"
    out: 4
    fit: pad
    speed: 0.25
    volume: 0
  - video: /media/square.mp4
    speed: 4
    transition: {type: slideleft, duration: 0.2}
  - image: /media/product.jpg
    duration: 1
    fit: pad
    zoom: out
`, true, nil},
		{"transitions_mixed", `version: 1
name: mixed
preset: square
clips:
  - video: /media/square.mp4
    out: 1
  - video: /media/square.mp4
    in: 1
    out: 2
    transition: {type: dissolve, duration: 0.3}
  - image: /media/product.jpg
    duration: 1
    transition: {type: wipeleft}
  - video: /media/intro.mp4
    out: 1
    transition: {type: slideup, duration: 0.25}
  - video: /media/intro.mp4
    in: 2
    out: 3
`, false, nil},
		{"captions_words_loudness", `version: 1
name: caps
preset: story
clips:
  - video: /media/intro.mp4
    out: 3
texts:
  - text: "line one\nline two"
    position: {x: 0.25, y: 0.9}
    color: "#ff000080"
captions:
  file: /media/voice.srt
  style: {size: 40, position: top}
  words: true
audio:
  - file: /media/voice.mp3
    start: 0.5
loudness: -14
`, false, &LoudnessStats{InputI: -23.41, InputTP: -5.02, InputLRA: 3.1, InputThresh: -33.9, TargetOffset: 0.27}},
		{"captions_lines_hdr", `version: 1
name: hdr
clips:
  - video: /media/hdr.mov
    out: 2.5
captions:
  file: /media/voice.srt
`, false, nil},
	}
	font := useGoldenFont(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goldenSpec(t, tt.spec)
			pr, err := LookupPreset(s.PresetOrDefault(), tt.preview)
			if err != nil {
				t.Fatal(err)
			}
			opts := BuildOptions{Preset: pr, Media: goldenMedia(), Cues: goldenCues, FontFile: font,
				Fonts:   map[string]string{"DejaVu Sans Bold": font},
				WorkDir: goldenWork, Output: goldenOut, Loudness: tt.loudness}
			cmd, err := Build(s, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, cmd)
			if s.Loudness != nil {
				an, err := BuildLoudnessAnalysis(s, opts)
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, tt.name+"_analysis", an)
			}
			assertOneGraph(t, cmd)
		})
	}
}

// assertOneGraph: one -filter_complex, one output, every input a file:
// URL with the file protocol only (or impress's own lavfi silence).
var lavfiInputRE = regexp.MustCompile(`^(anullsrc=channel_layout=stereo:sample_rate=\d+|(color|gradients)=[a-zA-F0-9=:.]+,format=rgb24)$`)

func assertOneGraph(t *testing.T, cmd *Command) {
	t.Helper()
	n := 0
	for i, a := range cmd.Args {
		switch a {
		case "-filter_complex":
			n++
		case "-i":
			in := cmd.Args[i+1]
			// impress's own generators: silence and title cards, whose
			// descriptions hold only numbers and hex colours
			if lavfiInputRE.MatchString(in) {
				continue
			}
			if !strings.HasPrefix(in, "file:/") {
				t.Errorf("input %q is not an absolute file: URL", in)
			}
			if !hasOptBefore(cmd.Args[:i], "-protocol_whitelist", "file") {
				t.Errorf("input %q has no -protocol_whitelist file", in)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d filter graphs, want 1", n)
	}
	if last := cmd.Args[len(cmd.Args)-1]; last != "file:"+cmd.Output {
		t.Errorf("last argument %q is not the output", last)
	}
}

// hasOptBefore reports whether the input options just before an -i hold opt value.
func hasOptBefore(args []string, opt, value string) bool {
	for i := len(args) - 2; i >= 0; i-- {
		if args[i] == "-i" {
			return false
		}
		if args[i] == opt && args[i+1] == value {
			return true
		}
	}
	return false
}

func TestBuildMediaErrors(t *testing.T) {
	pr, _ := LookupPreset("reels", false)
	opts := BuildOptions{Preset: pr, Media: goldenMedia(), FontFile: goldenFont, WorkDir: goldenWork, Output: goldenOut}
	tests := []struct {
		name, spec string
		line       int
		key, msg   string
	}{
		{"out past end", "version: 1\nname: x\nclips:\n  - video: /media/intro.mp4\n    out: 9\n", 5, "clips[0].out", "past the end of intro.mp4"},
		{"in past end", "version: 1\nname: x\nclips:\n  - video: /media/square.mp4\n    in: 4\n", 5, "clips[0].in", "past the end"},
		{"transition longer than video", "version: 1\nname: x\nclips:\n  - video: /media/square.mp4\n    transition: {type: fade, duration: 5}\n  - video: /media/intro.mp4\n", 5, "clips[0].transition.duration", "not shorter than the clips"},
		{"image as video", "version: 1\nname: x\nclips:\n  - video: /media/product.jpg\n", 4, "clips[0].video", "still image"},
		{"music without audio", "version: 1\nname: x\nclips:\n  - video: /media/intro.mp4\naudio:\n  - file: /media/square.mp4\n", 6, "audio[0].file", "no audio stream"},
		{"music after the end", "version: 1\nname: x\nclips:\n  - video: /media/intro.mp4\naudio:\n  - file: /media/music.mp3\n    start: 20\n", 7, "audio[0].start", "after the end"},
		{"story too long", "version: 1\nname: x\npreset: story\nclips:\n  - video: /media/phone.mov\n    speed: 0.25\n  - video: /media/intro.mp4\n    speed: 0.25\n", 3, "preset", "at most 60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goldenSpec(t, tt.spec)
			o := opts
			if s.Preset != "" {
				o.Preset, _ = LookupPreset(s.Preset, false)
			}
			_, err := Build(s, o)
			wantSpecError(t, err, tt.line, tt.key, tt.msg)
		})
	}
}

func TestAtempoChain(t *testing.T) {
	for speed, want := range map[float64]string{1: "", 2: "2", 4: "2,2", 0.25: "0.5,0.5", 0.3: "0.5,0.6", 3: "2,1.5", 0.5: "0.5"} {
		var parts []string
		for _, f := range atempoChain(speed) {
			parts = append(parts, num(f))
		}
		if got := strings.Join(parts, ","); got != want {
			t.Errorf("atempoChain(%v) = %s, want %s", speed, got, want)
		}
	}
}
