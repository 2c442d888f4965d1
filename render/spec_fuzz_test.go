package render

import (
	"errors"
	"testing"
)

// FuzzParseSpec: whatever the bytes, ParseSpec returns a spec that passes
// its own limits or a spec error (never a panic, never another kind of
// error), and a spec it accepts survives MarshalSpec and a second parse.
// go test ./render -run '^$' -fuzz FuzzParseSpec -fuzztime 60s
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		fullSpec,
		manyClips(40),
		"version: 1\nname: x\nclips:\n  - image: a.jpg\n    duration: 1e308\n",
		"version: 1\nname: x\nclips:\n  - video: a.mp4\n    fitt: crop\n    transition: {type: fde}\n",
		"version: 1\nname: &a x\nclips: *a\n",
		"{\"version\": 1, \"name\": \"j\", \"clips\": [{\"video\": \"a.mp4\", \"in\": \"00:00:01.500\"}]}",
		"version: 1\nname: x\nclips:\n  - gradient: [red, '#00f', '#0f08']\n    duration: 2\ntexts:\n  - text: \"a\\nb\"\n    clip: 1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec(data, "fuzz.yaml")
		if err != nil {
			if !IsSpecError(err) {
				t.Fatalf("error %v (%T) is not a spec error", err, err)
			}
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("errors.As finds no *SpecError in %v", err)
			}
			return
		}
		if len(s.Clips) > MaxClips || len(s.Texts) > MaxTexts || len(s.Overlays) > MaxOverlays || len(s.Audio) > MaxAudioTracks {
			t.Fatalf("accepted a spec past the limits: %d clips, %d texts", len(s.Clips), len(s.Texts))
		}
		out, err := MarshalSpec(s)
		if err != nil {
			t.Fatalf("MarshalSpec of an accepted spec: %v", err)
		}
		if _, err := ParseSpec(out, "again.yaml"); err != nil {
			t.Fatalf("an accepted spec, written back, is refused: %v\n%s", err, out)
		}
	})
}
