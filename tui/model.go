package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

type screen int

const (
	scrProjects screen = iota
	scrTimeline
	scrPreview
	scrRender
	scrPublish
	scrInbox
)

var screenNames = []string{"1 Projects", "2 Timeline", "3 Preview", "4 Render", "5 Publish", "6 Inbox"}

// sidePreviewWidth is the terminal width from which the timeline shows
// the preview beside the clips.
const sidePreviewWidth = 110

// Model is the editor: one sub-model per screen, the status line, the
// help overlay. Create it with [New]; [Run] runs it in the terminal.
type Model struct {
	c        *common
	screen   screen
	projects *projectsModel
	timeline *timelineModel
	preview  *previewModel
	render   *renderModel
	publish  *publishModel
	inbox    *inboxModel

	help          bool
	helpTop       int
	status        string
	statusErr     bool
	quitAfterSave bool

	width, height int
}

// New returns the editor's model. ctx bounds every daemon call the editor
// makes; cancel it (or quit) to end them.
func New(ctx context.Context, c Client, o Options) *Model {
	cm := newCommon(ctx, c, o)
	m := &Model{c: cm, projects: newProjects(cm), timeline: newTimeline(cm), preview: newPreview(cm),
		render: newRender(cm), publish: newPublish(cm), inbox: newInbox(cm), width: 80, height: 24}
	m.resize()
	return m
}

// Run runs the editor full-screen until the user quits. The terminal is
// restored on the way out whatever happened; daemon errors never end it.
func Run(ctx context.Context, c Client, o Options, popts ...tea.ProgramOption) error {
	queryTerminal()
	m := New(ctx, c, o)
	opts := append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, popts...)
	_, err := tea.NewProgram(m, opts...).Run()
	m.stopAll()
	if o.Outputs != nil {
		// Back on the normal screen: the paths can be copied whole.
		for _, p := range m.Rendered() {
			fmt.Fprintf(o.Outputs, "rendered: %s\n", p)
		}
	}
	return err
}

// Rendered lists the files rendered during the session, oldest first.
func (m *Model) Rendered() []string { return slices.Clone(m.render.outputs) }

// Init loads the project list and opens the project asked for.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.projects.Init()}
	if m.c.opts.Project != "" {
		cmds = append(cmds, openProjectCmd(m.c, m.c.opts.Project))
	}
	return tea.Batch(cmds...)
}

func (m *Model) bodyHeight() int { return max(1, m.height-3) }

func (m *Model) resize() {
	w, h := m.width, m.bodyHeight()
	m.projects.SetSize(w, h)
	tw := w
	if w >= sidePreviewWidth {
		pw := m.sidePreviewCells()
		tw = w - pw - 1
		m.preview.SetSize(pw, h)
	}
	m.timeline.SetSize(tw, h)
	if m.screen == scrPreview || w < sidePreviewWidth {
		m.preview.SetSize(w, h-1)
	}
	m.render.SetSize(w, h)
	m.publish.SetSize(w, h)
	m.inbox.SetSize(w, h)
}

func (m *Model) sidePreviewCells() int { return min(48, m.width/3) }

// capturing reports whether the screen in front takes every key (a text
// field, a form, a picker, a question).
func (m *Model) capturing() bool {
	switch m.screen {
	case scrProjects:
		return m.projects.capturing()
	case scrTimeline:
		return m.timeline.capturing()
	case scrPublish:
		return m.publish.capturing()
	case scrInbox:
		return m.inbox.capturing()
	}
	return false
}

func (m *Model) stopAll() {
	m.render.stop()
	m.publish.stop()
	m.preview.play.stop()
}

func (m *Model) setStatus(s string, isErr bool) { m.status, m.statusErr = oneLine(s), isErr }

