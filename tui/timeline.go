package tui

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// pane is one part of the timeline screen.
type pane int

const (
	paneClips pane = iota
	paneTexts
	paneCaptions
	paneMusic
	paneOverlays // read-only: overlays and the spec's defaults
)

var paneNames = []string{"Clips", "Texts", "Captions", "Music", "Overlays"}

// timelineModel is the open project: its clips and panes, the cursor, the
// undo history and the saver.
//
// Saving: every accepted edit bumps gen and asks for a save. At most one
// save is in flight, so the daemon sees the edits in order; when it
// answers and newer edits exist, the newest spec is saved next. Saves of
// intermediate states may be skipped, never reordered.
type timelineModel struct {
	c       *common
	project *api.Project
	d       doc
	hist    history

	cursor int     // selected clip
	offset float64 // cursor time inside the clip, output seconds
	top    int     // first visible row
	pane   pane
	rows   [5]int // cursor of each list pane (texts, music use theirs)

	gen, savedGen int
	saving        bool
	saveErr       string

	picker *picker
	form   *form
	// pendingCmd is the save a form's edit asked for; forms report
	// errors, not commands, so the timeline collects it after the form.
	pendingCmd tea.Cmd

	width, height int
}

func newTimeline(c *common) *timelineModel { return &timelineModel{c: c} }

func (m *timelineModel) Init() tea.Cmd { return nil }

func (m *timelineModel) SetSize(w, h int) {
	m.width, m.height = w, h
	if m.picker != nil {
		m.picker.SetSize(w, h)
	}
	if m.form != nil {
		m.form.SetSize(w, h)
	}
	m.scroll()
}

// loaded reports whether a project is open.
func (m *timelineModel) loaded() bool { return m.d.spec != nil }

// open shows a project just read from the daemon.
func (m *timelineModel) open(p *api.Project, s *api.Spec) {
	m.project, m.d = p, doc{spec: s, assets: assetMap(p)}
	m.hist.reset()
	m.cursor, m.offset, m.top, m.pane, m.rows = 0, 0, 0, paneClips, [5]int{}
	m.gen, m.savedGen, m.saving, m.saveErr = 0, 0, false, ""
	m.picker, m.form = nil, nil
}

// capturing reports whether keys belong to a text field or the picker.
func (m *timelineModel) capturing() bool { return m.form != nil || m.picker != nil }

// busy reports a save in flight or owed.
func (m *timelineModel) busy() bool { return m.saving || m.gen != m.savedGen && m.saveErr == "" }

// openCmd loads a project for the timeline.
func openProjectCmd(c *common, name string) tea.Cmd {
	return c.call("open "+name, func(ctx context.Context) (tea.Msg, error) {
		p, s, err := c.client.ProjectSpec(ctx, name)
		if err != nil {
			return nil, err
		}
		return projectOpenedMsg{project: p, spec: s}, nil
	})
}

// edit applies fn to the spec; when it changes something the previous
// state goes to the history and a save is asked for. A refusal is shown
// on the status line and changes nothing.
func (m *timelineModel) edit(fn func(d doc) error) tea.Cmd {
	if !m.loaded() {
		return statusCmd("open a project first (1: projects)")
	}
	before := cloneSpec(m.d.spec)
	if err := fn(m.d); err != nil {
		m.d.spec = before
		return statusCmd(err.Error())
	}
	m.hist.record(before)
	m.clampCursor()
	m.gen++
	return m.save()
}

// save sends the current spec unless a save is in flight (then the
// answer triggers the next one).
func (m *timelineModel) save() tea.Cmd {
	if m.saving || !m.loaded() {
		return nil
	}
	m.saving = true
	gen, spec, c := m.gen, cloneSpec(m.d.spec), m.c
	ctx, timeout := c.ctx, c.opts.CallTimeout
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		p, err := c.client.SaveSpec(cctx, spec)
		return specSavedMsg{gen: gen, project: p, err: err}
	}
}

