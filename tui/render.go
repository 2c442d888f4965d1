package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/impress-dev/impress/api"
)

// renderModel renders the open project: a progress bar fed by the job's
// event stream (stage, percent, speed, ETA), esc to cancel, and the
// result with its validation report.
type renderModel struct {
	c       *common
	project string

	state string // "", starting, running, cancelling, done, failed, cancelled
	jobFollow
	result *api.RenderResult
	valid  *api.Validation
	err    string
	bar    progress.Model
	// outputs are the files rendered this session, for Run to print
	// when the editor closes.
	outputs []string

	width, height int
}

func newRender(c *common) *renderModel {
	bar := progress.New(progress.WithSolidFill("212"), progress.WithColorProfile(lipgloss.ColorProfile()))
	return &renderModel{c: c, bar: bar}
}

func (m *renderModel) Init() tea.Cmd { return nil }

func (m *renderModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.bar.Width = max(10, min(w-2, 70))
}

// running reports a render in progress.
func (m *renderModel) running() bool {
	return m.state == "starting" || m.state == "running" || m.state == "cancelling"
}

// start renders project (the timeline's, saved).
func (m *renderModel) start(project string) tea.Cmd {
	if project == "" {
		return statusCmd("open a project first (1: projects)")
	}
	if m.running() {
		return statusCmd("a render is running; esc cancels it")
	}
	m.watch.stop()
	*m = renderModel{c: m.c, bar: m.bar, width: m.width, height: m.height, project: project, state: "starting"}
	c := m.c
	return c.call("render "+project, func(ctx context.Context) (tea.Msg, error) {
		st, err := c.client.StartRender(ctx, api.RenderRequest{Project: project, Display: project})
		if err != nil {
			return nil, err
		}
		return renderStartedMsg{start: st}, nil
	})
}

func (m *renderModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case renderStartedMsg:
		if msg.preview {
			return nil
		}
		if msg.start.Result != nil {
			m.state, m.result = "done", msg.start.Result
			m.keepOutput()
			return m.validate()
		}
		if msg.start.Job == nil {
			m.state, m.err = "failed", "the daemon answered without a job or a result"
			return nil
		}
		m.job, m.state = msg.start.Job, "running"
		w, cmd := m.c.watchJob(msg.start.Job.ID)
		m.watch = w
		return cmd
	case jobEventMsg:
		ended, ok := m.event(msg)
		if !ok {
			return nil
		}
		if ended != nil {
			return tea.Batch(m.watch.next(), m.finish(ended))
		}
		return m.watch.next()
	case jobEndedMsg:
		if !m.ended(msg) {
			return nil
		}
		if msg.err != nil && m.running() {
			m.state, m.err = "failed", errorLine("render", msg.err)
		}
		return nil
	case jobCancelledMsg:
		if m.state == "cancelling" && msg.job != nil && msg.job.Terminal() && m.watch == nil {
			m.state = msg.job.State
		}
		return nil
	case validationMsg:
		m.valid = msg.v
		return nil
	case errMsg:
		// A failed start or cancel belongs to this screen too.
		if m.state == "starting" {
			m.state, m.err = "failed", errorLine(msg.op, msg.err)
		}
		return nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, m.c.keys.Cancel) && m.running() && m.job != nil:
			m.state = "cancelling"
			c, id := m.c, m.job.ID
			return c.call("cancel render", func(ctx context.Context) (tea.Msg, error) {
				j, err := c.client.CancelJob(ctx, id)
				if err != nil {
					return nil, err
				}
				return jobCancelledMsg{job: j}, nil
			})
		case key.Matches(msg, m.c.keys.Render) && !m.running():
			return m.start(m.project)
		}
	}
	return nil
}

// keepOutput remembers the result's file for the list printed at exit.
func (m *renderModel) keepOutput() {
	if m.result != nil && m.result.Output != "" && !slices.Contains(m.outputs, m.result.Output) {
		m.outputs = append(m.outputs, m.result.Output)
	}
}

// finish records a job's end and asks for the validation report.
func (m *renderModel) finish(j *api.Job) tea.Cmd {
	m.state = j.State
	switch j.State {
	case api.JobDone:
		m.result = api.ResultOf(j)
		m.keepOutput()
		return m.validate()
	case api.JobFailed:
		if j.Error != nil {
			m.err = errorLine("render", j.Error)
		} else {
			m.err = "render failed"
		}
	}
	return nil
}

