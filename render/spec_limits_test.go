package render

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestSpecNumbersBounded: every number has an upper bound, refused with
// the key and its line before anything is probed (on b62770a an image
// duration of 99999999999 reached ffmpeg, 1e308 wrote a broken file and
// 3600 on a reels spec started a full render).
func TestSpecNumbersBounded(t *testing.T) {
	clip := "version: 1\nname: x\nclips:\n  - image: a.jpg\n"
	video := "version: 1\nname: x\nclips:\n  - video: a.mp4\n"
	for _, c := range []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"image duration huge", clip + "    duration: 99999999999\n", 5, "clips[0].duration", "more than 900 s (15 min"},
		{"image duration 1e308", clip + "    duration: 1e308\n", 5, "clips[0].duration", "more than 900 s"},
		{"image duration an hour", clip + "    duration: 3600\n", 5, "clips[0].duration", "more than 900 s"},
		{"clock an hour", clip + "    duration: '01:00:00'\n", 5, "clips[0].duration", "more than 900 s"},
		{"defaults duration", "version: 1\nname: x\ndefaults: {duration: 1e308}\nclips:\n  - image: a.jpg\n", 3, "defaults.duration", "more than 900 s"},
		{"in 1e308", video + "    in: 1e308\n", 5, "clips[0].in", "more than 86400 s (24 h"},
		{"out huge", video + "    out: 99999999999\n", 5, "clips[0].out", "more than 86400 s"},
		{"speed 1e308", video + "    speed: 1e308\n", 5, "clips[0].speed", "out of range 0.25..4"},
		{"volume huge", video + "    volume: 99999999999\n", 5, "clips[0].volume", "out of range 0..10"},
		{"transition huge", clip + "    transition: {type: fade, duration: 1e308}\n  - image: b.jpg\n", 5, "clips[0].transition.duration", "more than 900 s"},
		{"fps huge", "version: 1\nname: x\nfps: 1e308\nclips:\n  - image: a.jpg\n", 3, "fps", "out of range 23..60"},
		{"text start", clip + "texts:\n  - text: hi\n    start: 99999999999\n", 7, "texts[0].start", "more than 900 s"},
		{"text end", clip + "texts:\n  - text: hi\n    end: 1e308\n", 7, "texts[0].end", "more than 900 s"},
		{"text size", clip + "texts:\n  - text: hi\n    size: 99999999999\n", 7, "texts[0].size", "out of range 8..400"},
		{"text max lines", clip + "texts:\n  - text: hi\n    max_lines: 1e308\n", 7, "texts[0].max_lines", "out of range 1..20"},
		{"text clip", clip + "texts:\n  - text: hi\n    clip: 99999999999\n", 7, "texts[0].clip", "out of range 1..500"},
		{"overlay size", clip + "overlays:\n  - image: l.png\n    size: 1e308\n", 7, "overlays[0].size", "out of range 0.02..1"},
		{"overlay end", clip + "overlays:\n  - image: l.png\n    end: 99999999999\n", 7, "overlays[0].end", "more than 900 s"},
		{"audio start", clip + "audio:\n  - file: m.mp3\n    start: 1e308\n", 7, "audio[0].start", "more than 900 s"},
		{"audio in", clip + "audio:\n  - file: m.mp3\n    in: 1e308\n", 7, "audio[0].in", "more than 86400 s"},
		{"fade in", clip + "audio:\n  - file: m.mp3\n    fade_in: 99999999999\n", 7, "audio[0].fade_in", "more than 900 s"},
		{"fade out", clip + "audio:\n  - file: m.mp3\n    fade_out: 1e308\n", 7, "audio[0].fade_out", "more than 900 s"},
		{"track volume", clip + "audio:\n  - file: m.mp3\n    volume: 1e308\n", 7, "audio[0].volume", "out of range 0..10"},
		{"caption size", clip + "captions:\n  file: c.srt\n  style: {size: 99999999999}\n", 7, "captions.style.size", "out of range 8..400"},
		{"cover at", clip + "cover: {at: 1e308}\n", 5, "cover.at", "more than 900 s"},
		{"thumb offset", clip + "publish: {thumb_offset: 99999999999}\n", 5, "publish.thumb_offset", "out of range 0..900000"},
		{"loudness", clip + "loudness: -1e308\n", 5, "loudness", "out of range -70..-5"},
		// the preset's own length, from the spec alone
		{"story too long", "version: 1\nname: x\npreset: story\nclips:\n  - image: a.jpg\n    duration: 40\n  - image: b.jpg\n    duration: 40\n", 4, "clips", "the story preset allows at most 60s"},
		{"reels too long", "version: 1\nname: x\nclips:\n  - image: a.jpg\n    duration: 600\n  - video: v.mp4\n    in: 10\n    out: 400\n", 3, "clips", "at least 990s; the reels preset allows at most 900s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(c.yaml), "spec.yaml")
			wantSpecError(t, err, c.line, c.key, c.msg)
		})
	}
}

// TestSpecPresetLength: CheckLength with another preset than the spec's
// own (render --preset story) refuses what that preset cannot hold.
func TestSpecPresetLength(t *testing.T) {
	s, err := ParseSpec([]byte("version: 1\nname: x\nclips:\n  - image: a.jpg\n    duration: 90\n"), "spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckLength(""); err != nil {
		t.Errorf("reels: %v", err)
	}
	wantSpecError(t, s.CheckLength("story"), 3, "clips", "the story preset allows at most 60s")
}

