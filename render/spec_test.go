package render

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/testkit"
)

const fullSpec = `version: 1
name: summer-sale
preset: reels
fps: 30
clips:
  - video: media/intro.mov
    in: 1.5
    out: "00:00:06.000"
    fit: blur
    speed: 1.0
    volume: 1.0
    transition: {type: fade, duration: 0.5}
  - image: media/product.jpg
    duration: 3
    zoom: in
texts:
  - text: "50% OFF: today's deal"
    start: 0
    end: 3
    position: top
    size: 64
    color: "#FFFFFF"
    box: true
  - text: "second"
    position: {x: 0.5, y: 0.2}
captions:
  file: media/voice.srt
  style: {size: 56, position: bottom}
  words: true
audio:
  - file: media/music.mp3
    volume: 0.3
    start: 0
    fade_in: 1
    fade_out: 2
    duck: true
loudness: -14
cover:
  at: 2.0
publish:
  type: reel
  caption: "Summer sale ☀️ #sale"
  share_to_feed: true
  first_comment: "Link in bio"
  collaborators: [friend_account]
`

func TestParseSpecFull(t *testing.T) {
	s, err := ParseSpec([]byte(fullSpec), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Clips[0]
	if c.Video != "media/intro.mov" || c.In != 1.5 || c.Out != 6 || c.Fit != "blur" || c.TransitionType() != "fade" || c.TransitionDuration() != 0.5 {
		t.Errorf("clip 0 = %+v", c)
	}
	if s.Clips[1].Image != "media/product.jpg" || s.Clips[1].Zoom != "in" || s.Clips[1].DurationOrDefault() != 3 {
		t.Errorf("clip 1 = %+v", s.Clips[1])
	}
	if s.Texts[0].Text != "50% OFF: today's deal" || s.Texts[0].Position.Named != "top" || !s.Texts[0].BoxOn() {
		t.Errorf("text 0 = %+v", s.Texts[0])
	}
	if p := s.Texts[1].Position; p.Named != "" || p.X != 0.5 || p.Y != 0.2 {
		t.Errorf("text 1 position = %+v", p)
	}
	if *s.Loudness != -14 || *s.Cover.At != 2 || !*s.Publish.ShareToFeed || s.Publish.Collaborators[0] != "friend_account" {
		t.Errorf("spec = %+v", s)
	}
	if got, want := s.MediaPaths(), []string{"media/intro.mov", "media/product.jpg", "media/voice.srt", "media/music.mp3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MediaPaths = %q, want %q", got, want)
	}
}

func TestParseSpecJSON(t *testing.T) {
	js := `{
  "version": 1,
  "name": "j",
  "clips": [
    {"video": "a.mp4", "in": "00:00:01.500", "out": 3, "fitt": "crop"}
  ]
}`
	_, err := ParseSpec([]byte(js), "spec.json")
	wantSpecError(t, err, 5, "clips[0].fitt", "unknown key")

	ok := `{"version": 1, "name": "j", "clips": [{"video": "a.mp4", "in": "00:00:01.500", "out": 3}]}`
	s, err := ParseSpec([]byte(ok), "spec.json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Clips[0].In != 1.5 || s.Clips[0].Out != 3 {
		t.Errorf("clip = %+v", s.Clips[0])
	}
}

// wantSpecError checks that err is a *SpecError for key at line, whose
// message contains msg and whose Error() names key and line.
func wantSpecError(t *testing.T, err error, line int, key, msg string) {
	t.Helper()
	var se *SpecError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *SpecError", err, err)
	}
	if !errors.Is(err, ErrInvalidSpec) || !IsSpecError(err) {
		t.Errorf("errors.Is(%v, ErrInvalidSpec) = false", err)
	}
	if se.Line != line || se.Key != key || !strings.Contains(se.Message, msg) {
		t.Errorf("SpecError = line %d key %q message %q; want line %d key %q message containing %q", se.Line, se.Key, se.Message, line, key, msg)
	}
	text := err.Error()
	if !strings.Contains(text, key) || (line > 0 && !strings.Contains(text, ":"+itoa(line)+":")) {
		t.Errorf("Error() = %q, want it to name key %q and line %d", text, key, line)
	}
}

func itoa(n int) string { return num(float64(n)) }

