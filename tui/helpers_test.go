package tui

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func TestMain(m *testing.M) {
	// Views are compared as text: no colour codes.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// newTestModel is the editor on a fake daemon at 80x24, its start-up
// commands run.
func newTestModel(t testing.TB, f *fakeClient, o Options) *Model {
	t.Helper()
	if o.Color == ColorAuto {
		o.Color = ColorNone
	}
	if o.StartDir == "" {
		o.StartDir = t.TempDir()
	}
	m := New(t.Context(), f, o)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	settle(t, m, m.Init())
	return m
}

// settle runs cmd and every command the resulting messages lead to,
// feeding each message to m, until nothing is left. Tests use it only
// where every command returns promptly (no gates, closed event channels).
func settle(t testing.TB, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, tea.QuitMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

var namedKeys = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"ctrl+s": tea.KeyCtrlS, "ctrl+r": tea.KeyCtrlR, "ctrl+c": tea.KeyCtrlC, "ctrl+l": tea.KeyCtrlL,
	"backspace": tea.KeyBackspace, "space": tea.KeySpace, "shift+up": tea.KeyShiftUp,
}

func keyMsg(k string) tea.KeyMsg {
	if t, ok := namedKeys[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys one by one, settling after each.
func press(t testing.TB, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		settle(t, m, cmd)
	}
}

// typeText sends each rune of s as a key.
func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		settle(t, m, cmd)
	}
}

// fillFields types each value into a form's field, from the focused one
// on, pressing tab between them.
func fillFields(t *testing.T, m *Model, values ...string) {
	t.Helper()
	for i, v := range values {
		if i > 0 {
			press(t, m, "tab")
		}
		typeText(t, m, v)
	}
}

// checkFrame asserts a view fits a w x h terminal exactly.
func checkFrame(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("view has %d lines, want %d:\n%s", len(lines), h, view)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide (> %d): %q", i+1, lw, w, l)
		}
	}
}

func mustContain(t *testing.T, view string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(view, w) {
			t.Errorf("view lacks %q:\n%s", w, view)
		}
	}
}

// msgsOf runs cmd (and the commands of a batch) once, without feeding
// anything back.
func msgsOf(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, msgsOf(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func jsonRaw(v any) (json.RawMessage, error) { return json.Marshal(v) }

// step runs cmd's messages into m once and returns the commands they
// lead to without running them: the way through a job stream whose next
// event has not been sent yet.
func step(t *testing.T, m *Model, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	var next []tea.Cmd
	for _, msg := range msgsOf(cmd) {
		switch msg.(type) {
		case nil, tea.QuitMsg:
			continue
		}
		_, c := m.Update(msg)
		next = append(next, c)
	}
	return tea.Batch(next...)
}

// pressStep sends one key and runs only its immediate commands' messages
// a given number of rounds; for screens that follow job streams.
func pressStep(t *testing.T, m *Model, k string, rounds int) tea.Cmd {
	t.Helper()
	_, cmd := m.Update(keyMsg(k))
	for range rounds {
		cmd = step(t, m, cmd)
	}
	return cmd
}
