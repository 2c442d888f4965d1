package render

import (
	"strings"
	"testing"
)

// TestNewKeysSpecErrors: every key issue 14 added is refused, when wrong,
// with its file, line and key.
func TestNewKeysSpecErrors(t *testing.T) {
	head := "version: 1\nname: x\n"
	clip := "clips:\n  - video: a.mp4\n"
	tests := []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		// defaults (line 3 is "defaults:")
		{"defaults unknown key", head + "defaults:\n  zoom: in\n" + clip, 4, "defaults.zoom", `unknown key "zoom"`},
		{"defaults fit", head + "defaults:\n  fit: fill\n" + clip, 4, "defaults.fit", "want crop, pad, blur or stretch"},
		{"defaults duration", head + "defaults:\n  duration: 0\n" + clip, 4, "defaults.duration", "must be above 0"},
		{"defaults transition type", head + "defaults:\n  transition: {duration: 1}\n" + clip, 4, "defaults.transition.type", "missing"},
		{"defaults transition name", head + "defaults:\n  transition: {type: spinny}\n" + clip, 4, "defaults.transition.type", `unknown value "spinny"`},
		{"defaults text align", head + "defaults:\n  text:\n    align: justify\n" + clip, 5, "defaults.text.align", "want left, center or right"},
		{"defaults text size", head + "defaults:\n  text: {size: 4}\n" + clip, 4, "defaults.text.size", "out of range 8..400"},
		{"defaults transition too long", head + "defaults:\n  transition:\n    type: fade\n    duration: 2\nclips:\n  - image: a.jpg\n    duration: 1\n  - image: b.jpg\n",
			6, "defaults.transition.duration", "(applied to clips[0].transition) 2s is not shorter than the clip (1s)"},
		{"defaults duration makes transition too long", head + "defaults:\n  duration: 0.4\nclips:\n  - color: red\n    transition: {type: fade, duration: 0.5}\n  - color: blue\n",
			7, "clips[0].transition.duration", "not shorter than the clip (0.4s)"},
		// title cards
		{"card colour", head + "clips:\n  - color: '#12345'\n", 4, "clips[0].color", "unknown value"},
		{"gradient of one", head + "clips:\n  - gradient: [red]\n", 4, "clips[0].gradient", "give 2 to 8 colours"},
		{"gradient of nine", head + "clips:\n  - gradient: [red, red, red, red, red, red, red, red, red]\n", 4, "clips[0].gradient", "got 9"},
		{"gradient colour", head + "clips:\n  - gradient: [red, nope]\n", 4, "clips[0].gradient[1]", `unknown value "nope"`},
		{"card and video", head + "clips:\n  - video: a.mp4\n    color: red\n", 5, "clips[0].color", "not video and color"},
		{"card fit", head + "clips:\n  - color: red\n    fit: blur\n", 5, "clips[0].fit", "does not apply to a title card"},
		{"card speed", head + "clips:\n  - gradient: [red, blue]\n    speed: 2\n", 5, "clips[0].speed", "does not apply to a title card"},
		{"card duration", head + "clips:\n  - color: red\n    duration: 0\n", 5, "clips[0].duration", "must be above 0"},
		// texts
		{"text clip zero", head + clip + "texts:\n  - text: hi\n    clip: 0\n", 7, "texts[0].clip", "out of range 1.."},
		{"text clip missing", head + clip + "texts:\n  - text: hi\n    clip: 2\n", 7, "texts[0].clip", "there is no clip 2 (clips count from 1; this spec has 1)"},
		{"text font empty", head + clip + "texts:\n  - text: hi\n    font: ''\n", 7, "texts[0].font", "must not be empty"},
		{"text align", head + clip + "texts:\n  - text: hi\n    align: middle\n", 7, "texts[0].align", `unknown value "middle"`},
		{"text line spacing", head + clip + "texts:\n  - text: hi\n    line_spacing: 5\n", 7, "texts[0].line_spacing", "out of range 0.8..3"},
		{"text max lines", head + clip + "texts:\n  - text: hi\n    max_lines: 0\n", 7, "texts[0].max_lines", "out of range 1..20"},
		{"text fit", head + clip + "texts:\n  - text: hi\n    fit: squeeze\n", 7, "texts[0].fit", "want wrap or shrink"},
		{"text box null", head + clip + "texts:\n  - text: hi\n    box: maybe\n", 7, "texts[0].box", "true or false"},
		{"text overlay position", head + clip + "texts:\n  - text: hi\n    position: top-left\n", 7, "texts[0].position", "want top, center or bottom"},
		// overlays
		{"overlay no source", head + clip + "overlays:\n  - size: 0.2\n", 6, "overlays[0]", "needs image or video"},
		{"overlay both", head + clip + "overlays:\n  - image: a.png\n    video: b.mp4\n", 7, "overlays[0].video", "not both"},
		{"overlay size", head + clip + "overlays:\n  - image: a.png\n    size: 0\n", 7, "overlays[0].size", "out of range 0.02..1"},
		{"overlay opacity", head + clip + "overlays:\n  - image: a.png\n    opacity: 1.5\n", 7, "overlays[0].opacity", "out of range 0..1"},
		{"overlay position", head + clip + "overlays:\n  - image: a.png\n    position: middle\n", 7, "overlays[0].position", "want top-left, top, top-right"},
		{"overlay position xy", head + clip + "overlays:\n  - image: a.png\n    position: {x: 2, y: 0.5}\n", 7, "overlays[0].position.x", "out of range 0..1"},
		{"overlay end", head + clip + "overlays:\n  - image: a.png\n    start: 2\n    end: 1\n", 8, "overlays[0].end", "after start"},
		{"overlay unknown key", head + clip + "overlays:\n  - image: a.png\n    width: 0.2\n", 7, "overlays[0].width", `unknown key "width"`},
		// audio in/out
		{"audio out before in", head + clip + "audio:\n  - file: m.mp3\n    in: 5\n    out: 2\n", 8, "audio[0].out", "inverted cut"},
		{"audio in negative", head + clip + "audio:\n  - file: m.mp3\n    in: -1\n", 7, "audio[0].in", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(tt.yaml), "spec.yaml")
			wantSpecError(t, err, tt.line, tt.key, tt.msg)
		})
	}
}

