package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// The texts, captions and music panes of the timeline. Lists move with
// ↑/↓, items open in a form; every change goes through timelineModel.edit
// like the clip edits, so it is undoable and saved the same way.

func (m *timelineModel) paneLen() int {
	switch m.pane {
	case paneTexts:
		return len(m.d.spec.Texts)
	case paneMusic:
		return len(m.d.spec.Audio)
	case paneOverlays:
		return len(m.d.spec.Overlays)
	}
	return 0
}

func (m *timelineModel) updatePane(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	row := &m.rows[m.pane]
	n := m.paneLen()
	*row = min(max(*row, 0), max(n-1, 0))
	switch {
	case key.Matches(k, keys.Up):
		*row = max(*row-1, 0)
		return nil
	case key.Matches(k, keys.Down):
		*row = min(*row+1, max(n-1, 0))
		return nil
	}
	switch m.pane {
	case paneTexts:
		return m.updateTexts(k, *row, n)
	case paneCaptions:
		return m.updateCaptions(k)
	case paneMusic:
		return m.updateMusic(k, *row, n)
	case paneOverlays:
		if key.Matches(k, keys.Add, keys.New, keys.Edit, keys.Open, keys.Remove, keys.Toggle) {
			return statusCmd(readOnlyHint)
		}
	}
	return nil
}

// readOnlyHint says where the keys the editor shows but does not edit are
// changed.
const readOnlyHint = "overlays and defaults are edited in the spec: impress project export NAME > s.yaml, edit it, impress project apply s.yaml"

func (m *timelineModel) updateTexts(k tea.KeyMsg, row, n int) tea.Cmd {
	keys := m.c.keys
	switch {
	case key.Matches(k, keys.New), key.Matches(k, keys.Add):
		// A new title starts at the cursor's time on the timeline.
		starts, _ := m.d.starts()
		at := 0.0
		if len(starts) > 0 {
			at = roundMS(starts[m.cursor] + m.offset)
		}
		return m.textForm(-1, api.SpecText{Start: at, End: at + 3})
	case key.Matches(k, keys.Edit), key.Matches(k, keys.Open):
		if n == 0 {
			return statusCmd("no texts yet; n adds one")
		}
		return m.textForm(row, m.d.spec.Texts[row])
	case key.Matches(k, keys.Remove):
		if n == 0 {
			return nil
		}
		return m.edit(func(d doc) error {
			d.spec.Texts = slices.Delete(d.spec.Texts, row, row+1)
			return nil
		})
	}
	return nil
}

