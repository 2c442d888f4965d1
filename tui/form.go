package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// form is a small modal editor of labelled text fields (a text overlay, a
// music track, the caption style). Values are typed as text and parsed on
// submit, so one component serves every pane; the pane's apply function
// turns the strings into a spec edit and may refuse them.
type form struct {
	c      *common
	title  string
	fields []formField
	focus  int
	err    string
	width  int
	// apply receives the values in field order; an error keeps the form
	// open with the message.
	apply func(vals []string) error
	done  bool
}

type formField struct {
	label string
	hint  string
	in    textinput.Model
}

func newForm(c *common, title string, apply func([]string) error, fields ...formField) *form {
	f := &form{c: c, title: title, fields: fields, apply: apply}
	for i := range f.fields {
		f.fields[i].in.Prompt = ""
		f.fields[i].in.CharLimit = 2200
	}
	f.setFocus(0)
	return f
}

func field(label, hint, value string) formField {
	in := newInput()
	in.SetValue(value)
	return formField{label: label, hint: hint, in: in}
}

func (f *form) setFocus(i int) tea.Cmd {
	n := len(f.fields)
	f.focus = (i%n + n) % n
	var cmd tea.Cmd
	for j := range f.fields {
		if j == f.focus {
			cmd = f.fields[j].in.Focus()
			f.fields[j].in.CursorEnd()
		} else {
			f.fields[j].in.Blur()
		}
	}
	return cmd
}

func (f *form) SetSize(w, _ int) {
	f.width = w
	for i := range f.fields {
		f.fields[i].in.Width = max(10, w-20)
	}
}

// Update handles a key; done is set when the form was submitted or left.
func (f *form) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return feed(&f.fields[f.focus].in, msg)
	}
	keys := f.c.keys
	switch {
	case key.Matches(k, keys.Back):
		f.done = true
		return nil
	case key.Matches(k, keys.Submit):
		vals := make([]string, len(f.fields))
		for i := range f.fields {
			vals[i] = strings.TrimSpace(f.fields[i].in.Value())
		}
		if err := f.apply(vals); err != nil {
			f.err = err.Error()
			return nil
		}
		f.done = true
		return nil
	case key.Matches(k, keys.NextField):
		return f.setFocus(f.focus + 1)
	case key.Matches(k, keys.PrevField):
		return f.setFocus(f.focus - 1)
	}
	var cmd tea.Cmd
	f.fields[f.focus].in, cmd = f.fields[f.focus].in.Update(msg)
	f.err = ""
	return cmd
}

func (f *form) View() string {
	st := f.c.styles
	var b strings.Builder
	b.WriteString(st.Title.Render(f.title) + "\n")
	lw := 0
	for _, fl := range f.fields {
		lw = max(lw, len(fl.label))
	}
	for i, fl := range f.fields {
		label := pad(fl.label, lw)
		if i == f.focus {
			label = st.Focus.Render(label)
		} else {
			label = st.Label.Render(label)
		}
		b.WriteString(label + "  " + fl.in.View() + "\n")
		if fl.hint != "" && i == f.focus {
			// under the field: beside it, the input's width hides it
			b.WriteString(strings.Repeat(" ", lw+2) + st.Dim.Render(truncate(fl.hint, max(10, f.width-lw-2))) + "\n")
		}
	}
	if f.err != "" {
		b.WriteString(st.Error.Render(f.err) + "\n")
	}
	b.WriteString(st.Footer.Render("enter save · tab/↑↓ field · esc cancel"))
	return b.String()
}

// Parsers for form values. Empty means "not set" where the spec allows it.

func parseSeconds(label, s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s: %q is not a number of seconds", label, s)
	}
	return roundMS(v), nil
}

// parseSpan reads a pair of seconds fields, from and to (a text's start
// and end, a track's in and out): to left empty is open, else it must come
// after from.
func parseSpan(fromLabel, from, toLabel, to string) (float64, float64, error) {
	a, err := parseSeconds(fromLabel, from)
	if err != nil {
		return 0, 0, err
	}
	b, err := parseSeconds(toLabel, to)
	if err != nil {
		return 0, 0, err
	}
	if b != 0 && b <= a {
		return 0, 0, fmt.Errorf("%s: %gs is not after %s %gs", toLabel, b, fromLabel, a)
	}
	return a, b, nil
}

func parseInt(label, s string, lo, hi int) (int, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s: %q is not a whole number in %d..%d", label, s, lo, hi)
	}
	return v, nil
}

// parseEnum reads one of values ("" means not set).
func parseEnum(label, s string, values []string) (string, error) {
	if s == "" || slices.Contains(values, s) {
		return s, nil
	}
	return "", fmt.Errorf("%s: want %s", label, strings.Join(values, ", "))
}

// parseFloatIn reads a number in lo..hi ("" means not set: 0).
func parseFloatIn(label, s string, lo, hi float64) (float64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s: %q is not a number in %g..%g", label, s, lo, hi)
	}
	return v, nil
}

func parseBool(label, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "no", "n", "false", "off":
		return false, nil
	case "yes", "y", "true", "on":
		return true, nil
	}
	return false, fmt.Errorf("%s: answer yes or no", label)
}

// parseBoolPtr is parseBool where empty means "not set" (nil).
func parseBoolPtr(label, s string) (*bool, error) {
	if s == "" {
		return nil, nil
	}
	b, err := parseBool(label, s)
	return &b, err
}

func yesNoPtr(b *bool) string {
	if b == nil {
		return ""
	}
	return yesNo(*b)
}

// parsePosition reads top, center, bottom or "x,y" fractions.
func parsePosition(label, s string) (*api.SpecPosition, error) {
	if s == "" {
		return nil, nil
	}
	if slices.Contains(api.SpecPositions, s) {
		return &api.SpecPosition{Named: s}, nil
	}
	xs, ys, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(xs), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(ys), 64)
	if !ok || err1 != nil || err2 != nil || x < 0 || x > 1 || y < 0 || y > 1 {
		return nil, fmt.Errorf("%s: want %s or x,y fractions like 0.5,0.2", label, strings.Join(api.SpecPositions, ", "))
	}
	return &api.SpecPosition{X: x, Y: y}, nil
}

func posString(p *api.SpecPosition) string {
	if p == nil {
		return ""
	}
	if p.Named != "" {
		return p.Named
	}
	return fmt.Sprintf("%g,%g", p.X, p.Y)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fmtSec(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
