package tui

import (
	"fmt"
	"slices"

	"github.com/impress-dev/impress/api"
)

// The spec's defaults block as the editor reads it: what a clip shows
// when it sets nothing itself. The renderer applies the same rules
// (render.Spec.Effective); specdefaults_test.go holds the two together.

func (d doc) defaults() api.SpecDefaults {
	if d.spec.Defaults == nil {
		return api.SpecDefaults{}
	}
	return *d.spec.Defaults
}

// baseFit is the fit of a clip that names none.
func (d doc) baseFit() string {
	if f := d.defaults().Fit; f != "" {
		return f
	}
	return "crop"
}

// fitOf is a clip's fit ("" for a title card, which has none).
func (d doc) fitOf(c *api.SpecClip) string {
	switch {
	case isCard(c):
		return ""
	case c.Fit != "":
		return c.Fit
	}
	return d.baseFit()
}

// baseStillLen is how long an image or card without a duration is shown.
func (d doc) baseStillLen() float64 {
	if l := d.defaults().Duration; l > 0 {
		return l
	}
	return defaultImageLen
}

// stillLen is how long an image or title card is shown.
func (d doc) stillLen(c *api.SpecClip) float64 {
	if c.Duration > 0 {
		return c.Duration
	}
	return d.baseStillLen()
}

// baseTransitionLen is the length of a transition that gives none.
func (d doc) baseTransitionLen() float64 {
	if t := d.defaults().Transition; t != nil && t.Duration > 0 {
		return t.Duration
	}
	return defaultTransition
}

// transitionOf is the transition out of clip i (its own, else the
// default, never out of the last clip) and its length (0: none).
func (d doc) transitionOf(i int) (string, float64) {
	c := &d.spec.Clips[i]
	tr := c.Transition
	if tr == nil && i < len(d.spec.Clips)-1 {
		tr = d.defaults().Transition
	}
	if tr == nil || tr.Type == "" || tr.Type == "none" {
		return "none", 0
	}
	l := tr.Duration
	if l == 0 {
		l = defaultTransition
	}
	return tr.Type, l
}

// setTransition makes the transition out of clip i typ, l seconds long,
// writing as little as the defaults allow: nothing when it is the
// default, {type: none} to opt out of a default.
func (d doc) setTransition(i int, typ string, l float64) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if !slices.Contains(api.SpecTransitions, typ) {
		return fmt.Errorf("no transition is called %q%s", typ, suggest(typ, api.SpecTransitions))
	}
	def := d.defaults().Transition
	if typ == "none" {
		c.Transition = nil
		if def != nil && i < len(d.spec.Clips)-1 {
			c.Transition = &api.SpecTransition{Type: "none"}
		}
		return nil
	}
	if i == len(d.spec.Clips)-1 {
		return fmt.Errorf("the last clip has no next clip to transition into")
	}
	if err := d.fitsBoth(i, l); err != nil {
		return err
	}
	if def != nil && typ == def.Type && l == d.baseTransitionLen() {
		c.Transition = nil // the default says so
		return nil
	}
	c.Transition = &api.SpecTransition{Type: typ, Duration: l}
	if l == defaultTransition {
		c.Transition.Duration = 0
	}
	return nil
}

// suggest names the closest of names to s (a typo away), or "".
func suggest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// editDistance is the Levenshtein distance of two short words.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
