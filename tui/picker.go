package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/filepicker"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/internal/safeopen"
)

// File types each pane can pick; upper-case twins are added because the
// picker matches suffixes exactly and phones write IMG_0001.MOV.
var (
	clipTypes    = []string{".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".jpg", ".jpeg", ".png", ".webp", ".heic"}
	captionTypes = []string{".srt", ".vtt"}
	musicTypes   = []string{".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".opus"}
)

func withUpper(exts []string) []string {
	out := append([]string(nil), exts...)
	for _, e := range exts {
		out = append(out, strings.ToUpper(e))
	}
	return out
}

// picker is bubbles' file picker for one pane, closed with esc.
type picker struct {
	c     *common
	fp    filepicker.Model
	pane  pane
	title string
	done  bool
}

func newPicker(c *common, p pane, title string, types []string, height int) (*picker, tea.Cmd) {
	fp := filepicker.New()
	fp.CurrentDirectory = c.opts.StartDir
	if fp.CurrentDirectory == "" {
		fp.CurrentDirectory = "."
	}
	fp.AllowedTypes = withUpper(types)
	fp.ShowPermissions = false
	fp.AutoHeight = false
	fp.SetHeight(max(3, height))
	// esc closes the picker; the picker's own "back" keeps the others.
	fp.KeyMap.Back = key.NewBinding(key.WithKeys("h", "backspace", "left"), key.WithHelp("h", "back"))
	pk := &picker{c: c, fp: fp, pane: p, title: title}
	return pk, pk.fp.Init()
}

func (p *picker) SetSize(_, h int) { p.fp.SetHeight(max(3, h-3)) }

func (p *picker) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, p.c.keys.Back) {
		p.done = true
		return nil
	}
	var cmd tea.Cmd
	p.fp, cmd = p.fp.Update(msg)
	if ok, path := p.fp.DidSelectFile(msg); ok {
		// a FIFO named like a clip would hang whoever opens it
		if err := checkPicked(path); err != nil {
			return statusCmd(err.Error())
		}
		p.done = true
		pn := p.pane
		return func() tea.Msg { return fileChosenMsg{pane: pn, path: path} }
	}
	if ok, path := p.fp.DidSelectDisabledFile(msg); ok {
		return statusCmd(path + " is not a type this pane takes (" + strings.Join(p.fp.AllowedTypes[:len(p.fp.AllowedTypes)/2], " ") + ")")
	}
	return cmd
}

// checkPicked refuses a chosen path that is not a regular file (the
// picker lists FIFOs, sockets and devices with a clip's name).
func checkPicked(path string) error {
	_, err := safeopen.Check(path, safeopen.Options{})
	return err
}

func (p *picker) View() string {
	st := p.c.styles
	return st.Title.Render(p.title) + "  " + st.Dim.Render(p.fp.CurrentDirectory) + "\n" +
		p.fp.View() + "\n" + st.Footer.Render("enter choose · l/→ open dir · h/← up · esc cancel")
}