func (m *timelineModel) saved(msg specSavedMsg) tea.Cmd {
	m.saving = false
	if msg.err != nil {
		m.saveErr = errorLine("save", msg.err)
		return func() tea.Msg { return errMsg{op: "not saved", err: msg.err} }
	}
	m.saveErr = ""
	m.savedGen = msg.gen
	if msg.project != nil {
		m.project.Duration, m.project.UpdatedAt = msg.project.Duration, msg.project.UpdatedAt
		if len(msg.project.Assets) > 0 {
			m.project.Assets = msg.project.Assets
			m.d.assets = assetMap(m.project)
		}
	}
	if m.gen != m.savedGen {
		return m.save()
	}
	return nil
}

func (m *timelineModel) undo() tea.Cmd { return m.travel(m.hist.undo, "nothing to undo", "undone") }

func (m *timelineModel) redo() tea.Cmd { return m.travel(m.hist.redo, "nothing to redo", "redone") }

// travel moves the spec to the state step (undo or redo) gives, and saves
// it; none and done are what the status line says.
func (m *timelineModel) travel(step func(*api.Spec) (*api.Spec, bool), none, done string) tea.Cmd {
	next, ok := step(m.d.spec)
	if !ok {
		return statusCmd(none)
	}
	m.d.spec = next
	m.clampCursor()
	m.gen++
	return tea.Batch(m.save(), statusCmd(done))
}

// saveNow saves even without changes (ctrl+s): a failed save retried, or
// the user's wish to see it stored.
func (m *timelineModel) saveNow() tea.Cmd {
	m.saveErr = ""
	if m.gen == m.savedGen {
		m.gen++
	}
	return m.save()
}

func (m *timelineModel) clampCursor() {
	n := len(m.d.spec.Clips)
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	if n > 0 {
		l, ok := m.d.length(&m.d.spec.Clips[m.cursor])
		if ok {
			m.offset = min(m.offset, max(0, l-0.001))
		}
	}
	m.offset = max(m.offset, 0)
	m.scroll()
}

// listRows is how many clip rows fit under the timeline's headers.
func (m *timelineModel) listRows() int { return max(1, m.height-4) }

func (m *timelineModel) scroll() {
	m.top = max(0, scrollTop(m.top, m.cursor, m.listRows()))
}

// moveCursor selects another clip; the cursor time starts at its start.
func (m *timelineModel) moveCursor(d int) {
	if !m.loaded() || len(m.d.spec.Clips) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+d, 0), len(m.d.spec.Clips)-1)
	m.offset = 0
	m.scroll()
}

// seek moves the cursor time inside the clip by d output seconds.
func (m *timelineModel) seek(d float64) {
	if !m.loaded() || len(m.d.spec.Clips) == 0 {
		return
	}
	c := &m.d.spec.Clips[m.cursor]
	l, ok := m.d.length(c)
	if !ok {
		l = m.offset + max(d, 0) + 1
	}
	last := max(0, l-1/m.d.fps(c)/speedOf(c))
	m.offset = roundMS(min(max(m.offset+d, 0), last))
}

// frameStep is one source frame in output seconds at the cursor.
func (m *timelineModel) frameStep() float64 {
	if !m.loaded() || len(m.d.spec.Clips) == 0 {
		return 1 / defaultFPS
	}
	c := &m.d.spec.Clips[m.cursor]
	return 1 / m.d.fps(c) / speedOf(c)
}

// target is what the preview should show: the source frame under the
// cursor (false: nothing to show).
func (m *timelineModel) target() (path string, at float64, fit string, ok bool) {
	if !m.loaded() || len(m.d.spec.Clips) == 0 {
		return "", 0, "", false
	}
	c := &m.d.spec.Clips[m.cursor]
	switch {
	case isCard(c):
		return "", 0, "", false // no file: a card is its colours
	case isImage(c):
		return c.Image, 0, m.d.fitOf(c), true
	}
	at = c.In + m.offset*speedOf(c)
	if src := m.d.sourceLen(c); src > 0 {
		at = min(at, max(0, src-1/m.d.fps(c)))
	}
	return c.Video, roundMS(at), m.d.fitOf(c), true
}

