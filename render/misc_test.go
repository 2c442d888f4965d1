package render

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestParseSubtitles: SRT (with a BOM, CRLF, tags and position marks) and
// WebVTT (with its header, NOTE and STYLE blocks, cue settings, voice and
// timestamp tags) give the same plain cues.
func TestParseSubtitles(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want []Cue
	}{
		"srt": {"\xEF\xBB\xBF1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i>, {\\an8}world\r\nsecond line\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20\r\n<font color=\"red\">50% {off}</font>\r\n\r\n", []Cue{{1, 2.5, "Hello, world\nsecond line"}, {3, 4, "50% {off}"}}},
		"vtt": {"WEBVTT - title\n\nNOTE a comment\nover lines\n\nSTYLE\n::cue { color: red }\n\nid-1\n00:01.000 --> 00:02.000 align:start position:10%\n<v Roger>Hi &amp; <c.loud>bye</c> &lt;3</v>\n\n00:00:03.500 --> 00:00:04.000\n<00:00:03.600>timed <b>word</b>\n", []Cue{{1, 2, "Hi & bye <3"}, {3.5, 4, "timed word"}}},
	} {
		cues, err := ParseSubtitles([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(cues, tc.want) {
			t.Errorf("%s: cues = %#v, want %#v", name, cues, tc.want)
		}
	}
}

func TestParseSubtitlesErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":       "",
		"no timing":   "1\nhello\n",
		"inverted":    "1\n00:00:02,000 --> 00:00:01,000\nx\n",
		"bad time":    "1\n00:00:xx,000 --> 00:00:01,000\nx\n",
		"not utf8":    "1\n00:00:00,000 --> 00:00:01,000\n\xff\xfe\n",
		"only header": "WEBVTT\n\n",
	} {
		if _, err := ParseSubtitles([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWordCues(t *testing.T) {
	got := wordCues([]Cue{{Start: 1, End: 3, Text: "a bbb\ncc"}})
	// weights are letters+1: 2, 4, 3 of 9
	want := []Cue{{1, 1 + 2*2.0/9, "a"}, {1 + 2*2.0/9, 1 + 2*6.0/9, "bbb"}, {1 + 2*6.0/9, 3, "cc"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].Text != want[i].Text || !near(got[i].Start, want[i].Start) || !near(got[i].End, want[i].End) {
			t.Errorf("word %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[0].Start != 1 || got[2].End != 3 {
		t.Errorf("words do not span the cue: %+v", got)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestConforms(t *testing.T) {
	pr, _ := LookupPreset("reels", false)
	if ok, why := Conforms(goodReel(), pr); !ok {
		t.Fatalf("good reel does not conform: %v", why)
	}
	for name, change := range map[string]func(m *MediaInfo){
		"hevc":         func(m *MediaInfo) { m.Video.Codec = "hevc" },
		"10-bit":       func(m *MediaInfo) { m.Video.PixFmt = "yuv420p10le" },
		"size":         func(m *MediaInfo) { m.Video.Width, m.Video.Height = 720, 1280 },
		"rotated":      func(m *MediaInfo) { m.Video.Rotation = 90 },
		"vfr":          func(m *MediaInfo) { m.Video.VFR = true },
		"hdr":          func(m *MediaInfo) { m.Video.HDR = true },
		"mp3 audio":    func(m *MediaInfo) { m.Audio.Codec = "mp3" },
		"he-aac":       func(m *MediaInfo) { m.Audio.Profile = "HE-AAC" },
		"96 kHz":       func(m *MediaInfo) { m.Audio.SampleRate = 96000 },
		"256k":         func(m *MediaInfo) { m.Audio.BitRate = 256000 },
		"matroska":     func(m *MediaInfo) { m.Format.Demuxer = "matroska" },
		"cutting elst": func(m *MediaInfo) { m.Layout.EditLists = []EditList{{TrackID: 1, Entries: 2}} },
	} {
		m := goodReel()
		change(m)
		if ok, why := Conforms(m, pr); ok || len(why) == 0 {
			t.Errorf("%s: conforms = %v %v", name, ok, why)
		}
	}
	// what the remux fixes does not stop the fast path
	m := goodReel()
	m.Layout = &MP4Layout{MoovFirst: false, EditLists: []EditList{{TrackID: 1, Entries: 1, MediaTime: 1024}}}
	m.Audio = nil
	if ok, why := Conforms(m, pr); !ok {
		t.Errorf("moov last, simple edit list, no audio: %v", why)
	}
}

func TestCacheKey(t *testing.T) {
	base := CacheKey([]byte("spec"), []string{"h1", "h2"}, "reels", "5.1.9")
	if len(base) != 64 || base != CacheKey([]byte("spec"), []string{"h1", "h2"}, "reels", "5.1.9") {
		t.Fatalf("key %q not stable", base)
	}
	for name, k := range map[string]string{
		"spec":    CacheKey([]byte("spec2"), []string{"h1", "h2"}, "reels", "5.1.9"),
		"input":   CacheKey([]byte("spec"), []string{"h1", "h3"}, "reels", "5.1.9"),
		"order":   CacheKey([]byte("spec"), []string{"h2", "h1"}, "reels", "5.1.9"),
		"preset":  CacheKey([]byte("spec"), []string{"h1", "h2"}, "reels-preview", "5.1.9"),
		"ffmpeg":  CacheKey([]byte("spec"), []string{"h1", "h2"}, "reels", "6.0"),
		"framing": CacheKey([]byte("spech1"), []string{"h2"}, "reels", "5.1.9"),
	} {
		if k == base {
			t.Errorf("changing %s keeps the key", name)
		}
	}
}

func TestCheck(t *testing.T) {
	tools := ffmpegtest.Require(t)
	tc, err := Check(t.Context(), tools.FFmpeg, tools.FFprobe)
	if err != nil {
		t.Fatalf("Check: %v (%+v)", err, tc.Problems)
	}
	if !tc.OK() || tc.FFmpegVersion == "" || tc.FFprobeVersion == "" || tc.Font == "" {
		t.Errorf("toolchain = %+v", tc)
	}
	tc, err = Check(t.Context(), filepath.Join(t.TempDir(), "no-ffmpeg"), tools.FFprobe)
	if !errors.Is(err, ErrToolMissing) || tc.OK() {
		t.Fatalf("missing ffmpeg: %v %+v", err, tc)
	}
	p := tc.Problems[0]
	if p.Item != "ffmpeg" || !p.Fatal || !strings.Contains(p.Fix, "ffmpeg") {
		t.Errorf("problem = %+v", p)
	}
	// an ffmpeg without libx264 and xfade
	fake := filepath.Join(t.TempDir(), "ffmpeg")
	script := "case \"$*\" in\n*-version*) echo 'ffmpeg version 4.0-fake Copyright';;\n" +
		"*-encoders*) printf ' ------\\n A..... aac  AAC\\n V....D mjpeg  MJPEG\\n';;\n" +
		"*-filters*) printf ' ... scale  V->V  Scale\\n';;\n*-demuxers*) printf ' --\\n D  mov,mp4  QuickTime\\n';;\nesac\n"
	testkit.Script(t, fake, script)
	tc, err = Check(t.Context(), fake, tools.FFprobe)
	if !errors.Is(err, ErrToolMissing) {
		t.Fatalf("fake ffmpeg: %v", err)
	}
	items := map[string]bool{}
	for _, p := range tc.Problems {
		items[p.Item] = p.Fatal
	}
	if !items["encoder libx264"] || !items["filter xfade"] || !items["demuxer lavfi"] || items["filter zscale"] {
		t.Errorf("problems = %+v", tc.Problems)
	}
	if _, ok := items["encoder aac"]; ok {
		t.Errorf("aac reported missing: %+v", tc.Problems)
	}
}

func TestFontFamily(t *testing.T) {
	font := FindFont()
	if font == "" {
		t.Skip("no font installed")
	}
	family, _ := fontFamily(font)
	if family == "" || strings.ContainsAny(family, ",\n") {
		t.Errorf("fontFamily(%s) = %q", font, family)
	}
	if f, b := fontFamily(filepath.Join(t.TempDir(), "none.ttf")); f != "DejaVu Sans" || !b {
		t.Errorf("fallback = %q %v", f, b)
	}
}
