package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// helpView lists every key binding, grouped, in as many columns as fit.
func (m *Model) helpView(h int) string {
	st := m.c.styles
	var blocks []string
	for _, g := range m.c.keys.groups() {
		var b strings.Builder
		b.WriteString(st.Title.Render(g.title) + "\n")
		for _, k := range g.keys {
			hp := k.Help()
			b.WriteString(st.Key.Render(pad(hp.Key, 10)) + hp.Desc + "\n")
		}
		blocks = append(blocks, strings.TrimRight(b.String(), "\n"))
	}
	// Flow the blocks into columns of h-1 lines, 36 cells wide.
	const colW = 36
	cols := [][]string{{}}
	for _, bl := range blocks {
		lines := strings.Split(bl, "\n")
		cur := cols[len(cols)-1]
		if len(cur) > 0 && len(cur)+1+len(lines) > h-1 {
			cols = append(cols, nil)
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, "")
		}
		cols[len(cols)-1] = append(cur, lines...)
	}
	perScreen := max(1, m.width/colW)
	var out strings.Builder
	out.WriteString(st.Dim.Render("Keys (? or esc closes)") + "\n")
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c))
	}
	for r := 0; r < rows; r++ {
		var line strings.Builder
		for i, c := range cols {
			if i >= perScreen {
				break
			}
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			line.WriteString(padStyled(cell, colW))
		}
		out.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	if len(cols) > perScreen {
		out.WriteString(st.Dim.Render("(widen the terminal to see every group)"))
	}
	return out.String()
}

// padStyled pads a string that may hold colour codes to w cells.
func padStyled(s string, w int) string {
	n := w - lipgloss.Width(s)
	if n <= 0 {
		return s
	}
	return s + strings.Repeat(" ", n)
}

// footer shows the main keys of the screen in front.
func (m *Model) footer() string {
	k := m.c.keys
	var ks []key.Binding
	switch {
	case m.help:
		ks = []key.Binding{k.Help}
	case m.screen == scrProjects:
		ks = []key.Binding{k.Open, k.New, k.Rename, k.Delete, k.Filter}
	case m.screen == scrTimeline && m.timeline.pane == paneClips:
		ks = []key.Binding{k.InFrameFwd, k.OutFrameBack, k.Fit, k.Transition, k.Add, k.Undo, k.NextPane, k.Render}
	case m.screen == scrTimeline:
		ks = []key.Binding{k.New, k.Add, k.Edit, k.Toggle, k.Remove, k.Undo, k.NextPane}
	case m.screen == scrPreview:
		ks = []key.Binding{k.Up, k.Left, k.FrameRight, k.Play}
	case m.screen == scrRender:
		ks = []key.Binding{k.Render, k.Cancel}
	case m.screen == scrPublish:
		ks = []key.Binding{k.Field, k.DryRun, k.DoPublish, k.Save}
	case m.screen == scrInbox:
		ks = []key.Binding{k.NextPane, k.Reply, k.Hide, k.Reload}
	}
	ks = append(ks, k.Help, k.Quit)
	st := m.c.styles
	var b strings.Builder
	used := 0
	for i, kb := range ks {
		h := kb.Help()
		item := h.Key + " " + h.Desc
		if i > 0 {
			item = " · " + item
		}
		if used+len([]rune(item)) > m.width {
			break
		}
		used += len([]rune(item))
		if i > 0 {
			b.WriteString(st.Footer.Render(" · "))
		}
		b.WriteString(st.Key.Render(h.Key) + st.Footer.Render(" "+h.Desc))
	}
	return b.String()
}