// aspect is the output frame's width/height for the project's preset.
func (m *timelineModel) aspect() float64 {
	if !m.loaded() {
		return 9.0 / 16
	}
	switch m.d.spec.Preset {
	case "feed":
		return 4.0 / 5
	case "square":
		return 1
	}
	return 9.0 / 16
}

func (m *timelineModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case projectOpenedMsg:
		m.open(msg.project, msg.spec)
		return statusCmd("opened " + msg.project.Name)
	case specSavedMsg:
		return m.saved(msg)
	case fileChosenMsg:
		return m.importFile(msg)
	case assetAddedMsg:
		return m.assetAdded(msg)
	}
	if m.picker != nil {
		cmd := m.picker.Update(msg)
		if m.picker.done {
			m.picker = nil
		}
		return cmd
	}
	if m.form != nil {
		cmd := m.form.Update(msg)
		if m.form.done {
			m.form = nil
		}
		cmd, m.pendingCmd = tea.Batch(cmd, m.pendingCmd), nil
		return cmd
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok || !m.loaded() {
		return nil
	}
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.NextPane):
		m.pane = (m.pane + 1) % pane(len(paneNames))
		return nil
	case key.Matches(k, keys.Undo):
		return m.undo()
	case key.Matches(k, keys.Redo):
		return m.redo()
	case key.Matches(k, keys.Save):
		return m.saveNow()
	}
	if m.pane != paneClips {
		return m.updatePane(k)
	}
	return m.updateClips(k)
}

func (m *timelineModel) updateClips(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	i := m.cursor
	frame := func() float64 {
		if len(m.d.spec.Clips) == 0 {
			return 1 / defaultFPS
		}
		return 1 / m.d.fps(&m.d.spec.Clips[i])
	}
	if m.navigate(k) {
		return nil
	}
	switch {
	case key.Matches(k, keys.MoveUp), key.Matches(k, keys.MoveDown):
		dir := 1
		if key.Matches(k, keys.MoveUp) {
			dir = -1
		}
		return m.edit(func(d doc) error {
			j, err := d.move(i, dir)
			m.cursor = j
			return err
		})
	case key.Matches(k, keys.InFrameBack):
		return m.edit(func(d doc) error { return d.trimIn(i, -frame()) })
	case key.Matches(k, keys.InFrameFwd):
		return m.edit(func(d doc) error { return d.trimIn(i, frame()) })
	case key.Matches(k, keys.InSecBack):
		return m.edit(func(d doc) error { return d.trimIn(i, -1) })
	case key.Matches(k, keys.InSecFwd):
		return m.edit(func(d doc) error { return d.trimIn(i, 1) })
	case key.Matches(k, keys.OutFrameBack):
		return m.edit(func(d doc) error { return d.trimOut(i, -frame()) })
	case key.Matches(k, keys.OutFrameFwd):
		return m.edit(func(d doc) error { return d.trimOut(i, frame()) })
	case key.Matches(k, keys.OutSecBack):
		return m.edit(func(d doc) error { return d.trimOut(i, -1) })
	case key.Matches(k, keys.OutSecFwd):
		return m.edit(func(d doc) error { return d.trimOut(i, 1) })
	case key.Matches(k, keys.Fit):
		return m.edit(func(d doc) error { return d.cycleFit(i) })
	case key.Matches(k, keys.SpeedUp):
		return m.edit(func(d doc) error { return d.stepSpeed(i, 1) })
	case key.Matches(k, keys.SpeedDown):
		return m.edit(func(d doc) error { return d.stepSpeed(i, -1) })
	case key.Matches(k, keys.VolumeUp):
		return m.edit(func(d doc) error { return d.stepVolume(i, 0.1) })
	case key.Matches(k, keys.VolumeDown):
		return m.edit(func(d doc) error { return d.stepVolume(i, -0.1) })
	case key.Matches(k, keys.Mute):
		return m.edit(func(d doc) error { return d.toggleMute(i) })
	case key.Matches(k, keys.Transition):
		return m.edit(func(d doc) error { return d.cycleTransition(i) })
	case key.Matches(k, keys.TransitionLen):
		return m.edit(func(d doc) error { return d.cycleTransitionLen(i) })
	case key.Matches(k, keys.Zoom):
		return m.edit(func(d doc) error { return d.cycleZoom(i) })
	case key.Matches(k, keys.Edit):
		return m.clipForm(i)
	case key.Matches(k, keys.Remove):
		return m.edit(func(d doc) error { return d.remove(i) })
	case key.Matches(k, keys.Add):
		return m.openPicker(paneClips, "Add a clip or an image after the cursor", clipTypes)
	}
	return nil
}

