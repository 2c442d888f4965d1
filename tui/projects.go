package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/humantime"
)

// projectRow is a project with its last render and publish.
type projectRow struct {
	p                   api.Project
	render, publish     time.Time
	renderSt, publishSt string
}

// projectsModel lists projects: filter, create, open, rename, delete.
type projectsModel struct {
	c       *common
	rows    []projectRow
	shown   []int // indexes of rows that pass the filter
	cursor  int
	top     int
	loading bool

	filter    textinput.Model
	filtering bool
	input     textinput.Model
	mode      string // "", new, rename, delete
	target    string // the project rename/delete acts on

	width, height int
}

func newProjects(c *common) *projectsModel {
	f := newInput()
	f.Prompt = "/"
	in := newInput()
	in.CharLimit = 100
	return &projectsModel{c: c, filter: f, input: in}
}

func (m *projectsModel) Init() tea.Cmd { return m.reload() }

func (m *projectsModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.Width, m.filter.Width = max(10, w-20), max(10, w-4)
}

func (m *projectsModel) capturing() bool { return m.filtering || m.mode != "" }

func (m *projectsModel) reload() tea.Cmd {
	m.loading = true
	c := m.c
	return c.call("projects", func(ctx context.Context) (tea.Msg, error) {
		ps, err := c.client.Projects(ctx)
		if err != nil {
			return nil, err
		}
		// Jobs only decorate the list: without them it still works.
		jobs, jerr := c.client.Jobs(ctx, "")
		return projectsLoadedMsg{projects: ps, jobs: jobs, jobsErr: jerr}, nil
	})
}

// lastJobs finds each project's newest render and publish job.
func lastJobs(rows []projectRow, jobs []api.Job) {
	idx := map[string]int{}
	for i, r := range rows {
		idx[r.p.Name] = i
	}
	for _, j := range jobs {
		switch j.Kind {
		case api.JobRender:
			var d api.RenderDetail
			if json.Unmarshal(j.Detail, &d) != nil || d.Request.Project == "" || d.Request.Preview {
				continue
			}
			if i, ok := idx[d.Request.Project]; ok && j.UpdatedAt.After(rows[i].render) {
				rows[i].render, rows[i].renderSt = j.UpdatedAt, j.State
			}
		case api.JobPublish:
			d := api.PublishDetailOf(&j)
			if d == nil {
				continue
			}
			for _, it := range d.Items {
				if i, ok := idx[it.Source]; ok && it.SourceKind == "project" && j.UpdatedAt.After(rows[i].publish) {
					st := d.State
					if st == "" {
						st = j.State
					}
					rows[i].publish, rows[i].publishSt = j.UpdatedAt, st
				}
			}
		}
	}
}

func (m *projectsModel) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	m.shown = m.shown[:0]
	for i, r := range m.rows {
		if q == "" || strings.Contains(strings.ToLower(r.p.Name), q) {
			m.shown = append(m.shown, i)
		}
	}
	m.cursor = min(m.cursor, max(0, len(m.shown)-1))
	m.scroll()
}

func (m *projectsModel) selected() (api.Project, bool) {
	if len(m.shown) == 0 {
		return api.Project{}, false
	}
	return m.rows[m.shown[m.cursor]].p, true
}

func (m *projectsModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case projectsLoadedMsg:
		m.loading = false
		m.rows = m.rows[:0]
		for _, p := range msg.projects {
			m.rows = append(m.rows, projectRow{p: p})
		}
		lastJobs(m.rows, msg.jobs)
		m.applyFilter()
		return nil
	case projectCreatedMsg:
		return tea.Batch(m.reload(), openProjectCmd(m.c, msg.project.Name))
	case projectDeletedMsg:
		return tea.Batch(m.reload(), statusCmd("deleted "+msg.name))
	case projectRenamedMsg:
		return tea.Batch(m.reload(), statusCmd("renamed "+msg.from+" to "+msg.to))
	case errMsg:
		if msg.op == "projects" {
			m.loading = false
		}
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	if m.filtering {
		return feed(&m.filter, msg)
	}
	if m.mode == "new" || m.mode == "rename" {
		return feed(&m.input, msg)
	}
	return nil
}