func (m *renderModel) validate() tea.Cmd {
	c, project := m.c, m.project
	return c.call("validate", func(ctx context.Context) (tea.Msg, error) {
		v, err := c.client.Validate(ctx, api.ValidateRequest{Project: project, Display: project})
		if err != nil {
			return nil, err
		}
		return validationMsg{v: v}, nil
	})
}

// stop ends the event stream (the job goes on in the daemon).
func (m *renderModel) stop() { m.watch.stop() }

// breakAt breaks s into lines of at most w cells (a path has no spaces
// to wrap at).
func breakAt(s string, w int) string {
	if w <= 0 {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if n > 0 && n+rw > w {
			b.WriteByte('\n')
			n = 0
		}
		b.WriteRune(r)
		n += rw
	}
	return b.String()
}

func fmtETA(s float64) string {
	if s <= 0 {
		return "–"
	}
	return fmtClock(s)[:len(fmtClock(s))-4]
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (m *renderModel) View() string {
	st := m.c.styles
	if m.state == "" {
		if m.project == "" {
			return st.Dim.Render("Open a project (1) and press r on the timeline to render it.")
		}
		return st.Dim.Render("Press r to render " + m.project + ".")
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("Render "+m.project) + "  " + m.stateLabel() + "\n\n")
	pct := m.last.Percent
	if m.state == api.JobDone {
		pct = 100
	}
	stage := m.last.Stage
	if stage == "" {
		stage = m.state
	}
	speed := "–"
	if m.last.Speed > 0 {
		speed = fmt.Sprintf("%.2fx", m.last.Speed)
	}
	b.WriteString(fmt.Sprintf("stage %s · %.0f%% · speed %s · ETA %s\n", stage, pct, speed, fmtETA(m.last.ETA)))
	b.WriteString(m.bar.ViewAs(min(max(pct/100, 0), 1)) + "\n")
	if m.last.Message != "" {
		b.WriteString(st.Dim.Render(truncate(oneLine(m.last.Message), m.width)) + "\n")
	}
	if m.err != "" {
		b.WriteString("\n" + st.Error.Render(truncate(m.err, m.width)) + "\n")
	}
	if r := m.result; r != nil {
		// The path is shown whole, broken at the width rather than cut,
		// and printed again when the editor closes (Options.Outputs),
		// where it can be copied in one piece.
		b.WriteString("\n" + st.Label.Render("output") + "\n" + breakAt(r.Output, m.width) + "\n")
		how := fmt.Sprintf("rendered in %.1fs", r.Elapsed)
		if r.Cached {
			how = "from the render cache"
		} else if r.Remuxed {
			how = "remuxed without re-encoding"
		}
		b.WriteString(truncate(fmt.Sprintf("%dx%d · %.3g fps · %s/%s · %.2fs · %s · %s", r.Width, r.Height, r.FPS,
			r.VideoCodec, orDash(r.AudioCodec), r.Duration, fmtBytes(r.Size), how), m.width) + "\n")
	}
	if v := m.valid; v != nil {
		b.WriteString("\n")
		switch {
		case v.Job != nil:
			b.WriteString(st.Dim.Render("validation waits for a render") + "\n")
		case v.OK:
			b.WriteString(st.OK.Render("✓ publishable as "+v.Type) + "\n")
		default:
			b.WriteString(st.Error.Render(fmt.Sprintf("✗ %d rule(s) broken for %s:", len(v.Violations), v.Type)) + "\n")
			for _, vi := range v.Violations {
				b.WriteString("  " + truncate(vi.String(), m.width-2) + "\n")
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *renderModel) stateLabel() string {
	st := m.c.styles
	switch m.state {
	case api.JobDone:
		return st.OK.Render("done")
	case api.JobFailed:
		return st.Error.Render("failed")
	case api.JobCancelled:
		return st.Warn.Render("cancelled")
	case "cancelling":
		return st.Warn.Render("cancelling…")
	}
	return st.Dim.Render(m.state + " · esc cancels")
}
