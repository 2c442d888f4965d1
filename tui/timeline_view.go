package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/impress-dev/impress/api"
)

// fmtClock is a timeline time as m:ss.mmm.
func fmtClock(t float64) string {
	if t < 0 {
		t = 0
	}
	ms := int(t*1000 + 0.5)
	return fmt.Sprintf("%d:%02d.%03d", ms/60000, ms/1000%60, ms%1000)
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// saveState is the saver's word for the title line.
func (m *timelineModel) saveState() string {
	st := m.c.styles
	switch {
	case m.saveErr != "":
		return st.Error.Render("not saved (u undoes, ctrl+s retries)")
	case m.saving || m.gen != m.savedGen:
		return st.Warn.Render("saving…")
	}
	return st.OK.Render("saved")
}

func (m *timelineModel) View() string {
	if m.picker != nil {
		return m.picker.View()
	}
	if m.form != nil {
		return m.form.View()
	}
	st := m.c.styles
	if !m.loaded() {
		return st.Dim.Render("No project open. Press 1 for the project list, then enter to open one.")
	}
	var b strings.Builder
	_, total := m.d.starts()
	preset := m.d.spec.Preset
	if preset == "" {
		preset = api.DefaultPreset
	}
	b.WriteString(truncate(st.Title.Render(m.d.spec.Name)+st.Dim.Render(fmt.Sprintf(" · %s · %d clips · %s · ", preset, len(m.d.spec.Clips), fmtClock(total)))+m.saveState(), m.width))
	b.WriteString("\n")
	var tabs []string
	for i, n := range paneNames {
		switch pane(i) {
		case paneTexts:
			n += " " + strconv.Itoa(len(m.d.spec.Texts))
		case paneMusic:
			n += " " + strconv.Itoa(len(m.d.spec.Audio))
		case paneOverlays:
			n += " " + strconv.Itoa(len(m.d.spec.Overlays))
		case paneCaptions:
			if m.d.spec.Captions != nil {
				n += " on"
			}
		}
		if pane(i) == m.pane {
			tabs = append(tabs, st.TabActive.Render(n))
		} else {
			tabs = append(tabs, st.Tab.Render(n))
		}
	}
	b.WriteString(strings.Join(tabs, "") + "\n")
	switch m.pane {
	case paneClips:
		m.viewClips(&b)
	case paneTexts:
		m.viewTexts(&b)
	case paneCaptions:
		m.viewCaptions(&b)
	case paneMusic:
		m.viewMusic(&b)
	case paneOverlays:
		m.viewOverlays(&b)
	}
	return strings.TrimRight(b.String(), "\n")
}

// clipCols is one row of the clip table: #, clip, in, out, length, fit,
// speed, vol, transition.
type clipCols [9]string

const (
	colName  = 1
	colTrans = 8
	// minNameCells is as narrow as the clip column gets before the
	// transition column is cut instead.
	minNameCells = 8
)

// clipWidths allots the table's w cells by content: every column is as
// wide as its widest cell (header included), and the clip name takes
// only what the others leave, so a long file name cannot push a
// transition's name and length off the row. Columns are one space apart,
// after a two-cell cursor mark.
func clipWidths(w int, rows []clipCols) [9]int {
	var ws [9]int
	for _, r := range rows {
		for i, c := range r {
			ws[i] = max(ws[i], lipgloss.Width(c))
		}
	}
	used := 2 + len(ws) - 1
	for i, n := range ws {
		if i != colName {
			used += n
		}
	}
	ws[colName] = min(ws[colName], max(minNameCells, w-used))
	if over := used + ws[colName] - w; over > 0 {
		// Too narrow for everything: the transition gives way last, and
		// the view's backstop cuts what still does not fit.
		ws[colTrans] = max(lipgloss.Width("transition"), ws[colTrans]-over)
	}
	return ws
}

// clipRow is one line of the table in the widths clipWidths allotted.
func clipRow(ws [9]int, mark string, r clipCols) string {
	var b strings.Builder
	b.WriteString(mark)
	for i, c := range r {
		if i == len(r)-1 {
			b.WriteString(truncate(c, ws[i]))
			break
		}
		b.WriteString(pad(c, ws[i]) + " ")
	}
	return b.String()
}

// clipCells is the table's row for clip i.
func (m *timelineModel) clipCells(i int) clipCols {
	c := &m.d.spec.Clips[i]
	in, out, vol, speed := "", "", "", ""
	switch {
	case isCard(c):
		in = "card"
	case isImage(c):
		in = "image"
		if c.Zoom != "" {
			speed = "zoom " + c.Zoom
		}
	default:
		in = fmtNum(c.In)
		if c.Out > 0 {
			out = fmtNum(c.Out)
		} else {
			out = "end"
		}
		speed = fmtNum(speedOf(c)) + "x"
		if v := volumeOf(c); v == 0 {
			vol = "mute"
		} else {
			vol = fmt.Sprintf("%.0f%%", v*100)
		}
	}
	length := "?"
	if l, ok := m.d.length(c); ok {
		length = fmt.Sprintf("%.2fs", l)
	}
	trans := ""
	if typ, d := m.d.transitionOf(i); typ != "none" {
		trans = typ + " " + fmtNum(d)
	}
	return clipCols{strconv.Itoa(i + 1), m.d.name(c), in, out, length, m.d.fitOf(c), speed, vol, trans}
}

func (m *timelineModel) viewClips(b *strings.Builder) {
	st := m.c.styles
	clips := m.d.spec.Clips
	rows := m.listRows()
	// Widths are allotted over every clip, not the rows shown, so the
	// columns stay put while the list scrolls.
	table := []clipCols{{"#", "clip", "in", "out", "length", "fit", "speed", "vol", "transition"}}
	for i := range clips {
		table = append(table, m.clipCells(i))
	}
	ws := clipWidths(m.width, table)
	b.WriteString(st.Header.Render(clipRow(ws, "  ", table[0])) + "\n")
	if len(clips) == 0 {
		b.WriteString(st.Dim.Render("  no clips yet: a adds a video or an image") + "\n")
	}
	for i := m.top; i < len(clips) && i < m.top+rows; i++ {
		mark := "  "
		if i == m.cursor {
			mark = "▸ "
		}
		row := clipRow(ws, mark, table[i+1])
		if i == m.cursor {
			row = st.Selected.Render(row)
		}
		b.WriteString(row + "\n")
	}
	if len(clips) > 0 {
		starts, _ := m.d.starts()
		c := &clips[m.cursor]
		_, at, _, _ := m.target()
		where := fmt.Sprintf("cursor %s · clip %d at %ss", fmtClock(starts[m.cursor]+m.offset), m.cursor+1, fmtNum(m.offset))
		if !isStill(c) {
			where += " · source " + fmtNum(at) + "s"
		}
		if n := len(clips); n > rows {
			where += fmt.Sprintf(" · rows %d–%d of %d", m.top+1, min(m.top+rows, n), n)
		}
		b.WriteString(st.Dim.Render(truncate(where, m.width)) + "\n")
	}
}

func orDash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (m *timelineModel) viewTexts(b *strings.Builder) {
	st := m.c.styles
	if len(m.d.spec.Texts) == 0 {
		b.WriteString(st.Dim.Render("  no texts: n adds one at the cursor's time") + "\n")
		return
	}
	for i, t := range m.d.spec.Texts {
		end := "end"
		if t.End > 0 {
			end = fmtNum(t.End)
		}
		pos := posString(t.Position)
		if pos == "" {
			pos = "center"
		}
		line := fmt.Sprintf("%-3d %s–%s  %-7s ", i+1, fmtNum(t.Start), end, pos)
		line += truncate(strconv.Quote(t.Text), max(8, m.width-lenCells(line)-4))
		m.listLine(b, i == m.rows[paneTexts], line)
	}
}

func lenCells(s string) int { return len([]rune(s)) }

func (m *timelineModel) listLine(b *strings.Builder, sel bool, line string) {
	if sel {
		b.WriteString(m.c.styles.Selected.Render("▸ "+truncate(line, m.width-2)) + "\n")
		return
	}
	b.WriteString("  " + truncate(line, m.width-2) + "\n")
}

func (m *timelineModel) viewCaptions(b *strings.Builder) {
	st := m.c.styles
	cp := m.d.spec.Captions
	if cp == nil {
		b.WriteString(st.Dim.Render("  no captions: a picks an SRT or WebVTT file to burn in") + "\n")
		return
	}
	size, pos := "56 (default)", "bottom (default)"
	if cp.Style != nil {
		if cp.Style.Size != 0 {
			size = strconv.Itoa(cp.Style.Size)
		}
		if cp.Style.Position != nil {
			pos = posString(cp.Style.Position)
		}
	}
	name := baseName(cp.File)
	if a, ok := m.d.assets[cp.File]; ok && a.Name != "" {
		name = a.Name
	}
	for _, kv := range [][2]string{{"file", name}, {"word by word", yesNo(cp.Words)}, {"size", size}, {"position", pos}} {
		b.WriteString("  " + st.Label.Render(pad(kv[0], 14)) + truncate(kv[1], m.width-18) + "\n")
	}
}

func (m *timelineModel) viewMusic(b *strings.Builder) {
	st := m.c.styles
	if len(m.d.spec.Audio) == 0 {
		b.WriteString(st.Dim.Render("  no music: a adds a track") + "\n")
		return
	}
	for i := range m.d.spec.Audio {
		t := &m.d.spec.Audio[i]
		duck := ""
		if t.Duck {
			duck = " duck"
		}
		cut := ""
		if t.In > 0 || t.Out > 0 {
			cut = "  from " + fmtNum(t.In) + "s"
			if t.Out > 0 {
				cut += " to " + fmtNum(t.Out) + "s"
			}
		}
		line := fmt.Sprintf("%-3d vol %.0f%%  start %ss  fade %s/%ss%s%s  %s", i+1, trackVolume(t)*100,
			fmtNum(t.Start), fmtNum(t.FadeIn), fmtNum(t.FadeOut), duck, cut, m.trackName(t))
		m.listLine(b, i == m.rows[paneMusic], line)
	}
}

// clipSummary is a one-line description of the clip under the cursor,
// for the preview screen.
func (m *timelineModel) clipSummary() string {
	if !m.loaded() || len(m.d.spec.Clips) == 0 {
		return ""
	}
	c := &m.d.spec.Clips[m.cursor]
	starts, total := m.d.starts()
	s := fmt.Sprintf("clip %d/%d %s · %s of %s", m.cursor+1, len(m.d.spec.Clips), m.d.name(c),
		fmtClock(starts[m.cursor]+m.offset), fmtClock(total))
	if isCard(c) {
		return s + " · title card"
	}
	return s + " · fit " + m.d.fitOf(c)
}

// viewOverlays lists the spec's overlays and its defaults, read-only: the
// editor keeps them as they are and says where they are edited.
func (m *timelineModel) viewOverlays(b *strings.Builder) {
	st := m.c.styles
	s := m.d.spec
	if len(s.Overlays) == 0 {
		b.WriteString(st.Dim.Render("  no overlays") + "\n")
	}
	for i := range s.Overlays {
		o := &s.Overlays[i]
		pos := posString(o.Position)
		if pos == "" {
			pos = "top-right"
		}
		size, opacity := "25%", "100%"
		if o.Size > 0 {
			size = fmt.Sprintf("%.0f%%", o.Size*100)
		}
		if o.Opacity != nil {
			opacity = fmt.Sprintf("%.0f%%", *o.Opacity*100)
		}
		end := "end"
		if o.End > 0 {
			end = fmtNum(o.End)
		}
		src := o.Image
		if src == "" {
			src = o.Video
		}
		line := fmt.Sprintf("%-3d %s–%s  %-9s width %s  opacity %s  %s", i+1, fmtNum(o.Start), end, pos, size, opacity, baseName(src))
		m.listLine(b, i == m.rows[paneOverlays], line)
	}
	if d := s.Defaults; d != nil {
		b.WriteString(st.Label.Render("  spec defaults") + "\n")
		var parts []string
		if d.Fit != "" {
			parts = append(parts, "fit "+d.Fit)
		}
		if d.Duration > 0 {
			parts = append(parts, "stills "+fmtNum(d.Duration)+"s")
		}
		if d.Transition != nil {
			parts = append(parts, "transition "+d.Transition.Type+" "+fmtNum(m.d.baseTransitionLen())+"s")
		}
		if t := d.Text; t != nil {
			parts = append(parts, "text "+textStyleString(t))
		}
		b.WriteString("  " + truncate(strings.Join(parts, " · "), m.width-2) + "\n")
	}
	b.WriteString(st.Dim.Render("  "+truncate(readOnlyHint, m.width-2)) + "\n")
}

// textStyleString is a text style in short ("72px yellow box left").
func textStyleString(t *api.SpecTextStyle) string {
	var p []string
	if t.Size > 0 {
		p = append(p, strconv.Itoa(t.Size)+"px")
	}
	for _, v := range []string{t.Color, t.Font, t.Align, t.Fit, posString(t.Position)} {
		if v != "" {
			p = append(p, v)
		}
	}
	if t.Box != nil && *t.Box {
		p = append(p, "box")
	}
	if t.MaxLines > 0 {
		p = append(p, fmt.Sprintf("≤%d lines", t.MaxLines))
	}
	return strings.Join(p, " ")
}