func TestParseSpecErrors(t *testing.T) {
	base := "version: 1\nname: x\nclips:\n"
	tests := []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"unknown key", base + "  - video: a.mp4\n    colour: red\n", 5, "clips[0].colour", `unknown key "colour"`},
		{"unknown top key", "version: 1\nname: x\nclip: []\n", 3, "clip", "unknown key"},
		{"unknown value fit", base + "  - video: a.mp4\n    fit: zoom\n", 5, "clips[0].fit", `unknown value "zoom" (want crop, pad, blur or stretch)`},
		{"unknown transition", base + "  - video: a.mp4\n    transition: {type: spin}\n  - video: b.mp4\n", 5, "clips[0].transition.type", `unknown value "spin"`},
		{"unknown preset", "version: 1\nname: x\npreset: tiktok\nclips:\n  - video: a.mp4\n", 3, "preset", `unknown value "tiktok"`},
		{"unknown position", "version: 1\nname: x\nclips:\n  - video: a.mp4\ntexts:\n  - text: hi\n    position: left\n", 7, "texts[0].position", `unknown value "left"`},
		{"bad colour", "version: 1\nname: x\nclips:\n  - video: a.mp4\ntexts:\n  - text: hi\n    color: '#GGG'\n", 7, "texts[0].color", "unknown value"},
		{"inverted trim", base + "  - video: a.mp4\n    in: 5\n    out: 2\n", 6, "clips[0].out", "inverted trim"},
		{"equal trim", base + "  - video: a.mp4\n    in: 2\n    out: 2\n", 6, "clips[0].out", "inverted trim"},
		{"negative in", base + "  - video: a.mp4\n    in: -1\n", 5, "clips[0].in", "must not be negative"},
		{"negative clock", base + "  - video: a.mp4\n    out: '-00:00:01'\n", 5, "clips[0].out", "want seconds or HH:MM:SS.mmm"},
		{"speed too high", base + "  - video: a.mp4\n    speed: 5\n", 5, "clips[0].speed", "out of range 0.25..4"},
		{"speed too low", base + "  - video: a.mp4\n    speed: 0.1\n", 5, "clips[0].speed", "out of range 0.25..4"},
		{"speed not a number", base + "  - video: a.mp4\n    speed: fast\n", 5, "clips[0].speed", "must be a number"},
		{"no source", base + "  - fit: crop\n", 4, "clips[0]", "needs video, image, color or gradient"},
		{"both sources", base + "  - video: a.mp4\n    image: b.jpg\n", 5, "clips[0].image", "not video and image"},
		{"zoom on video", base + "  - video: a.mp4\n    zoom: in\n", 5, "clips[0].zoom", "image clips only"},
		{"speed on image", base + "  - image: a.jpg\n    speed: 2\n", 5, "clips[0].speed", "video clips only"},
		{"transition on last", base + "  - video: a.mp4\n    transition: {type: fade}\n", 5, "clips[0].transition", "last clip"},
		{"transition too long", base + "  - image: a.jpg\n    duration: 1\n    transition: {type: fade, duration: 2}\n  - image: b.jpg\n", 6, "clips[0].transition.duration", "not shorter than the clip"},
		{"no clips", "version: 1\nname: x\nclips: []\n", 3, "clips", "at least one clip"},
		{"missing version", "name: x\nclips:\n  - video: a.mp4\n", 1, "version", "missing"},
		{"wrong version", "version: 2\nname: x\nclips:\n  - video: a.mp4\n", 1, "version", "unknown value 2"},
		{"missing name", "version: 1\nclips:\n  - video: a.mp4\n", 0, "name", "missing"},
		{"duplicate key", base + "  - video: a.mp4\n    video: b.mp4\n", 5, "clips[0].video", "duplicate key"},
		{"null value", base + "  - video:\n", 4, "clips[0].video", "needs a value"},
		{"text end before start", "version: 1\nname: x\nclips:\n  - video: a.mp4\ntexts:\n  - text: hi\n    start: 3\n    end: 1\n", 8, "texts[0].end", "after start"},
		{"cover both", "version: 1\nname: x\nclips:\n  - video: a.mp4\ncover: {at: 1, image: c.jpg}\n", 5, "cover", "exactly one"},
		{"loudness range", "version: 1\nname: x\nclips:\n  - video: a.mp4\nloudness: 3\n", 5, "loudness", "out of range"},
		{"fps range", "version: 1\nname: x\nfps: 120\nclips:\n  - video: a.mp4\n", 3, "fps", "out of range"},
		{"clips not a list", "version: 1\nname: x\nclips: a.mp4\n", 3, "clips", "must be a list"},
		{"alias", "version: 1\nname: &n x\nclips:\n  - video: *n\n", 2, "name", "anchors"},
		{"bad bool", "version: 1\nname: x\nclips:\n  - video: a.mp4\ntexts:\n  - text: hi\n    box: yes please\n", 7, "texts[0].box", "true or false"},
		{"publish type", "version: 1\nname: x\nclips:\n  - video: a.mp4\npublish: {type: video}\n", 5, "publish.type", `unknown value "video"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(tt.yaml), "spec.yaml")
			wantSpecError(t, err, tt.line, tt.key, tt.msg)
		})
	}
}

func TestParseSpecSyntaxError(t *testing.T) {
	_, err := ParseSpec([]byte("version: 1\nname: x\nclips:\n  - video: a.mp4\n   bad: [\n"), "s.yaml")
	var se *SpecError
	if !errors.As(err, &se) || se.Line == 0 || !strings.Contains(err.Error(), "invalid YAML") {
		t.Fatalf("err = %v, want a SpecError with a line", err)
	}
	if _, err := ParseSpec(nil, "s.yaml"); !IsSpecError(err) {
		t.Errorf("empty spec: err = %v", err)
	}
	if _, err := ParseSpec([]byte("version: 1\n---\nversion: 1\n"), "s.yaml"); !IsSpecError(err) {
		t.Errorf("two documents: err = %v", err)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]float64{
		"1.5": 1.5, "90": 90, "00:00:01.500": 1.5, "01:30": 90, "1:02:03.25": 3723.25, "0": 0,
	} {
		got, err := ParseTime(in)
		if err != nil || got != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1:60", "a", "1:2:3:4", "NaN", "inf", "1::2", "+1"} {
		if _, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) succeeded, want error", in)
		}
	}
	if got := FormatTime(3723.25); got != "01:02:03.250" {
		t.Errorf("FormatTime = %q", got)
	}
}

// stripPos forgets where keys were, which MarshalSpec cannot carry.
func stripPos(s *Spec) *Spec {
	c := *s
	c.pos, c.file = nil, ""
	return &c
}

func TestMarshalRoundTrip(t *testing.T) {
	hostile := "a, b; c: [d] 'e' \\f %{g} =h \"i\"\nsecond line\n\ttab  "
	specs := []string{
		fullSpec,
		"version: 1\nname: x\nclips:\n  - video: a.mp4\n    volume: 0\n    speed: 0.25\n    out: 2\n",
		"version: 1\nname: \"01\"\nclips:\n  - image: '-weird name.jpg'\ntexts:\n  - text: " + strings.ReplaceAll(yamlQuote(hostile), "\n", "\\n") + "\n",
	}
	for i, in := range specs {
		s1, err := ParseSpec([]byte(in), "in.yaml")
		if err != nil {
			t.Fatalf("spec %d: %v", i, err)
		}
		out, err := MarshalSpec(s1)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseSpec(out, "out.yaml")
		if err != nil {
			t.Fatalf("spec %d: re-parse: %v\n%s", i, err, out)
		}
		if !reflect.DeepEqual(stripPos(s1), stripPos(s2)) {
			t.Errorf("spec %d: round trip changed it\nfirst:  %+v\nsecond: %+v\nyaml:\n%s", i, stripPos(s1), stripPos(s2), out)
		}
		again, _ := MarshalSpec(s2)
		if string(again) != string(out) {
			t.Errorf("spec %d: MarshalSpec not stable:\n%s\n---\n%s", i, out, again)
		}
	}
	s, _ := ParseSpec([]byte(specs[2]), "x")
	if s.Texts[0].Text != hostile {
		t.Errorf("hostile text parsed as %q", s.Texts[0].Text)
	}
}

func yamlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\t", `\t`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	testkit.MkdirAll(t, filepath.Join(dir, "media"))
	for _, f := range []string{"media/a.mp4", "media/b.jpg"} {
		testkit.WriteFile(t, filepath.Join(dir, f), "x")
	}
	s, err := ParseSpec([]byte("version: 1\nname: x\nclips:\n  - video: media/a.mp4\n  - image: media/b.jpg\n"), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Resolve(dir); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "media/a.mp4"); s.Clips[0].Video != want {
		t.Errorf("video = %q, want %q", s.Clips[0].Video, want)
	}

	s, _ = ParseSpec([]byte("version: 1\nname: x\nclips:\n  - video: media/a.mp4\naudio:\n  - file: media/missing.mp3\n"), "s.yaml")
	wantSpecError(t, s.Resolve(dir), 6, "audio[0].file", "file not found: media/missing.mp3")

	s, _ = ParseSpec([]byte("version: 1\nname: x\nclips:\n  - video: media\n"), "s.yaml")
	wantSpecError(t, s.Resolve(dir), 4, "clips[0].video", "is a directory")
}

func TestParseColor(t *testing.T) {
	for in, want := range map[string]string{"#fff": "0xFFFFFFFF", "#102030": "0x102030FF", "#10203040": "0x10203040", "White": "0xFFFFFFFF"} {
		if got, err := parseColor(in); err != nil || got != want {
			t.Errorf("parseColor(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "#12", "red:x", "#12345g", "0xFFFFFF"} {
		if _, err := parseColor(in); err == nil {
			t.Errorf("parseColor(%q) succeeded", in)
		}
	}
}