// Update routes msg to the component that owns it.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, tea.Batch(cmd, m.refreshPreview())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	case errMsg:
		m.setStatus(errorLine(msg.op, msg.err), true)
		return tea.Batch(m.render.Update(msg), m.publish.Update(msg), m.inbox.Update(msg), m.projects.Update(msg))
	case statusMsg:
		m.setStatus(string(msg), false)
		return nil
	case projectOpenedMsg:
		if m.timeline.busy() {
			m.setStatus("the open project is still saving; try again in a moment", true)
			return nil
		}
		m.screen = scrTimeline
		m.render.project = msg.project.Name
		m.resize()
		return m.timeline.Update(msg)
	case specSavedMsg:
		cmd := m.timeline.Update(msg)
		if m.quitAfterSave && !m.timeline.busy() {
			return m.quit()
		}
		return cmd
	case projectsLoadedMsg, projectCreatedMsg:
		return m.projects.Update(msg)
	case projectDeletedMsg:
		if m.timeline.loaded() && m.timeline.d.spec.Name == msg.name {
			m.timeline.open(nil, nil)
			m.timeline.d.spec = nil
			m.render.project = ""
		}
		return m.projects.Update(msg)
	case projectRenamedMsg:
		cmd := m.projects.Update(msg)
		if m.timeline.loaded() && m.timeline.d.spec.Name == msg.from {
			cmd = tea.Batch(cmd, openProjectCmd(m.c, msg.to))
		}
		return cmd
	case frameMsg, playerMsg:
		return m.preview.Update(msg)
	case jobEventMsg, jobEndedMsg:
		return tea.Batch(m.render.Update(msg), m.publish.Update(msg), m.preview.Update(msg))
	case renderStartedMsg:
		return tea.Batch(m.render.Update(msg), m.preview.Update(msg))
	case validationMsg, jobCancelledMsg:
		return m.render.Update(msg)
	case connectionsMsg, publishedMsg:
		return m.publish.Update(msg)
	case inboxCommentsMsg, inboxThreadsMsg, commentDoneMsg, messageSentMsg:
		return m.inbox.Update(msg)
	case fileChosenMsg, assetAddedMsg:
		return m.timeline.Update(msg)
	}
	// Anything else (the file picker's directory reads, cursor blinks)
	// belongs to whatever has the focus.
	return m.active(msg)
}

// active hands msg to the screen in front.
func (m *Model) active(msg tea.Msg) tea.Cmd {
	switch m.screen {
	case scrProjects:
		return m.projects.Update(msg)
	case scrTimeline:
		return m.timeline.Update(msg)
	case scrRender:
		return m.render.Update(msg)
	case scrPublish:
		return m.publish.Update(msg)
	case scrInbox:
		return m.inbox.Update(msg)
	}
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.stopAll()
	return tea.Quit
}

func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	// Keys typed faster than the terminal is read arrive as one message
	// ("jj]"); take them one by one, as if typed slowly, so that a held
	// key repeats its action and a burst cannot skip a binding.
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste {
		var cmds []tea.Cmd
		for _, r := range k.Runes {
			cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: k.Alt}))
			cmds = append(cmds, m.refreshPreview())
		}
		return tea.Batch(cmds...)
	}
	keys := m.c.keys
	if key.Matches(k, keys.ForceQuit) {
		return m.quit()
	}
	if m.help {
		switch {
		case key.Matches(k, keys.Help, keys.Back, keys.Quit):
			m.help = false
		case key.Matches(k, keys.Up):
			m.helpTop--
		case key.Matches(k, keys.Down):
			m.helpTop++
		}
		return nil
	}
	if !m.capturing() {
		switch {
		case key.Matches(k, keys.Quit):
			if m.timeline.busy() && !m.quitAfterSave {
				m.quitAfterSave = true
				m.setStatus("saving the last change… q again quits without waiting", false)
				return nil
			}
			return m.quit()
		case key.Matches(k, keys.Help):
			m.help, m.helpTop = true, 0
			return nil
		}
		for i, b := range []key.Binding{keys.Screen1, keys.Screen2, keys.Screen3, keys.Screen4, keys.Screen5, keys.Screen6} {
			if key.Matches(k, b) {
				return m.show(screen(i))
			}
		}
		if m.screen == scrTimeline && m.timeline.pane == paneClips {
			switch {
			case key.Matches(k, keys.Render):
				m.show(scrRender)
				return m.render.start(m.openName())
			case key.Matches(k, keys.Publish):
				return m.show(scrPublish)
			}
		}
	}
	m.status, m.statusErr = "", false
	switch m.screen {
	case scrPreview:
		m.timeline.navigate(k)
		return m.preview.playKey(k, m.timeline)
	case scrRender:
		if key.Matches(k, keys.Render) && !m.render.running() {
			return m.render.start(m.openName())
		}
	case scrPublish:
		if key.Matches(k, keys.Save) && !m.publish.capturing() {
			if !m.timeline.loaded() {
				return nil
			}
			return tea.Batch(m.publish.saveDefaults(m.timeline), statusCmd("saved as the project's publish defaults"))
		}
	}
	return m.active(k)
}