// TestSpecSizeLimits: lists, texts and the file itself have documented
// limits (on b62770a a 5,000-clip spec was accepted and planned for
// minutes).
func TestSpecSizeLimits(t *testing.T) {
	many := func(key, item string, n int) string {
		var b strings.Builder
		b.WriteString("version: 1\nname: x\nclips:\n  - image: a.jpg\n" + key + ":\n")
		for i := range n {
			b.WriteString(strings.ReplaceAll(item, "N", fmt.Sprint(i)))
		}
		return b.String()
	}
	clips := func(n int) string {
		var b strings.Builder
		b.WriteString("version: 1\nname: x\nclips:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - image: a%d.jpg\n    duration: 0.1\n", i)
		}
		return b.String()
	}
	for _, c := range []struct {
		name, yaml string
		line       int
		key, msg   string
	}{
		{"clips", clips(MaxClips + 1), 4, "clips", "501 clips is more than a spec may have (500)"},
		{"texts", many("texts", "  - text: tN\n", MaxTexts+1), 6, "texts", "201 texts is more than a spec may have (200)"},
		{"overlays", many("overlays", "  - image: lN.png\n", MaxOverlays+1), 6, "overlays", "21 overlays"},
		{"audio", many("audio", "  - file: mN.mp3\n", MaxAudioTracks+1), 6, "audio", "17 audio tracks"},
		{"collaborators", many("publish", "", 0) + "  collaborators: [" + strings.Repeat("a,", MaxListItems) + "a]\n", 6, "publish.collaborators", "51 collaborators"},
		{"text length", "version: 1\nname: x\nclips:\n  - image: a.jpg\ntexts:\n  - text: " + strings.Repeat("é", MaxTextChars+1) + "\n", 6, "texts[0].text", "1001 characters is longer than 1000"},
		{"text lines", "version: 1\nname: x\nclips:\n  - image: a.jpg\ntexts:\n  - text: \"" + strings.Repeat("a\\n", MaxTextLines) + "a\"\n", 6, "texts[0].text", "21 lines is more than a text may have (20)"},
		{"path length", "version: 1\nname: x\nclips:\n  - image: " + strings.Repeat("a", MaxStringChars+1) + "\n", 4, "clips[0].image", "4097 characters is longer than 4096"},
		{"files", clips(MaxClips) + "audio:\n  - file: m.mp3\n", 0, "", "names 501 files, more than a spec may (500)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpec([]byte(c.yaml), "spec.yaml")
			wantSpecError(t, err, c.line, c.key, c.msg)
		})
	}
	big := []byte("version: 1\nname: x\n#" + strings.Repeat("x", MaxSpecBytes) + "\n")
	if _, err := ParseSpec(big, "spec.yaml"); !IsSpecError(err) || !strings.Contains(err.Error(), "1024 KiB") {
		t.Errorf("a spec over %d bytes: err = %v", MaxSpecBytes, err)
	}
	// at every limit, the spec is read
	if _, err := ParseSpec([]byte(clips(MaxClips)), "spec.yaml"); err != nil {
		t.Errorf("%d clips: %v", MaxClips, err)
	}
}

// TestSpecEveryProblem: a spec is refused with all its problems, each with
// its line and key, near misses with a suggestion; a key refused by the
// parser is not refused again by the rules across keys.
func TestSpecEveryProblem(t *testing.T) {
	y := `version: 1
name: x
clips:
  - video: a.mp4
    fitt: crop
    transition: {type: fde}
  - image: b.jpg
    duraton: 2
  - video: [not, a, path]
texts:
  - text: hi
    colr: whte
    position: centre
`
	_, err := ParseSpec([]byte(y), "spec.yaml")
	var all SpecErrors
	if !errors.As(err, &all) || !IsSpecError(err) {
		t.Fatalf("err = %v (%T), want SpecErrors", err, err)
	}
	want := []struct {
		line     int
		key, msg string
	}{
		{5, "clips[0].fitt", `unknown key "fitt": did you mean "fit"?`},
		{6, "clips[0].transition.type", `unknown value "fde": did you mean "fade"?`},
		{8, "clips[1].duraton", `did you mean "duration"?`},
		{9, "clips[2].video", "must be a string"},
		{12, "texts[0].colr", `did you mean "color"?`},
		{13, "texts[0].position", `unknown value "centre": did you mean "center"?`},
	}
	if len(all) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(all), len(want), err)
	}
	for i, w := range want {
		if e := all[i]; e.Line != w.line || e.Key != w.key || !strings.Contains(e.Message, w.msg) {
			t.Errorf("problem %d = %d %s %q; want %d %s %q", i, e.Line, e.Key, e.Message, w.line, w.key, w.msg)
		}
	}
	text := err.Error()
	for _, w := range []string{"6 problems", "spec.yaml:5: clips[0].fitt", "spec.yaml:13: texts[0].position"} {
		if !strings.Contains(text, w) {
			t.Errorf("Error() lacks %q:\n%s", w, text)
		}
	}
	var first *SpecError
	if !errors.As(err, &first) || first.Line != 5 {
		t.Errorf("errors.As *SpecError = %+v, want the first problem", first)
	}
	// a far miss gets no suggestion
	_, err = ParseSpec([]byte("version: 1\nname: x\nclips:\n  - video: a.mp4\n    fit: zoom\n"), "spec.yaml")
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("fit: zoom: %v, want no suggestion", err)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"video", "image", "color", "gradient", "in", "out", "fit", "speed", "volume", "transition", "duration", "zoom"}
	for in, want := range map[string]string{
		"vidoe": "video", "Image": "image", "colour": "color", "trasition": "transition", "spead": "speed",
		"xyz": "", "": "", "o": "", "durationnnnnnn": "",
	} {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