func (m *projectsModel) key(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	switch {
	case m.filtering:
		if key.Matches(k, keys.Back) {
			m.filter.SetValue("")
		}
		if key.Matches(k, keys.Back) || key.Matches(k, keys.Submit) {
			m.filtering = false
			m.filter.Blur()
			m.applyFilter()
			return nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(k)
		m.applyFilter()
		return cmd
	case m.mode == "delete":
		m.mode = ""
		if key.Matches(k, keys.Yes) {
			return m.delete(m.target)
		}
		return statusCmd("not deleted")
	case m.mode != "":
		switch {
		case key.Matches(k, keys.Back):
			m.mode = ""
			m.input.Blur()
			return nil
		case key.Matches(k, keys.Submit):
			name := strings.TrimSpace(m.input.Value())
			mode := m.mode
			m.mode = ""
			m.input.Blur()
			if name == "" {
				return statusCmd("a project needs a name")
			}
			if mode == "new" {
				return m.create(name)
			}
			return m.rename(m.target, name)
		}
		return feed(&m.input, k)
	}
	switch {
	case key.Matches(k, keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(k, keys.Down):
		m.cursor = min(m.cursor+1, max(0, len(m.shown)-1))
	case key.Matches(k, keys.Reload):
		return m.reload()
	case key.Matches(k, keys.Filter):
		m.filtering = true
		return m.filter.Focus()
	case key.Matches(k, keys.Open):
		if p, ok := m.selected(); ok {
			return openProjectCmd(m.c, p.Name)
		}
	case key.Matches(k, keys.New):
		m.mode = "new"
		m.input.Prompt = "new project name: "
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(k, keys.Rename):
		if p, ok := m.selected(); ok {
			m.mode, m.target = "rename", p.Name
			m.input.Prompt = "rename " + p.Name + " to: "
			m.input.SetValue(p.Name)
			m.input.CursorEnd()
			return m.input.Focus()
		}
	case key.Matches(k, keys.Delete):
		if p, ok := m.selected(); ok {
			m.mode, m.target = "delete", p.Name
			return statusCmd("delete project " + p.Name + "? y to confirm, any other key to keep it")
		}
	}
	m.scroll()
	return nil
}

func (m *projectsModel) create(name string) tea.Cmd {
	c := m.c
	return c.call("new project", func(ctx context.Context) (tea.Msg, error) {
		p, err := c.client.CreateProject(ctx, api.NewProjectRequest{Name: name})
		if err != nil {
			return nil, err
		}
		return projectCreatedMsg{project: p}, nil
	})
}

// rename stores the spec under the new name, then removes the old
// project; the media stay in the store, so nothing is copied.
func (m *projectsModel) rename(from, to string) tea.Cmd {
	if from == to {
		return nil
	}
	c := m.c
	return c.call("rename", func(ctx context.Context) (tea.Msg, error) {
		if _, _, err := c.client.ProjectSpec(ctx, to); err == nil {
			return nil, fmt.Errorf("a project named %q exists already", to)
		} else if !api.IsNotFound(err) {
			return nil, err
		}
		_, s, err := c.client.ProjectSpec(ctx, from)
		if err != nil {
			return nil, err
		}
		s.Name = to
		if _, err := c.client.SaveSpec(ctx, s); err != nil {
			return nil, err
		}
		if err := c.client.DeleteProject(ctx, from); err != nil {
			return nil, fmt.Errorf("%q was copied to %q but not removed: %w", from, to, err)
		}
		return projectRenamedMsg{from: from, to: to}, nil
	})
}

func (m *projectsModel) delete(name string) tea.Cmd {
	c := m.c
	return c.call("delete "+name, func(ctx context.Context) (tea.Msg, error) {
		if err := c.client.DeleteProject(ctx, name); err != nil {
			return nil, err
		}
		return projectDeletedMsg{name: name}, nil
	})
}

func (m *projectsModel) listRows() int { return max(1, m.height-3) }

func (m *projectsModel) scroll() {
	m.top = scrollTop(m.top, m.cursor, m.listRows())
}

// ago is a short relative time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if s, ok := humantime.Ago(d); ok {
		return s
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func projectLine(w int, mark, name, dur, clips, render, publish string) string {
	nw := max(8, w-2-9-7-18-18)
	return mark + pad(name, nw) + pad(dur, 9) + pad(clips, 7) + pad(render, 18) + truncate(publish, 18)
}

func (m *projectsModel) View() string {
	st := m.c.styles
	var b strings.Builder
	now := m.c.opts.Now()
	title := st.Title.Render("Projects") + st.Dim.Render(fmt.Sprintf("  %d", len(m.rows)))
	if m.loading {
		title += st.Dim.Render("  loading…")
	}
	b.WriteString(title + "\n")
	switch {
	case m.filtering || m.filter.Value() != "":
		b.WriteString(m.filter.View() + "\n")
	case m.mode == "new" || m.mode == "rename":
		b.WriteString(m.input.View() + "\n")
	default:
		b.WriteString(st.Header.Render(projectLine(m.width, "  ", "name", "length", "clips", "last render", "last publish")) + "\n")
	}
	if len(m.shown) == 0 && !m.loading {
		if len(m.rows) == 0 {
			b.WriteString(st.Dim.Render("  no projects yet: n creates one, or `impress project apply SPEC`") + "\n")
		} else {
			b.WriteString(st.Dim.Render("  nothing matches the filter") + "\n")
		}
	}
	h := m.listRows()
	for i := m.top; i < len(m.shown) && i < m.top+h; i++ {
		r := m.rows[m.shown[i]]
		render, publish := ago(now, r.render), ago(now, r.publish)
		if r.renderSt != "" && r.renderSt != api.JobDone {
			render += " " + r.renderSt
		}
		if r.publishSt != "" && r.publishSt != api.PubPublished {
			publish += " " + r.publishSt
		}
		mark := "  "
		if i == m.cursor {
			mark = "▸ "
		}
		line := projectLine(m.width, mark, r.p.Name, fmtClock(r.p.Duration)[:len(fmtClock(r.p.Duration))-2], fmt.Sprint(r.p.Clips), render, publish)
		if i == m.cursor {
			line = st.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}
