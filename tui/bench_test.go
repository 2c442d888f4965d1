package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// A keypress on a 50-clip project, handled and redrawn: the editor's
// input path. The goal is well under a 16 ms frame. Saves and stills are
// commands the program runs elsewhere, so they are created here but not
// run, as bubbletea would hand them to goroutines.

func benchModel(b *testing.B, w, h int) *Model {
	f := newFake()
	f.addProject("demo", 50)
	m := newTestModel(b, f, Options{Project: "demo", Color: ColorTrue})
	_, cmd := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	settle(b, m, cmd)
	return m
}

func benchKeys(b *testing.B, m *Model, keys ...string) {
	msgs := make([]tea.Msg, len(keys))
	for i, k := range keys {
		msgs[i] = keyMsg(k)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(msgs[i%len(msgs)])
		_ = m.View()
		// The save was handed off; pretend it came back so every edit
		// creates its own, as in real use.
		m.timeline.saving = false
		m.timeline.savedGen = m.timeline.gen
	}
}

// BenchmarkKeypressMove moves the cursor through 50 clips.
func BenchmarkKeypressMove(b *testing.B) {
	m := benchModel(b, 80, 24)
	keys := make([]string, 0, 98)
	for range 49 {
		keys = append(keys, "j")
	}
	for range 49 {
		keys = append(keys, "k")
	}
	benchKeys(b, m, keys...)
}

// BenchmarkKeypressTrim trims a clip: an edit (undo snapshot, save
// command with a copy of the spec) and a redraw.
func BenchmarkKeypressTrim(b *testing.B) {
	m := benchModel(b, 80, 24)
	press(b, m, "j", "j", "j")
	benchKeys(b, m, "]", "[")
}

// BenchmarkKeypressTrimWide is the same on a 160x48 terminal, with the
// true-colour preview drawn beside the clips.
func BenchmarkKeypressTrimWide(b *testing.B) {
	m := benchModel(b, 160, 48)
	press(b, m, "j", "j", "j")
	benchKeys(b, m, "]", "[")
}