// navigate moves the cursor (clip and time) and reports whether k was a
// cursor key; the preview screen uses it alone.
func (m *timelineModel) navigate(k tea.KeyMsg) bool {
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.Up):
		m.moveCursor(-1)
	case key.Matches(k, keys.Down):
		m.moveCursor(1)
	case key.Matches(k, keys.Left):
		m.seek(-1)
	case key.Matches(k, keys.Right):
		m.seek(1)
	case key.Matches(k, keys.FrameLeft):
		m.seek(-m.frameStep())
	case key.Matches(k, keys.FrameRight):
		m.seek(m.frameStep())
	default:
		return false
	}
	return true
}

func (m *timelineModel) openPicker(p pane, title string, types []string) tea.Cmd {
	pk, cmd := newPicker(m.c, p, title, types, m.height-3)
	m.picker = pk
	return cmd
}

// importFile imports a picked file into the project first: the daemon
// probes it and refuses what is not media before the timeline changes.
func (m *timelineModel) importFile(msg fileChosenMsg) tea.Cmd {
	if !m.loaded() {
		return nil
	}
	c, name := m.c, m.d.spec.Name
	return c.call("add "+msg.path, func(ctx context.Context) (tea.Msg, error) {
		res, err := c.client.AddAssets(ctx, name, api.AddAssetsRequest{Paths: []string{msg.path}})
		if err != nil {
			return nil, err
		}
		if len(res.Assets) != 1 {
			return nil, fmt.Errorf("the daemon imported %d files for one", len(res.Assets))
		}
		return assetAddedMsg{pane: msg.pane, asset: res.Assets[0]}, nil
	})
}

func (m *timelineModel) assetAdded(msg assetAddedMsg) tea.Cmd {
	if !m.loaded() {
		return nil
	}
	a := msg.asset
	m.d.assets[a.Path] = a
	m.project.Assets = append(m.project.Assets, a)
	switch msg.pane {
	case paneCaptions:
		return m.edit(func(d doc) error {
			if a.Kind != "subtitle" {
				return fmt.Errorf("%s is %s, not SRT or WebVTT captions", a.Name, a.Kind)
			}
			if d.spec.Captions == nil {
				d.spec.Captions = &api.SpecCaptions{}
			}
			d.spec.Captions.File = a.Path
			return nil
		})
	case paneMusic:
		return m.edit(func(d doc) error {
			if a.Kind != "audio" && a.Kind != "video" {
				return fmt.Errorf("%s is %s, not audio", a.Name, a.Kind)
			}
			d.spec.Audio = append(d.spec.Audio, api.SpecTrack{File: a.Path})
			m.rows[paneMusic] = len(d.spec.Audio) - 1
			return nil
		})
	}
	i := m.cursor
	if len(m.d.spec.Clips) == 0 {
		i = -1
	}
	return m.edit(func(d doc) error {
		j, err := d.insert(i, a)
		m.cursor, m.offset = j, 0
		return err
	})
}
