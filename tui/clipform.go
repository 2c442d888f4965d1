package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// clipForm edits the clip under the cursor by name (e on the clips pane):
// the transition out of it — any of ffmpeg's xfade transitions, typed —
// and its length, the fit, and the duration of an image or title card.
// Empty fields take the spec's defaults.
func (m *timelineModel) clipForm(i int) tea.Cmd {
	c, err := m.d.clip(i)
	if err != nil {
		return statusCmd(err.Error())
	}
	typ, l := m.d.transitionOf(i)
	trans, length := "", ""
	if c.Transition != nil {
		trans = c.Transition.Type
		if c.Transition.Duration > 0 {
			length = fmtNum(c.Transition.Duration)
		}
	}
	defTrans := "none"
	if def := m.d.defaults().Transition; def != nil && i < len(m.d.spec.Clips)-1 {
		defTrans = def.Type
	}
	fields := []formField{
		field("transition", fmt.Sprintf("a name: %s…; none; empty: %s", strings.Join(api.SpecTransitions[1:7], ", "), defTrans), trans),
		field("length", fmt.Sprintf("seconds; empty: %s", fmtNum(m.d.baseTransitionLen())), length),
	}
	if !isCard(c) {
		fields = append(fields, field("fit", strings.Join(api.SpecFits, " | ")+"; empty: "+m.d.baseFit(), c.Fit))
	}
	if isStill(c) {
		fields = append(fields, field("duration", fmt.Sprintf("seconds; empty: %s", fmtNum(m.d.baseStillLen())), fmtSec(c.Duration)))
	}
	apply := func(v []string) error {
		val := func(label string) string {
			for j, f := range fields {
				if f.label == label {
					return v[j]
				}
			}
			return ""
		}
		nt := val("transition")
		if nt == "" {
			nt = defTrans
		}
		nl, err := parseSeconds("length", val("length"))
		if err != nil {
			return err
		}
		if nl == 0 {
			nl = m.d.baseTransitionLen()
		}
		fit := val("fit")
		if fit != "" && !slices.Contains(api.SpecFits, fit) {
			return fmt.Errorf("fit: want %s", strings.Join(api.SpecFits, ", "))
		}
		dur, err := parseSeconds("duration", val("duration"))
		if err != nil {
			return err
		}
		return m.applyEdit(func(d doc) error {
			c := &d.spec.Clips[i]
			if !isCard(c) {
				c.Fit = fit
			}
			if isStill(c) {
				c.Duration = dur
			}
			if nt == typ && nl == l {
				return nil // the transition stays as it is written
			}
			return d.setTransition(i, nt, nl)
		})
	}
	m.form = newForm(m.c, "Clip "+fmt.Sprint(i+1)+" · "+m.d.name(c), apply, fields...)
	m.form.SetSize(m.width, m.height)
	return m.form.setFocus(0)
}
