package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// TestClipTableShowsWholeTransitions: a long clip name must not squeeze
// the transition column; at every width the transition's name and length
// are shown whole.
func TestClipTableShowsWholeTransitions(t *testing.T) {
	f := newFake()
	f.addProject("demo", 3)
	long := strings.Repeat("summer-sale-footage-", 3) + "final.mov" // 69 cells
	f.mu.Lock()
	s := f.specs["demo"]
	s.Clips[0].Transition = &api.SpecTransition{Type: "slideleft", Duration: 0.5}
	s.Clips[1].Transition = &api.SpecTransition{Type: "smoothright", Duration: 0.75}
	f.projects["demo"].Assets[0].Name = long
	f.mu.Unlock()
	m := newTestModel(t, f, Options{Project: "demo"})
	for _, w := range []int{80, 100, 160} {
		_, cmd := m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		settle(t, m, cmd)
		v := m.View()
		checkFrame(t, v, w, 24)
		mustContain(t, v, "slideleft 0.5", "smoothright 0.75", "transition")
		if w == 160 && !strings.Contains(v, long[:40]) {
			t.Errorf("at %d columns the clip name may take what is left:\n%s", w, v)
		}
	}
}

// TestFooterInTextFields: while a text field takes the keys, the footer
// names the keys that work there, not q and ?, which would be typed.
func TestFooterInTextFields(t *testing.T) {
	m, _ := openDemo(t, 1)
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 24})
	if f := m.footer(); !strings.Contains(f, "q quit") {
		t.Fatalf("the timeline's footer lacks q: %q", f)
	}
	press(t, m, "p", "e") // the caption editor
	if !m.publish.editing {
		t.Fatal("e did not open the caption editor")
	}
	f := m.footer()
	for _, bad := range []string{"q quit", "? help"} {
		if strings.Contains(f, bad) {
			t.Errorf("caption editor's footer advertises %q: %q", bad, f)
		}
	}
	mustContain(t, f, "esc done", "ctrl+c quit")
	typeText(t, m, "q?")
	if m.publish.caption.Value() != "q?" {
		t.Fatalf("q and ? are typed in the caption: %q", m.publish.caption.Value())
	}
	press(t, m, "esc", "2", "e") // the clip form
	mustContain(t, m.footer(), "esc cancel", "enter save")
	if strings.Contains(m.footer(), "q quit") {
		t.Errorf("the clip form's footer advertises q: %q", m.footer())
	}
}

// TestRenderOutputWhole: the render screen shows a long output path whole
// (broken over lines, not cut), and Rendered lists it for the exit.
func TestRenderOutputWhole(t *testing.T) {
	m, f := openDemo(t, 1)
	f.renderCached = true
	f.renderOutput = "/home/someone/.local/share/impress/renders/" + strings.Repeat("0123456789abcdef", 4) + "/demo.mp4"
	press(t, m, "r")
	v := m.View()
	checkFrame(t, v, 80, 24)
	if !strings.Contains(strings.ReplaceAll(v, "\n", ""), f.renderOutput) {
		t.Errorf("the output path is not shown whole:\n%s", v)
	}
	if got := m.Rendered(); len(got) != 1 || got[0] != f.renderOutput {
		t.Errorf("Rendered() = %q", got)
	}
}