// textForm edits text i (-1: a new one).
func (m *timelineModel) textForm(i int, t api.SpecText) tea.Cmd {
	title := "Edit text"
	if i < 0 {
		title = "New text"
	}
	size := ""
	if t.Size != 0 {
		size = strconv.Itoa(t.Size)
	}
	clip := ""
	if t.Clip != 0 {
		clip = strconv.Itoa(t.Clip)
	}
	spacing, lines := "", ""
	if t.LineSpacing != 0 {
		spacing = fmtNum(t.LineSpacing)
	}
	if t.MaxLines != 0 {
		lines = strconv.Itoa(t.MaxLines)
	}
	apply := func(v []string) error {
		nt := t // keys the form does not show are kept
		nt.Text, nt.Color, nt.Font = v[0], v[5], v[8]
		var err error
		if nt.Text == "" {
			return fmt.Errorf("text: write something to show")
		}
		if nt.Start, nt.End, err = parseSpan("start", v[1], "end", v[2]); err != nil {
			return err
		}
		if nt.Position, err = parsePosition("position", v[3]); err != nil {
			return err
		}
		if nt.Size, err = parseInt("size", v[4], 8, 400); err != nil {
			return err
		}
		if nt.Box, err = parseBoolPtr("box", v[6]); err != nil {
			return err
		}
		if nt.Clip, err = parseInt("clip", v[7], 1, len(m.d.spec.Clips)); err != nil {
			return err
		}
		if nt.Align, err = parseEnum("align", v[9], api.SpecAligns); err != nil {
			return err
		}
		if nt.LineSpacing, err = parseFloatIn("line spacing", v[10], 0.8, 3); err != nil {
			return err
		}
		if nt.MaxLines, err = parseInt("max lines", v[11], 1, 20); err != nil {
			return err
		}
		if nt.Fit, err = parseEnum("fit", v[12], api.SpecTextFits); err != nil {
			return err
		}
		return m.applyEdit(func(d doc) error {
			if i < 0 {
				d.spec.Texts = append(d.spec.Texts, nt)
				m.rows[paneTexts] = len(d.spec.Texts) - 1
				return nil
			}
			d.spec.Texts[i] = nt
			return nil
		})
	}
	m.form = newForm(m.c, title, apply,
		field("text", "shown literally", t.Text),
		field("start", "seconds (from the clip's start with clip)", fmtSec(t.Start)),
		field("end", "seconds; empty: to the end", fmtSec(t.End)),
		field("position", strings.Join(api.SpecPositions, " | ")+" | x,y", posString(t.Position)),
		field("size", "pixels at 1080 wide; empty: 64", size),
		field("color", "#RRGGBB or a name; empty: white", t.Color),
		field("box", "yes | no; empty: the default", yesNoPtr(t.Box)),
		field("clip", "a clip number: times count from its start; empty: the video's", clip),
		field("font", "a font name (DejaVu Sans Bold) or a .ttf file; empty: the default", t.Font),
		field("align", strings.Join(api.SpecAligns, " | ")+"; empty: center", t.Align),
		field("line spacing", "baseline distance in font sizes; empty: 1.25", spacing),
		field("max lines", "lines before an ellipsis; empty: what fits", lines),
		field("fit", strings.Join(api.SpecTextFits, " | ")+"; empty: wrap", t.Fit),
	)
	m.form.SetSize(m.width, m.height)
	return m.form.setFocus(0)
}

// applyEdit runs an edit from a form and hands back its command through
// the pending queue (forms return errors, not commands).
func (m *timelineModel) applyEdit(fn func(d doc) error) error {
	var failed error
	cmd := m.edit(func(d doc) error {
		failed = fn(d)
		return failed
	})
	if failed != nil {
		return failed
	}
	m.pendingCmd = cmd
	return nil
}

func (m *timelineModel) updateCaptions(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	cp := m.d.spec.Captions
	switch {
	case key.Matches(k, keys.Add):
		return m.openPicker(paneCaptions, "Choose SRT or WebVTT captions", captionTypes)
	case key.Matches(k, keys.Toggle):
		if cp == nil {
			return statusCmd("no captions yet; a picks a file")
		}
		return m.edit(func(d doc) error { d.spec.Captions.Words = !d.spec.Captions.Words; return nil })
	case key.Matches(k, keys.Remove):
		if cp == nil {
			return nil
		}
		return m.edit(func(d doc) error { d.spec.Captions = nil; return nil })
	case key.Matches(k, keys.Edit), key.Matches(k, keys.Open):
		if cp == nil {
			return statusCmd("no captions yet; a picks a file")
		}
		st := api.SpecCaptionStyle{}
		if cp.Style != nil {
			st = *cp.Style
		}
		size := ""
		if st.Size != 0 {
			size = strconv.Itoa(st.Size)
		}
		m.form = newForm(m.c, "Caption style", func(v []string) error {
			sz, err := parseInt("size", v[0], 8, 400)
			if err != nil {
				return err
			}
			pos, err := parsePosition("position", v[1])
			if err != nil {
				return err
			}
			return m.applyEdit(func(d doc) error {
				if sz == 0 && pos == nil {
					d.spec.Captions.Style = nil
				} else {
					d.spec.Captions.Style = &api.SpecCaptionStyle{Size: sz, Position: pos}
				}
				return nil
			})
		},
			field("size", "pixels at 1080 wide; empty: 56", size),
			field("position", "top | center | bottom | x,y; empty: bottom", posString(st.Position)),
		)
		m.form.SetSize(m.width, m.height)
		return m.form.setFocus(0)
	}
	return nil
}

