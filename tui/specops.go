package tui

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/impress-dev/impress/api"
)

// Spec edits. Each operation changes a spec in place and returns an error
// that says why it refused (nothing changed then). They keep the spec
// within the rules the daemon checks (trims inside the source, speed and
// volume in range, no transition out of the last clip) so that an edit
// the editor accepts is one the daemon stores.

// The cycling keys walk the values a spec accepts in api's order
// (api.SpecFits, api.SpecTransitions, api.SpecZooms): the TUI keeps no
// list of its own. The steps below are the editor's choice of stops.
var (
	transitionLens = []float64{0.25, 0.5, 1, 1.5}
	speedSteps     = []float64{0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4}
)

const (
	maxVolume         = 10.0
	defaultImageLen   = 3.0
	defaultTransition = 0.5
	defaultFPS        = 30.0
	maxHistory        = 200
)

// cloneSpec deep-copies a spec (the undo history keeps snapshots).
func cloneSpec(s *api.Spec) *api.Spec {
	if s == nil {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic("tui: spec does not marshal: " + err.Error())
	}
	var out api.Spec
	if err := json.Unmarshal(b, &out); err != nil {
		panic("tui: spec does not unmarshal: " + err.Error())
	}
	return &out
}

// specEqual compares two specs by their JSON form.
func specEqual(a, b *api.Spec) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// doc is a spec with what the project knows about its media.
type doc struct {
	spec   *api.Spec
	assets map[string]api.Asset // by media-store path
}

func assetMap(p *api.Project) map[string]api.Asset {
	m := map[string]api.Asset{}
	if p != nil {
		for _, a := range p.Assets {
			m[a.Path] = a
		}
	}
	return m
}

func clipSource(c *api.SpecClip) string {
	if c.Image != "" {
		return c.Image
	}
	return c.Video
}

func isImage(c *api.SpecClip) bool { return c.Image != "" }

// isCard: a title card (color or gradient), shown for its duration.
func isCard(c *api.SpecClip) bool { return c.Color != "" || len(c.Gradient) > 0 }

// isStill: an image or a title card, which has a duration and no trim.
func isStill(c *api.SpecClip) bool { return isImage(c) || isCard(c) }

func speedOf(c *api.SpecClip) float64 {
	if c.Speed == nil {
		return 1
	}
	return *c.Speed
}

func volumeOf(c *api.SpecClip) float64 {
	if c.Volume == nil {
		return 1
	}
	return *c.Volume
}

// name is what the timeline calls a clip: the imported file's name, or
// what a title card shows.
func (d doc) name(c *api.SpecClip) string {
	if isCard(c) {
		if c.Color != "" {
			return "card " + c.Color
		}
		return "card " + strings.Join(c.Gradient, "→")
	}
	if a, ok := d.assets[clipSource(c)]; ok && a.Name != "" {
		return a.Name
	}
	return filepath.Base(clipSource(c))
}

// sourceLen is the source's length in seconds (0: unknown).
func (d doc) sourceLen(c *api.SpecClip) float64 {
	return d.assets[clipSource(c)].Duration
}

// fps is the frame rate trims step by: the source's, else the spec's.
func (d doc) fps(c *api.SpecClip) float64 {
	if a, ok := d.assets[clipSource(c)]; ok && a.FPS > 0 {
		return a.FPS
	}
	if d.spec.FPS > 0 {
		return d.spec.FPS
	}
	return defaultFPS
}

// outPoint is where a video clip ends in its source (0: unknown).
func (d doc) outPoint(c *api.SpecClip) float64 {
	if c.Out > 0 {
		return c.Out
	}
	return d.sourceLen(c)
}

// length is a clip's length on the output timeline (false: unknown).
func (d doc) length(c *api.SpecClip) (float64, bool) {
	if isStill(c) {
		return d.stillLen(c), true
	}
	end := d.outPoint(c)
	if end <= 0 {
		return 0, false
	}
	return max(0, end-c.In) / speedOf(c), true
}

// starts returns each clip's start on the output timeline and the total,
// transitions overlapping (the daemon's estimate, as `project show`).
func (d doc) starts() ([]float64, float64) {
	out := make([]float64, len(d.spec.Clips))
	t := 0.0
	for i := range d.spec.Clips {
		c := &d.spec.Clips[i]
		out[i] = t
		l, _ := d.length(c)
		t += l
		if i < len(d.spec.Clips)-1 {
			_, td := d.transitionOf(i)
			t -= td
		}
	}
	return out, max(0, t)
}

