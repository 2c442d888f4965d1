package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// helpView lists every key binding, grouped, in two columns when the
// terminal is wide enough; ↑/↓ scroll it when it is taller than the screen.
func (m *Model) helpView(h int) string {
	st := m.c.styles
	const colW = 38
	var lines []string
	for _, g := range m.c.keys.groups() {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, st.Title.Render(g.title))
		for _, k := range g.keys {
			hp := k.Help()
			lines = append(lines, st.Key.Render(pad(hp.Key, 10))+truncate(hp.Desc, colW-11))
		}
	}
	if m.width >= 2*colW {
		// Two columns, split at a group boundary near the middle.
		half := (len(lines) + 1) / 2
		for half < len(lines) && lines[half] != "" {
			half++
		}
		left, right := lines[:half], lines[min(half+1, len(lines)):]
		var merged []string
		for i := 0; i < max(len(left), len(right)); i++ {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			merged = append(merged, strings.TrimRight(padStyled(l, colW)+r, " "))
		}
		lines = merged
	}
	view := h - 1
	m.helpTop = min(max(m.helpTop, 0), max(0, len(lines)-view))
	head := "Keys · ? or esc closes"
	if len(lines) > view {
		head += fmt.Sprintf(" · ↑/↓ scroll (%d–%d of %d)", m.helpTop+1, min(m.helpTop+view, len(lines)), len(lines))
	}
	end := min(m.helpTop+view, len(lines))
	return st.Dim.Render(head) + "\n" + strings.Join(lines[m.helpTop:end], "\n")
}

// padStyled pads a string that may hold colour codes to w cells.
func padStyled(s string, w int) string {
	n := w - lipgloss.Width(s)
	if n <= 0 {
		return s
	}
	return s + strings.Repeat(" ", n)
}

// footer shows the main keys of the screen in front, in short.
func (m *Model) footer() string {
	var items [][2]string
	switch {
	case m.help:
		items = [][2]string{{"↑/↓", "scroll"}, {"?", "close"}}
	case m.screen == scrProjects:
		items = [][2]string{{"enter", "open"}, {"n", "new"}, {"R", "rename"}, {"d", "delete"}, {"/", "filter"}}
	case m.capturing():
		// A text field has every key: q and ? would be typed, so the
		// footer names only the keys that work there.
		items = append(m.fieldKeys(), [2]string{"ctrl+c", "quit"})
	case m.screen == scrTimeline && m.timeline.pane == paneClips:
		items = [][2]string{{"[]{}", "in"}, {",.<>", "out"}, {"f", "fit"}, {"s/S", "speed"}, {"t", "trans"}, {"e", "edit"}, {"a", "add"},
			{"u", "undo"}, {"tab", "panes"}, {"r", "render"}}
	case m.screen == scrTimeline:
		items = [][2]string{{"n/a", "add"}, {"e", "edit"}, {"w", "toggle"}, {"x", "delete"}, {"u", "undo"}, {"tab", "panes"}}
	case m.screen == scrPreview:
		items = [][2]string{{"↑↓", "clip"}, {"←→", "1 s"}, {"H/L", "frame"}, {"o", "play"}}
	case m.screen == scrRender:
		items = [][2]string{{"r", "render"}, {"esc", "cancel"}}
	case m.screen == scrPublish:
		items = [][2]string{{"↑↓", "field"}, {"e", "edit"}, {"D", "dry run"}, {"P", "publish"}, {"ctrl+s", "keep as defaults"}}
	case m.screen == scrInbox:
		items = [][2]string{{"tab", "comments/DMs"}, {"r", "reply"}, {"h", "hide"}, {"ctrl+l", "reload"}}
	}
	if !m.help && !m.capturing() {
		items = append(items, [2]string{"?", "help"}, [2]string{"q", "quit"})
	}
	st := m.c.styles
	var b strings.Builder
	used := 0
	for i, it := range items {
		w := len([]rune(it[0])) + 1 + len([]rune(it[1]))
		if i > 0 {
			w += 3
		}
		if used+w > m.width {
			break
		}
		used += w
		if i > 0 {
			b.WriteString(st.Footer.Render(" · "))
		}
		b.WriteString(st.Key.Render(it[0]) + st.Footer.Render(" "+it[1]))
	}
	return b.String()
}

// fieldKeys are the keys of the text field, form, picker or question in
// front, for the footer.
func (m *Model) fieldKeys() [][2]string {
	switch m.screen {
	case scrProjects:
		if m.projects.mode == "delete" {
			return [][2]string{{"y", "delete"}, {"any other key", "keep"}}
		}
		return [][2]string{{"enter", "done"}, {"esc", "cancel"}}
	case scrTimeline:
		if m.timeline.picker != nil {
			return [][2]string{{"↑↓", "move"}, {"enter", "choose"}, {"←", "up a folder"}, {"esc", "cancel"}}
		}
		return [][2]string{{"tab", "next field"}, {"enter", "save"}, {"esc", "cancel"}}
	case scrPublish:
		switch {
		case m.publish.confirm:
			return [][2]string{{"y", "publish"}, {"any other key", "cancel"}}
		case m.publish.row == rowCaption:
			return [][2]string{{"enter", "new line"}, {"esc", "done"}}
		}
		return [][2]string{{"enter/esc", "done"}}
	case scrInbox:
		return [][2]string{{"enter", "send"}, {"esc", "cancel"}}
	}
	return nil
}