func (m *timelineModel) updateMusic(k tea.KeyMsg, row, n int) tea.Cmd {
	keys := m.c.keys
	if key.Matches(k, keys.Add) {
		return m.openPicker(paneMusic, "Add a music or voice track", musicTypes)
	}
	if n == 0 {
		if key.Matches(k, keys.Edit, keys.Remove, keys.Toggle, keys.VolumeUp, keys.VolumeDown) {
			return statusCmd("no tracks yet; a adds one")
		}
		return nil
	}
	switch {
	case key.Matches(k, keys.Remove):
		return m.edit(func(d doc) error { d.spec.Audio = slices.Delete(d.spec.Audio, row, row+1); return nil })
	case key.Matches(k, keys.Toggle):
		return m.edit(func(d doc) error { d.spec.Audio[row].Duck = !d.spec.Audio[row].Duck; return nil })
	case key.Matches(k, keys.VolumeUp), key.Matches(k, keys.VolumeDown):
		delta := 0.1
		if key.Matches(k, keys.VolumeDown) {
			delta = -0.1
		}
		return m.edit(func(d doc) error {
			t := &d.spec.Audio[row]
			v := trackVolume(t) + delta
			if v < 0 || v > maxVolume+1e-9 {
				return fmt.Errorf("volume is already %.0f%%", trackVolume(t)*100)
			}
			setVolume(&t.Volume, v)
			return nil
		})
	case key.Matches(k, keys.Edit), key.Matches(k, keys.Open):
		t := m.d.spec.Audio[row]
		m.form = newForm(m.c, "Track "+m.trackName(&t), func(v []string) error {
			nt := t
			vol, err := strconv.ParseFloat(strings.TrimSuffix(v[0], "%"), 64)
			if err != nil || vol < 0 || vol > maxVolume*100 {
				return fmt.Errorf("volume: want a percentage 0..1000")
			}
			if nt.Start, err = parseSeconds("start", v[1]); err != nil {
				return err
			}
			if nt.FadeIn, err = parseSeconds("fade in", v[2]); err != nil {
				return err
			}
			if nt.FadeOut, err = parseSeconds("fade out", v[3]); err != nil {
				return err
			}
			if nt.Duck, err = parseBool("duck", v[4]); err != nil {
				return err
			}
			if nt.In, nt.Out, err = parseSpan("in", v[5], "out", v[6]); err != nil {
				return err
			}
			setVolume(&nt.Volume, vol/100)
			return m.applyEdit(func(d doc) error { d.spec.Audio[row] = nt; return nil })
		},
			field("volume", "percent; 100 is the file's level", strconv.FormatFloat(trackVolume(&t)*100, 'f', -1, 64)),
			field("start", "seconds into the output", fmtSec(t.Start)),
			field("fade in", "seconds", fmtSec(t.FadeIn)),
			field("fade out", "seconds", fmtSec(t.FadeOut)),
			field("duck", "yes | no: lower under the clips' audio", yesNo(t.Duck)),
			field("in", "seconds into the file it starts from", fmtSec(t.In)),
			field("out", "seconds into the file it stops at; empty: its end", fmtSec(t.Out)),
		)
		m.form.SetSize(m.width, m.height)
		return m.form.setFocus(0)
	}
	return nil
}

func trackVolume(t *api.SpecTrack) float64 {
	if t.Volume == nil {
		return 1
	}
	return *t.Volume
}

func (m *timelineModel) trackName(t *api.SpecTrack) string {
	if a, ok := m.d.assets[t.File]; ok && a.Name != "" {
		return a.Name
	}
	return baseName(t.File)
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
