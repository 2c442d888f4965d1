package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
)

func testDoc(clips ...api.SpecClip) doc {
	s := &api.Spec{Version: 1, Name: "t", Clips: clips}
	return doc{spec: s, assets: map[string]api.Asset{
		"/m/a.mp4": {Path: "/m/a.mp4", Name: "a.mp4", Kind: "video", Duration: 4, FPS: 25},
		"/m/b.mp4": {Path: "/m/b.mp4", Name: "b.mp4", Kind: "video", Duration: 2, FPS: 30},
		"/m/p.jpg": {Path: "/m/p.jpg", Name: "p.jpg", Kind: "image"},
	}}
}

func fp(v float64) *float64 { return &v }

func TestTrimByFrameAndSecond(t *testing.T) {
	d := testDoc(api.SpecClip{Video: "/m/a.mp4"})
	steps := []struct {
		name    string
		op      func() error
		in, out float64
		wantErr string
	}{
		{"in +1 frame", func() error { return d.trimIn(0, 1.0/25) }, 0.04, 0, ""},
		{"in +1 s", func() error { return d.trimIn(0, 1) }, 1.04, 0, ""},
		{"in −1 s", func() error { return d.trimIn(0, -1) }, 0.04, 0, ""},
		{"in below 0 clamps", func() error { return d.trimIn(0, -1) }, 0, 0, ""},
		{"in at 0 refuses", func() error { return d.trimIn(0, -1) }, 0, 0, "already"},
		{"out −1 frame from the end", func() error { return d.trimOut(0, -1.0/25) }, 0, 3.96, ""},
		{"out −1 s", func() error { return d.trimOut(0, -1) }, 0, 2.96, ""},
		{"out past the end means to the end", func() error { return d.trimOut(0, 5) }, 0, 0, ""},
		{"out at the end refuses", func() error { return d.trimOut(0, 1) }, 0, 0, "end of the source"},
		{"in past out refuses", func() error { return d.trimIn(0, 10) }, 0, 0, "not be before out"},
	}
	for _, s := range steps {
		err := s.op()
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Fatalf("%s: err = %v, want %q", s.name, err, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if c := d.spec.Clips[0]; c.In != s.in || c.Out != s.out {
			t.Fatalf("%s: in/out = %v/%v, want %v/%v", s.name, c.In, c.Out, s.in, s.out)
		}
	}
}

func TestOutBeforeInRefused(t *testing.T) {
	d := testDoc(api.SpecClip{Video: "/m/a.mp4", In: 2, Out: 2.04})
	if err := d.trimOut(0, -1.0/25); err == nil {
		t.Fatalf("out moved onto in: %+v", d.spec.Clips[0])
	}
}

func TestImageLengthAndZoom(t *testing.T) {
	d := testDoc(api.SpecClip{Image: "/m/p.jpg"})
	if err := d.trimIn(0, 1); err == nil {
		t.Error("an image got an in point")
	}
	if err := d.trimOut(0, 1); err != nil || d.spec.Clips[0].Duration != 4 {
		t.Fatalf("length +1 s: %v, duration %v", err, d.spec.Clips[0].Duration)
	}
	if err := d.trimOut(0, -1); err != nil || d.spec.Clips[0].Duration != 0 {
		t.Fatalf("back to the default 3 s must drop the key: %v, %v", err, d.spec.Clips[0].Duration)
	}
	for _, want := range []string{"in", "out", ""} {
		if err := d.cycleZoom(0); err != nil || d.spec.Clips[0].Zoom != want {
			t.Fatalf("zoom = %q (%v), want %q", d.spec.Clips[0].Zoom, err, want)
		}
	}
	if d.stepSpeed(0, 1) == nil || d.stepVolume(0, 0.1) == nil || d.toggleMute(0) == nil {
		t.Error("speed/volume on an image were accepted")
	}
}

func TestSpeedVolumeFit(t *testing.T) {
	d := testDoc(api.SpecClip{Video: "/m/a.mp4"})
	for _, want := range []float64{1.25, 1.5, 2, 3, 4} {
		if err := d.stepSpeed(0, 1); err != nil || speedOf(&d.spec.Clips[0]) != want {
			t.Fatalf("speed = %v (%v), want %v", speedOf(&d.spec.Clips[0]), err, want)
		}
	}
	if d.stepSpeed(0, 1) == nil {
		t.Error("speed went past 4x")
	}
	for range 5 {
		d.stepSpeed(0, -1)
	}
	if d.spec.Clips[0].Speed != nil {
		t.Errorf("speed 1x must be omitted, got %v", *d.spec.Clips[0].Speed)
	}
	d.stepVolume(0, -0.1)
	if v := d.spec.Clips[0].Volume; v == nil || *v != 0.9 {
		t.Errorf("volume = %v, want 0.9", v)
	}
	d.toggleMute(0)
	if v := d.spec.Clips[0].Volume; v == nil || *v != 0 {
		t.Errorf("mute: volume = %v", v)
	}
	d.toggleMute(0)
	if d.spec.Clips[0].Volume != nil {
		t.Errorf("unmute must restore the default")
	}
	// f walks every fit the spec accepts, then back to the default (omitted)
	for _, want := range append(slices.Clone(api.SpecFits[1:]), "") {
		d.cycleFit(0)
		if d.spec.Clips[0].Fit != want {
			t.Errorf("fit = %q, want %q", d.spec.Clips[0].Fit, want)
		}
	}
}

func TestTransitions(t *testing.T) {
	d := testDoc(api.SpecClip{Video: "/m/a.mp4"}, api.SpecClip{Video: "/m/b.mp4", Out: 0.4})
	if err := d.cycleTransition(1); err == nil {
		t.Error("the last clip got a transition")
	}
	// The next clip is 0.4 s: a 0.5 s transition cannot fit in it.
	if err := d.cycleTransition(0); err == nil {
		t.Errorf("a transition longer than the next clip was accepted: %+v", d.spec.Clips[0].Transition)
	}
	d.spec.Clips[1].Out = 0
	if err := d.cycleTransition(0); err != nil || d.spec.Clips[0].Transition.Type != "fade" {
		t.Fatalf("first transition: %v %+v", err, d.spec.Clips[0].Transition)
	}
	d.spec.Clips[1].Out = 1.2
	if err := d.cycleTransitionLen(0); err != nil || d.spec.Clips[0].Transition.Duration != 1 {
		t.Fatalf("length: %v %+v", err, d.spec.Clips[0].Transition)
	}
	if err := d.cycleTransitionLen(0); err == nil {
		t.Errorf("a 1.5 s transition into a 1.2 s clip was accepted: %+v", d.spec.Clips[0].Transition)
	}
	// Moving the clip with the transition to the end drops it.
	j, err := d.move(0, 1)
	if err != nil || j != 1 || d.spec.Clips[1].Transition != nil {
		t.Fatalf("move: %d %v %+v", j, err, d.spec.Clips[1])
	}
	if _, total := d.starts(); total != 5.2 {
		t.Errorf("total = %v, want 5.2", total)
	}
}

func TestMoveInsertRemove(t *testing.T) {
	d := testDoc(api.SpecClip{Video: "/m/a.mp4"}, api.SpecClip{Video: "/m/b.mp4"})
	if _, err := d.move(0, -1); err == nil {
		t.Error("moved the first clip up")
	}
	j, err := d.insert(0, api.Asset{Path: "/m/p.jpg", Kind: "image"})
	if err != nil || j != 1 || d.spec.Clips[1].Image != "/m/p.jpg" {
		t.Fatalf("insert: %d %v %+v", j, err, d.spec.Clips)
	}
	if _, err := d.insert(0, api.Asset{Path: "/m/x.mp3", Kind: "audio", Name: "x.mp3"}); err == nil {
		t.Error("inserted audio as a clip")
	}
	if err := d.remove(1); err != nil || len(d.spec.Clips) != 2 || d.spec.Clips[1].Video != "/m/b.mp4" {
		t.Fatalf("remove: %v %+v", err, d.spec.Clips)
	}
}

func TestHistory(t *testing.T) {
	var h history
	a, b, c := &api.Spec{Name: "a"}, &api.Spec{Name: "b"}, &api.Spec{Name: "c"}
	h.record(a) // a → b
	h.record(b) // b → c
	got, _ := h.undo(c)
	if got != b {
		t.Fatalf("undo = %s", got.Name)
	}
	got, _ = h.undo(b)
	if got != a {
		t.Fatalf("undo = %s", got.Name)
	}
	if _, ok := h.undo(a); ok {
		t.Fatal("undo past the start")
	}
	got, _ = h.redo(a)
	if got != b {
		t.Fatalf("redo = %s", got.Name)
	}
	h.record(b) // a new edit forgets the redo
	if _, ok := h.redo(b); ok {
		t.Fatal("redo after a new edit")
	}
}

func TestCaptionCounts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want captionCounts
	}{
		{"", captionCounts{}},
		{"Summer sale ☀️ #sale", captionCounts{chars: 20, hashtags: 1}},
		{"#a #b_c #1 # #", captionCounts{chars: 14, hashtags: 3}},
		{"hi @friend.one and @x, mail a@b.com", captionCounts{chars: 35, mentions: 2}},
		{"C# and #über", captionCounts{chars: 12, hashtags: 1}},
	} {
		if got := countCaption(tc.in); got != tc.want {
			t.Errorf("countCaption(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("#t ", 31)
	if c := countCaption(long); c.hashtags != 31 || c.ok() {
		t.Errorf("31 hashtags: %+v ok=%v", c, c.ok())
	}
}

func TestParseSchedule(t *testing.T) {
	now := mustTime(t, "2026-06-01T10:00:00Z")
	if at, err := parseSchedule("now", now); err != nil || at != nil {
		t.Errorf("now: %v %v", at, err)
	}
	if at, err := parseSchedule("2026-06-02T09:00:00+02:00", now); err != nil || at.Format("15:04") != "07:00" {
		t.Errorf("rfc3339: %v %v", at, err)
	}
	if _, err := parseSchedule("2026-05-01T09:00:00Z", now); err == nil {
		t.Error("a past time was accepted")
	}
	if _, err := parseSchedule("tomorrow", now); err == nil {
		t.Error("gibberish was accepted")
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
