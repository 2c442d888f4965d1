package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// Rows of the publish screen.
const (
	rowCaption = iota
	rowType
	rowCover
	rowShare
	rowSchedule
	rowConnection
	publishRows
)

var (
	publishTypes = []string{"", api.PublishReel, api.PublishStory}
	shareChoices = []string{"", "yes", "no"}
)

// publishModel prepares and follows a publish of the open project:
// caption (with live counts against Instagram's limits), type, cover,
// share-to-feed, schedule and connection; a dry run shows the plan, a
// publish follows the job to its permalink.
type publishModel struct {
	c       *common
	project string

	caption  textarea.Model
	cover    textinput.Model
	schedule textinput.Model
	typ      int
	share    int
	conns    []string
	conn     int
	// connNote says why a choice of conns cannot publish (disconnected,
	// removed by a purge or by Meta) and how to connect it again; the key
	// "" is the default connection.
	connNote map[string]string
	row      int
	editing  bool
	counts   captionCounts
	confirm  bool

	plan *api.PublishPlan
	jobFollow
	reused bool
	state  string // "", dry-run, submitting, running, done, failed
	err    string
	loaded string // project whose defaults were loaded

	width, height int
}

func newPublish(c *common) *publishModel {
	ta := textarea.New()
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.Placeholder = "Write the caption…"
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.CharLimit = 0
	ta.SetHeight(4)
	cv := newInput()
	cv.Prompt = ""
	cv.Placeholder = "seconds into the video, or a JPEG path"
	sc := newInput()
	sc.Prompt = ""
	sc.Placeholder = "now, or 2026-12-01 10:00 (local) / RFC 3339"
	return &publishModel{c: c, caption: ta, cover: cv, schedule: sc, conns: []string{""}}
}

func (m *publishModel) Init() tea.Cmd { return nil }

func (m *publishModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.caption.SetWidth(max(20, w-4))
	m.caption.SetHeight(max(2, min(6, h-16)))
	m.cover.Width, m.schedule.Width = max(10, w-20), max(10, w-20)
}

func (m *publishModel) capturing() bool { return m.editing || m.confirm }

// enter loads the project's publish defaults the first time it is shown,
// and the connections every time (a login may have happened meanwhile).
func (m *publishModel) enter(project string, s *api.Spec) tea.Cmd {
	if project != m.loaded && s != nil {
		m.loaded, m.project = project, project
		m.plan, m.job, m.state, m.err, m.reused = nil, nil, "", "", false
		m.caption.SetValue("")
		m.typ, m.share = 0, 0
		m.cover.SetValue("")
		if p := s.Publish; p != nil {
			m.caption.SetValue(p.Caption)
			m.typ = max(0, indexOf(publishTypes, p.Type))
			if p.ShareToFeed != nil {
				m.share = map[bool]int{true: 1, false: 2}[*p.ShareToFeed]
			}
			if p.ThumbOffset != nil {
				m.cover.SetValue(fmtNum(float64(*p.ThumbOffset) / 1000))
			}
		}
		m.counts = countCaption(m.caption.Value())
	}
	c := m.c
	return c.call("connections", func(ctx context.Context) (tea.Msg, error) {
		st, err := c.client.AuthStatus(ctx)
		if err != nil {
			return nil, err
		}
		return connectionsMsg{status: st}, nil
	})
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// request builds the publish request from the fields.
func (m *publishModel) request(dry bool) (api.PublishRequest, error) {
	r := api.PublishRequest{Targets: []string{m.project}, Type: publishTypes[m.typ], Connection: m.conns[m.conn],
		DryRun: dry, Display: m.project}
	if m.c.opts.Connection != "" && r.Connection == "" {
		r.Connection = m.c.opts.Connection
	}
	capt := m.caption.Value()
	r.Caption = &capt
	if v := strings.TrimSpace(m.cover.Value()); v != "" {
		if sec, err := strconv.ParseFloat(v, 64); err == nil {
			if sec < 0 {
				return r, fmt.Errorf("cover: %q is before the start", v)
			}
			ms := int(sec*1000 + 0.5)
			r.ThumbOffsetMS = &ms
		} else {
			if !filepath.IsAbs(v) {
				v = filepath.Join(m.c.opts.StartDir, v)
			}
			r.Cover = v
		}
	}
	switch shareChoices[m.share] {
	case "yes":
		t := true
		r.ShareToFeed = &t
	case "no":
		f := false
		r.ShareToFeed = &f
	}
	at, err := parseSchedule(strings.TrimSpace(m.schedule.Value()), m.c.opts.Now())
	if err != nil {
		return r, err
	}
	r.At = at
	return r, nil
}

// parseSchedule reads "" or "now" (publish at once), RFC 3339, or a local
// "2006-01-02 15:04"; the time must be in the future.
func parseSchedule(s string, now time.Time) (*time.Time, error) {
	if s == "" || s == "now" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02 15:04", s, time.Local)
	}
	if err != nil {
		return nil, fmt.Errorf("schedule: %q is not a time (2026-12-01 10:00 or RFC 3339)", s)
	}
	if !t.After(now) {
		return nil, fmt.Errorf("schedule: %s is in the past", t.Format(time.RFC3339))
	}
	t = t.UTC()
	return &t, nil
}