func (m *Model) openName() string {
	if m.timeline.loaded() {
		return m.timeline.d.spec.Name
	}
	return ""
}

// show brings a screen to the front and lets it load what it shows.
func (m *Model) show(s screen) tea.Cmd {
	m.screen = s
	m.resize()
	switch s {
	case scrProjects:
		return m.projects.reload()
	case scrPublish:
		var sp = m.timeline.d.spec
		return m.publish.enter(m.openName(), sp)
	case scrInbox:
		return m.inbox.enter()
	}
	return nil
}

// previewVisible reports whether a still is on screen.
func (m *Model) previewVisible() bool {
	return m.screen == scrPreview || (m.screen == scrTimeline && m.sideBySide())
}

// refreshPreview asks for the still under the cursor when it is shown and
// changed; it never waits for it.
func (m *Model) refreshPreview() tea.Cmd {
	if !m.previewVisible() {
		return nil
	}
	k, ok := keyFor(m.timeline, m.preview.width, max(1, m.preview.height-1))
	if !ok {
		return nil
	}
	return m.preview.request(k)
}

// View draws the tabs, the screen, the status line and the footer.
func (m *Model) View() string {
	st := m.c.styles
	var b strings.Builder
	var tabs strings.Builder
	for i, n := range screenNames {
		if screen(i) == m.screen {
			tabs.WriteString(st.TabActive.Render(n))
		} else {
			tabs.WriteString(st.Tab.Render(n))
		}
	}
	// Screens lay themselves out for the width; the cut is a backstop for
	// very narrow terminals, where a line must never wrap and push the
	// footer off.
	clip := lipgloss.NewStyle().MaxWidth(m.width)
	b.WriteString(clip.Render(tabs.String()) + "\n")
	h := m.bodyHeight()
	var body string
	switch {
	case m.help:
		body = clip.Render(fitHeight(m.helpView(h), h))
	case m.screen == scrTimeline && m.sideBySide():
		body = m.sideBySideView(h)
	case m.screen == scrPreview:
		// The still is drawn to fit; cutting its escape codes line by
		// line on every frame would cost more than all the rest.
		body = fitHeight(truncate(m.timeline.clipSummary(), m.width)+"\n"+m.preview.View()+m.playLine(), h)
	default:
		body = clip.Render(fitHeight(m.body(), h))
	}
	b.WriteString(body + "\n")
	if m.statusErr {
		b.WriteString(st.Error.Render(truncate("✗ "+m.status, m.width)))
	} else {
		b.WriteString(st.Dim.Render(truncate(m.status, m.width)))
	}
	b.WriteString("\n" + m.footer())
	return b.String()
}

func (m *Model) body() string {
	switch m.screen {
	case scrProjects:
		return m.projects.View()
	case scrTimeline:
		return m.timeline.View()
	case scrRender:
		return m.render.View()
	case scrPublish:
		return m.publish.View()
	case scrInbox:
		return m.inbox.View()
	}
	return ""
}

func (m *Model) sideBySide() bool { return m.width >= sidePreviewWidth && !m.timeline.capturing() }

// sideBySideView puts the clips on the left and the still on the right,
// line by line (lipgloss.JoinHorizontal would measure every escape code
// of the picture on every frame).
func (m *Model) sideBySideView(h int) string {
	left := strings.Split(fitHeight(m.timeline.View(), h), "\n")
	right := strings.Split(m.preview.View(), "\n")
	tw := m.timeline.width
	cut := lipgloss.NewStyle().MaxWidth(tw)
	var b strings.Builder
	for i, l := range left {
		if lipgloss.Width(l) > tw {
			l = cut.Render(l)
		}
		b.WriteString(padStyled(l, tw) + " ")
		if i < len(right) {
			b.WriteString(right[i])
		}
		if i < len(left)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (m *Model) playLine() string {
	if m.preview.playNote == "" {
		return ""
	}
	return "\n" + m.c.styles.Dim.Render(m.preview.playNote)
}

// fitHeight pads or cuts s to exactly h lines, so the status line and
// footer stay put whatever the screen draws.
func fitHeight(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