// TestEffectiveAppliesDefaults: defaults fill what a clip or text leaves
// unset and nothing else; the spec itself keeps what was written.
func TestEffectiveAppliesDefaults(t *testing.T) {
	s, err := ParseSpec([]byte(`version: 1
name: d
defaults:
  fit: blur
  duration: 2
  transition: {type: dissolve, duration: 0.25}
  text: {size: 80, color: yellow, box: true, align: left, max_lines: 2}
clips:
  - video: a.mp4
  - video: b.mp4
    fit: pad
    transition: {type: none}
  - image: c.jpg
  - color: red
    duration: 1
  - image: d.jpg
texts:
  - text: one
  - text: two
    size: 40
    box: false
`), "d.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := s.Effective()
	c := e.Clips
	if c[0].Fit != "blur" || c[1].Fit != "pad" || c[2].Fit != "blur" || c[3].Fit != "" {
		t.Errorf("fits %q %q %q %q, want blur pad blur and none for the card", c[0].Fit, c[1].Fit, c[2].Fit, c[3].Fit)
	}
	if c[0].Duration != 0 || c[2].DurationOrDefault() != 2 || c[3].DurationOrDefault() != 1 || c[4].DurationOrDefault() != 2 {
		t.Errorf("durations %v %v %v %v", c[0].Duration, c[2].Duration, c[3].Duration, c[4].Duration)
	}
	if c[0].TransitionType() != "dissolve" || c[1].TransitionType() != "none" || c[2].TransitionType() != "dissolve" || c[4].TransitionType() != "none" {
		t.Errorf("transitions %s %s %s … %s; want the default but where a clip opts out, and none out of the last",
			c[0].TransitionType(), c[1].TransitionType(), c[2].TransitionType(), c[4].TransitionType())
	}
	one, two := e.Texts[0], e.Texts[1]
	if one.SizeOrDefault() != 80 || one.Color != "yellow" || !one.BoxOn() || one.AlignOrDefault() != "left" || one.MaxLines != 2 {
		t.Errorf("text one style = %+v", one.TextStyle)
	}
	if two.SizeOrDefault() != 40 || two.BoxOn() || two.Color != "yellow" {
		t.Errorf("text two style = %+v (its own size and box: false must win)", two.TextStyle)
	}
	if e.Defaults != nil || s.Defaults == nil || s.Clips[0].Fit != "" || s.Texts[0].Size != 0 {
		t.Errorf("Effective changed the spec or kept the defaults block")
	}
	out, err := MarshalSpec(s)
	if err != nil || !strings.Contains(string(out), "defaults:") || strings.Count(string(out), "fit: blur") != 1 {
		t.Errorf("MarshalSpec wrote the defaults out into the clips (or lost them):\n%s", out)
	}
}

func TestNominalDuration(t *testing.T) {
	s, err := ParseSpec([]byte(`version: 1
name: n
defaults:
  duration: 2
  transition: {type: fade, duration: 0.5}
clips:
  - video: a.mp4
    in: 1
    speed: 2
  - color: red
  - image: b.jpg
    duration: 1
    transition: {type: none}
  - video: a.mp4
    out: 3
`), "n.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := s.NominalDuration(func(p string) float64 { return map[string]float64{"a.mp4": 9}[p] })
	// (9-1)/2 + 2 + 1 + 3, minus two default transitions of 0.5 (clip 3 opts out)
	if want := 4.0 + 2 + 1 + 3 - 1; got != want {
		t.Errorf("NominalDuration = %v, want %v", got, want)
	}
}