func (m *publishModel) submit(dry bool) tea.Cmd {
	if m.project == "" {
		return statusCmd("open a project first (1: projects)")
	}
	if m.state == "running" || m.state == "submitting" {
		return statusCmd("a publish is under way")
	}
	if !m.counts.ok() {
		return statusCmd("the caption breaks Instagram's limits; shorten it first")
	}
	r, err := m.request(dry)
	if err != nil {
		return statusCmd(err.Error())
	}
	m.state, m.err, m.plan, m.job, m.reused = "submitting", "", nil, nil, false
	m.last = api.JobEvent{}
	c := m.c
	op := "publish"
	if dry {
		op = "dry run"
	}
	return c.call(op, func(ctx context.Context) (tea.Msg, error) {
		res, err := c.client.Publish(ctx, r)
		if err != nil {
			return nil, err
		}
		return publishedMsg{res: res, dryRun: dry}, nil
	})
}

// saveDefaults stores caption, type, share and cover offset as the
// spec's publish defaults, through the timeline (undoable, saved).
func (m *publishModel) saveDefaults(t *timelineModel) tea.Cmd {
	capt, typ, share, cover := m.caption.Value(), publishTypes[m.typ], shareChoices[m.share], strings.TrimSpace(m.cover.Value())
	return t.edit(func(d doc) error {
		p := d.spec.Publish
		if p == nil {
			p = &api.SpecPublish{}
		}
		p.Caption, p.Type = capt, typ
		p.ShareToFeed = nil
		if share != "" {
			b := share == "yes"
			p.ShareToFeed = &b
		}
		p.ThumbOffset = nil
		if sec, err := strconv.ParseFloat(cover, 64); err == nil && sec >= 0 {
			ms := int(sec*1000 + 0.5)
			p.ThumbOffset = &ms
		}
		d.spec.Publish = p
		return nil
	})
}

func (m *publishModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case connectionsMsg:
		m.conns = []string{""}
		for _, cn := range msg.status.Connections {
			m.conns = append(m.conns, cn.Connection)
		}
		m.conn = min(m.conn, len(m.conns)-1)
		m.connNote = connNotes(msg.status)
		return nil
	case publishedMsg:
		return m.published(msg)
	case jobEventMsg:
		ended, ok := m.event(msg)
		if !ok {
			return nil
		}
		if ended != nil {
			m.finish(ended)
		}
		return m.watch.next()
	case jobEndedMsg:
		if !m.ended(msg) {
			return nil
		}
		if msg.err != nil && m.state == "running" {
			m.state, m.err = "failed", errorLine("publish", msg.err)
		}
		return nil
	case errMsg:
		if m.state == "submitting" {
			m.state, m.err = "failed", errorLine(msg.op, msg.err)
		}
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	if m.editing {
		return m.updateField(msg)
	}
	return nil
}