func roundMS(v float64) float64 { return math.Round(v*1000) / 1000 }

// snap puts a source time on the frame grid, in milliseconds, so that
// frame steps do not drift by rounding (two frames at 30 fps are 0.067,
// not 0.033 + 0.033).
func snap(v, fps float64) float64 { return roundMS(math.Round(v*fps) / fps) }

func (d doc) clip(i int) (*api.SpecClip, error) {
	if i < 0 || i >= len(d.spec.Clips) {
		return nil, fmt.Errorf("no clip selected")
	}
	return &d.spec.Clips[i], nil
}

// checkTransitionFits refuses a length that the transitions into or out of
// clip i would no longer fit in.
func (d doc) checkTransitionFits(i int, newLen float64) error {
	if _, td := d.transitionOf(i); td > 0 && td >= newLen {
		return fmt.Errorf("the %gs transition would not fit in a %.3gs clip", td, newLen)
	}
	if i > 0 {
		if _, td := d.transitionOf(i - 1); td > 0 && td >= newLen {
			return fmt.Errorf("the %gs transition into this clip would not fit in %.3gs", td, newLen)
		}
	}
	return nil
}

// trimIn moves a video clip's in point by delta seconds.
func (d doc) trimIn(i int, delta float64) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if isStill(c) {
		return fmt.Errorf("an image or title card has no in point; change its length with , . < >")
	}
	frame := 1 / d.fps(c)
	in := snap(max(0, c.In+delta), d.fps(c))
	if end := d.outPoint(c); end > 0 && in > end-frame {
		return fmt.Errorf("in %.3fs would not be before out %.3fs", in, end)
	}
	if in == c.In {
		return fmt.Errorf("in is already at %.3fs", in)
	}
	if end := d.outPoint(c); end > 0 {
		if err := d.checkTransitionFits(i, (end-in)/speedOf(c)); err != nil {
			return err
		}
	}
	c.In = in
	return nil
}

// trimOut moves a video clip's out point (an image's length) by delta.
func (d doc) trimOut(i int, delta float64) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	frame := 1 / d.fps(c)
	if isStill(c) {
		l := roundMS(max(frame, d.stillLen(c)+delta))
		if l == d.stillLen(c) {
			return fmt.Errorf("the clip is already %.3fs long", l)
		}
		if err := d.checkTransitionFits(i, l); err != nil {
			return err
		}
		c.Duration = l
		if c.Duration == d.baseStillLen() {
			c.Duration = 0
		}
		return nil
	}
	src := d.sourceLen(c)
	end := d.outPoint(c)
	if end <= 0 {
		return fmt.Errorf("the source's length is unknown; set out in the spec first")
	}
	out := snap(end+delta, d.fps(c))
	if out < c.In+frame {
		return fmt.Errorf("out %.3fs would not be after in %.3fs", out, c.In)
	}
	if src > 0 && out >= src {
		out = 0 // to the end of the source
	}
	if out == c.Out {
		return fmt.Errorf("out is already at the end of the source")
	}
	l := out
	if l == 0 {
		l = src
	}
	if err := d.checkTransitionFits(i, (l-c.In)/speedOf(c)); err != nil {
		return err
	}
	c.Out = out
	return nil
}

func next[T comparable](cycle []T, cur T) T {
	i := slices.Index(cycle, cur)
	return cycle[(i+1)%len(cycle)]
}

func (d doc) cycleFit(i int) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if isCard(c) {
		return fmt.Errorf("a title card has no fit")
	}
	c.Fit = next(api.SpecFits, d.fitOf(c))
	if c.Fit == d.baseFit() {
		c.Fit = "" // what the spec's default says
	}
	return nil
}

func (d doc) stepSpeed(i, dir int) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if isStill(c) {
		return fmt.Errorf("speed applies to video clips only")
	}
	cur := speedOf(c)
	j, _ := slices.BinarySearch(speedSteps, cur)
	if dir > 0 {
		if j < len(speedSteps) && speedSteps[j] == cur {
			j++
		}
	} else {
		j--
	}
	if j < 0 || j >= len(speedSteps) {
		return fmt.Errorf("speed is already %gx (range 0.25x..4x)", cur)
	}
	s := speedSteps[j]
	if end := d.outPoint(c); end > 0 {
		if err := d.checkTransitionFits(i, (end-c.In)/s); err != nil {
			return err
		}
	}
	if s == 1 {
		c.Speed = nil
	} else {
		c.Speed = &s
	}
	return nil
}

