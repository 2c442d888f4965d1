package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/impress-dev/impress/api"
)

func (m *publishModel) View() string {
	st := m.c.styles
	if m.project == "" {
		return st.Dim.Render("Open a project (1) to publish it.")
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("Publish "+m.project) + "  " + m.stateLabel() + "\n")

	cnt := func(n, limit int, what string) string {
		s := fmt.Sprintf("%d/%d %s", n, limit, what)
		if n > limit {
			return st.Error.Render(s)
		}
		return s
	}
	counts := cnt(m.counts.chars, maxCaptionChars, "chars") + " · " + cnt(m.counts.hashtags, maxHashtags, "hashtags") +
		" · " + cnt(m.counts.mentions, maxMentions, "mentions")
	b.WriteString(m.label(rowCaption, "Caption") + counts + "\n")
	b.WriteString(m.caption.View() + "\n")
	b.WriteString(m.label(rowType, "Type") + orDefault(publishTypes[m.typ]) + "\n")
	cover := m.cover.View()
	if !m.editing || m.row != rowCover {
		cover = m.cover.Value()
		if cover == "" {
			cover = st.Dim.Render("Instagram's choice (seconds into the video, or a JPEG path)")
		}
	}
	b.WriteString(m.label(rowCover, "Cover") + cover + "\n")
	b.WriteString(m.label(rowShare, "Share to feed") + orDefault(shareChoices[m.share]) + "\n")
	sched := m.schedule.View()
	if !m.editing || m.row != rowSchedule {
		sched = m.schedule.Value()
		if sched == "" {
			sched = "now"
		}
	}
	b.WriteString(m.label(rowSchedule, "Schedule") + sched + "\n")
	b.WriteString(m.label(rowConnection, "Connection") + orDefault(m.conns[m.conn]) + "\n")
	if note := m.connNote[m.conns[m.conn]]; note != "" {
		b.WriteString(st.Warn.Render(truncate("  ! "+note, m.width)) + "\n")
	}

	if m.err != "" {
		b.WriteString(st.Error.Render(truncate(m.err, m.width)) + "\n")
	}
	switch {
	case m.plan != nil:
		m.viewPlan(&b)
	case m.job != nil:
		m.viewJob(&b)
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *publishModel) label(row int, s string) string {
	st := m.c.styles
	mark := "  "
	l := st.Label
	if row == m.row {
		mark, l = "▸ ", st.Focus
	}
	return mark + l.Render(pad(s, 14))
}

func (m *publishModel) stateLabel() string {
	st := m.c.styles
	switch m.state {
	case "done":
		return st.OK.Render("published")
	case "failed":
		return st.Error.Render("failed")
	case "dry-run":
		return st.OK.Render("dry run: nothing was sent")
	case "submitting", "running":
		return st.Warn.Render(m.state + "…")
	case "":
		return st.Dim.Render("D dry run · P publish")
	}
	return st.Warn.Render(m.state)
}

func (m *publishModel) viewPlan(b *strings.Builder) {
	st := m.c.styles
	p := m.plan
	b.WriteString(st.Header.Render("Dry run") + truncate(fmt.Sprintf(" %s to %s via %s, key %s", p.Type, orDefault(p.Connection), p.Hosting, p.Key), m.width-7) + "\n")
	if p.Existing != nil {
		b.WriteString(st.Warn.Render(truncate("already published by job "+p.Existing.ID+": a real run would return it", m.width)) + "\n")
	}
	for _, it := range p.Items {
		what := it.Source
		if it.Render {
			what += " (rendered first)"
		}
		b.WriteString("  " + truncate(it.Kind+" "+what, m.width-2) + "\n")
	}
	for _, c := range p.Calls {
		keys := make([]string, 0, len(c.Params))
		for k := range c.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("  " + truncate(c.Method+" "+c.Path+" "+strings.Join(keys, ","), m.width-2) + "\n")
	}
}

func (m *publishModel) viewJob(b *strings.Builder) {
	st := m.c.styles
	j := m.job
	d := api.PublishDetailOf(j)
	line := "job " + j.ID
	if m.reused {
		line += " (reused: published before with the same key; nothing new was posted)"
	}
	b.WriteString(st.Header.Render(truncate(line, m.width)) + "\n")
	stage := m.last.Stage
	if d != nil && d.State != "" {
		stage = d.State
	}
	if stage == "" {
		stage = j.State
	}
	prog := fmt.Sprintf("stage %s · %.0f%%", stage, max(m.last.Percent, j.Percent))
	if m.last.Total > 0 {
		prog += fmt.Sprintf(" · %s of %s", fmtBytes(m.last.Bytes), fmtBytes(m.last.Total))
	}
	b.WriteString(truncate(prog, m.width) + "\n")
	if d != nil {
		if d.WaitReason != "" {
			b.WriteString(st.Warn.Render(truncate("waiting: "+d.WaitReason, m.width)) + "\n")
		}
		if d.Permalink != "" {
			b.WriteString(st.OK.Render("✓ ") + truncate(d.Permalink, m.width-2) + "\n")
		} else if m.state == "done" && d.MediaID != "" {
			b.WriteString(st.OK.Render("✓ media "+d.MediaID) + st.Dim.Render(" (no permalink yet)") + "\n")
		}
		for _, n := range d.Notes {
			b.WriteString(st.Dim.Render(truncate("note: "+n, m.width)) + "\n")
		}
	}
}