func (m *publishModel) published(msg publishedMsg) tea.Cmd {
	res := msg.res
	if msg.dryRun {
		m.state, m.plan = "dry-run", res.Plan
		return nil
	}
	m.reused, m.job = res.Reused, res.Job
	if res.Job == nil {
		m.state, m.err = "failed", "the daemon answered without a job"
		return nil
	}
	if res.Job.Terminal() {
		m.finish(res.Job)
		return nil
	}
	m.state = "running"
	m.watch.stop()
	w, cmd := m.c.watchJob(res.Job.ID)
	m.watch = w
	return cmd
}

func (m *publishModel) finish(j *api.Job) {
	m.job = j
	switch {
	case j.State == api.JobDone:
		m.state = "done"
	case j.Error != nil:
		m.state, m.err = "failed", errorLine("publish", j.Error)
	default:
		m.state = j.State
	}
}

func (m *publishModel) key(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	if m.confirm {
		m.confirm = false
		if key.Matches(k, keys.Yes) {
			return m.submit(false)
		}
		return statusCmd("publish not sent")
	}
	if m.editing {
		if key.Matches(k, keys.Back) || (m.row != rowCaption && key.Matches(k, keys.Submit)) {
			m.editing = false
			m.caption.Blur()
			m.cover.Blur()
			m.schedule.Blur()
			return nil
		}
		return m.updateField(k)
	}
	switch {
	case key.Matches(k, keys.Up):
		m.row = max(m.row-1, 0)
	case key.Matches(k, keys.Down):
		m.row = min(m.row+1, publishRows-1)
	case key.Matches(k, keys.Field), key.Matches(k, keys.Toggle):
		return m.activate()
	case key.Matches(k, keys.DryRun):
		return m.submit(true)
	case key.Matches(k, keys.DoPublish):
		if m.project == "" {
			return statusCmd("open a project first (1: projects)")
		}
		m.confirm = true
		return statusCmd("publish " + m.project + " to Instagram now? y to confirm, any other key to cancel")
	}
	return nil
}

// activate edits a text row or steps a choice row.
func (m *publishModel) activate() tea.Cmd {
	switch m.row {
	case rowCaption:
		m.editing = true
		return m.caption.Focus()
	case rowCover:
		m.editing = true
		return m.cover.Focus()
	case rowSchedule:
		m.editing = true
		return m.schedule.Focus()
	case rowType:
		m.typ = (m.typ + 1) % len(publishTypes)
	case rowShare:
		m.share = (m.share + 1) % len(shareChoices)
	case rowConnection:
		m.conn = (m.conn + 1) % len(m.conns)
	}
	return nil
}

func (m *publishModel) updateField(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.row {
	case rowCaption:
		m.caption, cmd = m.caption.Update(msg)
		m.counts = countCaption(m.caption.Value())
	case rowCover:
		m.cover, cmd = m.cover.Update(msg)
	case rowSchedule:
		m.schedule, cmd = m.schedule.Update(msg)
	}
	return cmd
}

func (m *publishModel) stop() { m.watch.stop() }

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

// connNotes says, per connection, why it cannot publish and the command
// that connects it again: a disconnected or expired one, and, for the
// default choice when no connection is left, the one a purge or Meta's
// deletion request removed (with its confirmation code).
func connNotes(st *api.AuthStatus) map[string]string {
	out := map[string]string{}
	for _, c := range st.Connections {
		if c.State != api.ConnDisconnected && c.State != api.ConnLoginNeeded {
			continue
		}
		note := strings.ReplaceAll(c.State, "_", " ")
		if c.StateReason != "" {
			note = c.StateReason
		}
		if c.Fix != "" {
			note += "; connect again: " + c.Fix
		}
		out[c.Connection] = note
		if c.Default {
			out[""] = c.Connection + ": " + note
		}
	}
	if len(st.Connections) == 0 && len(st.Removed) > 0 {
		r := st.Removed[0] // newest first
		out[""] = r.Connection + " " + r.Message + "; connect again: " + r.Fix
	}
	return out
}
