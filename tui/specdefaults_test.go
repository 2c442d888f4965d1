package tui

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/render"
	"gopkg.in/yaml.v3"
)

// apiSpec takes a spec the way the editor gets it: parsed and exported by
// render, decoded into api.Spec.
func apiSpec(t *testing.T, text string) (*api.Spec, *render.Spec) {
	t.Helper()
	rs, err := render.ParseSpec([]byte(text), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := render.MarshalSpec(rs)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(doc)
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	var s api.Spec
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	return &s, rs
}

const defaultsSpec = `version: 1
name: d
defaults:
  fit: blur
  duration: 2
  transition: {type: dissolve, duration: 0.25}
clips:
  - video: /m/a.mp4
  - video: /m/b.mp4
    fit: pad
    transition: {type: none}
  - image: /m/c.jpg
  - color: red
    duration: 1
    transition: {type: radial}
  - gradient: [red, blue]
`

// TestEditorReadsDefaultsAsTheRendererDoes: fit, still length and
// transition of every clip, as the TUI shows them, equal what the renderer
// will use (render.Spec.Effective).
func TestEditorReadsDefaultsAsTheRendererDoes(t *testing.T) {
	s, rs := apiSpec(t, defaultsSpec)
	d := doc{spec: s}
	e := rs.Effective()
	for i := range s.Clips {
		c, ec := &s.Clips[i], &e.Clips[i]
		if !isCard(c) && d.fitOf(c) != ec.FitOrDefault() {
			t.Errorf("clip %d: fit %q, renderer %q", i+1, d.fitOf(c), ec.FitOrDefault())
		}
		if isStill(c) && d.stillLen(c) != ec.DurationOrDefault() {
			t.Errorf("clip %d: length %v, renderer %v", i+1, d.stillLen(c), ec.DurationOrDefault())
		}
		typ, l := d.transitionOf(i)
		if typ != ec.TransitionType() || l != ec.TransitionDuration() {
			t.Errorf("clip %d: transition %s %v, renderer %s %v", i+1, typ, l, ec.TransitionType(), ec.TransitionDuration())
		}
	}
	if got := d.name(&s.Clips[4]); got != "card red→blue" {
		t.Errorf("card name %q", got)
	}
}

func TestSetTransitionByName(t *testing.T) {
	s, _ := apiSpec(t, defaultsSpec)
	d := doc{spec: s}
	if err := d.setTransition(0, "circleopen", 0.5); err != nil || s.Clips[0].Transition == nil || *s.Clips[0].Transition != (api.SpecTransition{Type: "circleopen"}) {
		t.Fatalf("circleopen: %v %+v", err, s.Clips[0].Transition)
	}
	// back to the default: nothing written
	if err := d.setTransition(0, "dissolve", 0.25); err != nil || s.Clips[0].Transition != nil {
		t.Fatalf("the default: %v %+v", err, s.Clips[0].Transition)
	}
	// none opts out of the default explicitly
	if err := d.setTransition(0, "none", 0); err != nil || s.Clips[0].Transition == nil || s.Clips[0].Transition.Type != "none" {
		t.Fatalf("none: %v %+v", err, s.Clips[0].Transition)
	}
	err := d.setTransition(0, "circelopen", 0.5)
	if err == nil || !strings.Contains(err.Error(), "did you mean circleopen") {
		t.Errorf("a typo: %v", err)
	}
	if err := d.setTransition(4, "fade", 0.5); err == nil {
		t.Error("the last clip got a transition")
	}
}

// TestTimelineEditsTransitionByNameAndTextStyle drives the forms: a
// transition typed by name (a typo is refused with the closest name), and
// a text's style keys.
func TestTimelineEditsTransitionByNameAndTextStyle(t *testing.T) {
	m, f := openDemo(t, 3)
	press(t, m, "e")
	mustContain(t, m.View(), "Clip 1", "transition", "length", "fit")
	fillFields(t, m, "radial", "1")
	press(t, m, "enter")
	if tr := f.spec("demo").Clips[0].Transition; tr == nil || tr.Type != "radial" || tr.Duration != 1 {
		t.Fatalf("transition = %+v, want radial 1 s", tr)
	}
	press(t, m, "e")
	for range len("radial") {
		press(t, m, "backspace")
	}
	typeText(t, m, "circelopen")
	press(t, m, "enter")
	if m.timeline.form == nil || !strings.Contains(m.timeline.form.err, "did you mean circleopen") {
		t.Fatalf("a typo was accepted or not explained: form %v", m.timeline.form)
	}
	press(t, m, "esc")
	mustContain(t, m.View(), "radial 1")

	press(t, m, "tab", "n") // a new text
	typeText(t, m, "styled")
	press(t, m, "tab", "tab", "tab", "tab", "tab", "tab", "tab") // to clip
	fillFields(t, m, "2", "DejaVu Sans Mono", "left", "1.5", "2", "shrink")
	press(t, m, "enter")
	texts := f.spec("demo").Texts
	if len(texts) != 1 {
		t.Fatalf("texts = %+v (form error %q)", texts, m.timeline.form.err)
	}
	tx := texts[0]
	if tx.Clip != 2 || tx.Font != "DejaVu Sans Mono" || tx.Align != "left" || tx.LineSpacing != 1.5 || tx.MaxLines != 2 || tx.Fit != "shrink" {
		t.Errorf("text = %+v", tx)
	}
	press(t, m, "e", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab", "tab")
	typeText(t, m, "x")
	press(t, m, "enter")
	if m.timeline.form == nil || !strings.Contains(m.timeline.form.err, "align: want left, center, right") {
		t.Errorf("a bad align was accepted: %+v", f.spec("demo").Texts)
	}
}

// TestTimelineShowsTheRestReadOnly: title cards, overlays, defaults and a
// music cut are shown; the overlays pane refuses edits and says where they
// are made; a save keeps every key.
func TestTimelineShowsTheRestReadOnly(t *testing.T) {
	s, _ := apiSpec(t, `version: 1
name: demo
defaults:
  fit: blur
  transition: {type: fade, duration: 0.4}
  text: {size: 72, color: yellow, box: true}
clips:
  - video: /media/clip1.mp4
  - color: "#102030"
    duration: 1.5
overlays:
  - image: /media/logo.png
    position: top-right
    size: 0.2
    opacity: 0.8
audio:
  - file: /media/song.mp3
    in: 12
    out: 20
`)
	f := newFake()
	f.addProject("demo", 1)
	f.specs["demo"] = cloneSpec(s)
	m := newTestModel(t, f, Options{Project: "demo"})
	view := m.View()
	checkFrame(t, view, 80, 24)
	mustContain(t, view, "card #102030", "1.50s", "blur", "fade 0.4")
	press(t, m, "tab", "tab", "tab")
	mustContain(t, m.View(), "from 12s to 20s")
	press(t, m, "tab")
	view = m.View()
	checkFrame(t, view, 80, 24)
	mustContain(t, view, "Overlays 1", "top-right", "width 20%", "opacity 80%", "logo.png", "spec defaults", "fit blur", "transition fade 0.4s", "text 72px yellow box")
	press(t, m, "x")
	mustContain(t, m.status, "edited in the spec")
	if !specEqual(f.spec("demo"), s) {
		t.Fatal("the read-only pane changed the spec")
	}
	press(t, m, "ctrl+s")
	if !specEqual(f.spec("demo"), s) {
		t.Fatalf("a save lost keys:\n%+v\n%+v", f.spec("demo"), s)
	}
}