// setVolume sets a volume pointer, nil meaning the default 1.
func setVolume(p **float64, v float64) {
	v = math.Round(v*10) / 10
	if v == 1 {
		*p = nil
		return
	}
	*p = &v
}

func (d doc) stepVolume(i int, delta float64) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if isStill(c) {
		return fmt.Errorf("volume applies to video clips only")
	}
	v := volumeOf(c) + delta
	if v < 0 || v > maxVolume+1e-9 {
		return fmt.Errorf("volume is already %.0f%% (range 0..1000%%)", volumeOf(c)*100)
	}
	setVolume(&c.Volume, v)
	return nil
}

func (d doc) toggleMute(i int) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if isStill(c) {
		return fmt.Errorf("volume applies to video clips only")
	}
	if volumeOf(c) == 0 {
		c.Volume = nil
	} else {
		zero := 0.0
		c.Volume = &zero
	}
	return nil
}

func (d doc) cycleTransition(i int) error {
	if _, err := d.clip(i); err != nil {
		return err
	}
	typ, dur := d.transitionOf(i)
	if dur == 0 {
		dur = d.baseTransitionLen()
	}
	return d.setTransition(i, next(api.SpecTransitions, typ), dur)
}

// fitsBoth checks a transition of length td out of clip i fits in it and
// in the next clip.
func (d doc) fitsBoth(i int, td float64) error {
	for _, j := range []int{i, i + 1} {
		if l, ok := d.length(&d.spec.Clips[j]); ok && td >= l {
			return fmt.Errorf("a %gs transition does not fit in clip %d (%.3gs)", td, j+1, l)
		}
	}
	return nil
}

func (d doc) cycleTransitionLen(i int) error {
	if _, err := d.clip(i); err != nil {
		return err
	}
	typ, cur := d.transitionOf(i)
	if typ == "none" {
		return fmt.Errorf("no transition out of this clip; add one with t")
	}
	return d.setTransition(i, typ, next(transitionLens, cur))
}

func (d doc) cycleZoom(i int) error {
	c, err := d.clip(i)
	if err != nil {
		return err
	}
	if !isImage(c) {
		return fmt.Errorf("zoom applies to image clips only")
	}
	z := c.Zoom
	if z == "" {
		z = "none"
	}
	c.Zoom = next(api.SpecZooms, z)
	if c.Zoom == "none" {
		c.Zoom = ""
	}
	return nil
}

// move swaps clip i with its neighbour in dir; it returns the new index.
func (d doc) move(i, dir int) (int, error) {
	j := i + dir
	if _, err := d.clip(i); err != nil {
		return i, err
	}
	if j < 0 || j >= len(d.spec.Clips) {
		return i, fmt.Errorf("the clip is already %s", map[bool]string{true: "first", false: "last"}[dir < 0])
	}
	d.spec.Clips[i], d.spec.Clips[j] = d.spec.Clips[j], d.spec.Clips[i]
	d.tidy()
	return j, nil
}

func (d doc) remove(i int) error {
	if _, err := d.clip(i); err != nil {
		return err
	}
	d.spec.Clips = slices.Delete(d.spec.Clips, i, i+1)
	d.tidy()
	return nil
}

// insert adds a clip for an imported asset after index i.
func (d doc) insert(i int, a api.Asset) (int, error) {
	var c api.SpecClip
	switch a.Kind {
	case "video":
		c.Video = a.Path
	case "image":
		c.Image = a.Path
	default:
		return i, fmt.Errorf("%s is %s, not a video or an image", a.Name, a.Kind)
	}
	j := min(max(i+1, 0), len(d.spec.Clips))
	d.spec.Clips = slices.Insert(d.spec.Clips, j, c)
	d.tidy()
	return j, nil
}

// tidy drops what a reorder or delete made invalid: a transition out of
// the last clip (the spec refuses it).
func (d doc) tidy() {
	if n := len(d.spec.Clips); n > 0 {
		d.spec.Clips[n-1].Transition = nil
	}
}
