package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Effective returns a copy of the spec with its defaults block applied:
// every video and image clip without a fit gets defaults.fit, every image
// and title card without a duration defaults.duration, every clip but the
// last without a transition defaults.transition, and every text each style
// key it does not set from defaults.text. The copy has no defaults block.
// The spec itself is not changed (MarshalSpec writes what the user wrote).
//
// The checks, the builder and the layout work on the effective spec; an
// error about a value that came from the defaults names the defaults key
// and its line.
func (s *Spec) Effective() *Spec {
	e := *s
	e.Clips = slices.Clone(s.Clips)
	e.Texts = slices.Clone(s.Texts)
	e.from = maps.Clone(s.from)
	if e.from == nil {
		e.from = map[string]string{}
	}
	d := s.Defaults
	e.Defaults = nil
	if d == nil {
		return &e
	}
	for i := range e.Clips {
		c := &e.Clips[i]
		key := fmt.Sprintf("clips[%d]", i)
		if d.Fit != "" && c.Fit == "" && !c.IsCard() {
			c.Fit = d.Fit
			e.from[key+".fit"] = "defaults.fit"
		}
		if d.Duration != 0 && c.Duration == 0 && !c.IsVideo() {
			c.Duration = d.Duration
			e.from[key+".duration"] = "defaults.duration"
		}
		if d.Transition != nil && c.Transition == nil && i < len(e.Clips)-1 {
			tr := *d.Transition
			c.Transition = &tr
			e.from[key+".transition"] = "defaults.transition"
		}
	}
	if d.Text != nil {
		for i := range e.Texts {
			for _, k := range e.Texts[i].TextStyle.inherit(d.Text) {
				e.from[fmt.Sprintf("texts[%d].%s", i, k)] = "defaults.text." + k
			}
		}
	}
	return &e
}

// inherit sets every style key st leaves unset from d and returns the
// keys it set.
func (st *TextStyle) inherit(d *TextStyle) []string {
	var set []string
	take := func(key string, unset bool, apply func()) {
		if unset {
			apply()
			set = append(set, key)
		}
	}
	take("position", st.Position == nil && d.Position != nil, func() { st.Position = d.Position })
	take("size", st.Size == 0 && d.Size != 0, func() { st.Size = d.Size })
	take("color", st.Color == "" && d.Color != "", func() { st.Color = d.Color })
	take("box", st.Box == nil && d.Box != nil, func() { st.Box = d.Box })
	take("font", st.Font == "" && d.Font != "", func() { st.Font = d.Font })
	take("align", st.Align == "" && d.Align != "", func() { st.Align = d.Align })
	take("line_spacing", st.LineSpacing == 0 && d.LineSpacing != 0, func() { st.LineSpacing = d.LineSpacing })
	take("max_lines", st.MaxLines == 0 && d.MaxLines != 0, func() { st.MaxLines = d.MaxLines })
	take("fit", st.Fit == "" && d.Fit != "", func() { st.Fit = d.Fit })
	return set
}

// origin maps a key path of an effective spec to the key the user wrote:
// itself, or the defaults key its value came from (with the rest of the
// path kept: "clips[2].transition.duration" → "defaults.transition.duration").
func (s *Spec) origin(path string) (key, filled string) {
	for p := path; p != ""; {
		if d, ok := s.from[p]; ok {
			return d + path[len(p):], p
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return path, ""
}
