package render

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkAll enforces the rules that span several keys, on the spec with
// its defaults applied, and returns every problem (the first of each clip,
// text, overlay or track). Rules that need the media (a trim past the end
// of a file, a transition longer than a video clip) are checked by
// [Build], which also answers with a *SpecError.
func (s *Spec) checkAll() []*SpecError {
	var errs []*SpecError
	add := func(err *SpecError) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if s.Version != SpecVersion {
		add(s.errAt("version", "unknown value %d (this impress reads version %d)", s.Version, SpecVersion))
	}
	if err := checkName(s.Name); err != nil {
		add(s.errAt("name", "%v", err))
	}
	if len(s.Clips) == 0 {
		add(s.errAt("clips", "a spec needs at least one clip"))
	}
	e := s.Effective()
	for i := range e.Clips {
		add(e.checkClip(i))
	}
	for i, t := range e.Texts {
		p := fmt.Sprintf("texts[%d]", i)
		switch {
		case t.Text == "":
			add(e.errAt(p+".text", "missing or empty"))
		case e.has(p+".end") && t.End <= t.Start:
			add(e.errAt(p+".end", "end %s must be after start %s", num(t.End), num(t.Start)))
		case t.Clip > len(e.Clips):
			add(e.errAt(p+".clip", "there is no clip %d (clips count from 1; this spec has %d)", t.Clip, len(e.Clips)))
		}
	}
	for i, o := range e.Overlays {
		p := fmt.Sprintf("overlays[%d]", i)
		switch {
		case o.Image == "" && o.Video == "":
			add(e.errAt(p, "needs image or video (the picture to lay over the output)"))
		case o.Image != "" && o.Video != "":
			add(e.errAt(p+".video", "an overlay is either an image or a video, not both"))
		case e.has(p+".end") && o.End <= o.Start:
			add(e.errAt(p+".end", "end %s must be after start %s", num(o.End), num(o.Start)))
		}
	}
	if c := e.Captions; c != nil && c.File == "" {
		add(e.errAt("captions.file", "missing: the SRT or WebVTT file to burn in"))
	}
	for i, t := range e.Audio {
		p := fmt.Sprintf("audio[%d]", i)
		switch {
		case t.File == "":
			add(e.errAt(p+".file", "missing: the audio file to mix in"))
		case e.has(p+".out") && t.Out <= t.In:
			add(e.errAt(p+".out", "inverted cut: out %s is not after in %s", num(t.Out), num(t.In)))
		}
	}
	if c := e.Cover; c != nil {
		if (c.At == nil) == (c.Image == "") {
			add(e.errAt("cover", "give exactly one of at (seconds into the video) or image (a file)"))
		}
	}
	if n := len(s.MediaPaths()) + len(s.fontRefs()); n > MaxMediaFiles {
		add(s.errAt("", "the spec names %d files, more than a spec may (%d)", n, MaxMediaFiles))
	}
	if len(errs) == 0 {
		add(s.CheckLength(""))
	}
	return errs
}

// CheckLength refuses a spec whose clips add up to more than the preset
// allows (name; "" is the spec's own preset), counting only what the spec
// alone decides (image and card durations, trimmed video): a one-hour
// still is refused before anything is probed or encoded. [Build] checks
// the exact length once the media is known.
func (s *Spec) CheckLength(preset string) *SpecError {
	if preset == "" {
		preset = s.PresetOrDefault()
	}
	pr, ok := presets[preset]
	if !ok || pr.MaxDuration == 0 {
		return nil
	}
	if d := s.NominalDuration(func(string) float64 { return 0 }); d > pr.MaxDuration+1e-9 {
		return s.errAt("clips", "the clips add up to at least %ss; the %s preset allows at most %ss (%s)",
			secs(d), preset, num(pr.MaxDuration), FormatTime(pr.MaxDuration))
	}
	return nil
}

func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("missing: every spec needs a project name")
	case utf8.RuneCountInString(name) > 100:
		return fmt.Errorf("longer than 100 characters")
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("must not start or end with spaces")
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("must not contain / or \\")
	case name == "." || name == "..":
		// a project's name is a path segment of the local API
		// (/v1/projects/NAME): "." and ".." would name another path
		return fmt.Errorf("%q is not a name (it means a directory in a path); pick a word", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("must not contain control characters")
		}
	}
	return nil
}

// has reports whether the key was written in the spec file.
func (s *Spec) has(path string) bool {
	_, ok := s.pos[path]
	return ok
}

func (s *Spec) checkClip(i int) *SpecError {
	c := &s.Clips[i]
	p := fmt.Sprintf("clips[%d]", i)
	var sources []string
	for _, k := range []string{"video", "image", "color", "gradient"} {
		if s.has(p + "." + k) {
			sources = append(sources, k)
		}
	}
	n := 0
	for _, set := range []bool{c.Video != "", c.Image != "", c.Color != "", len(c.Gradient) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return s.errAt(p, "needs video, image, color or gradient")
	case n > 1 && len(sources) > 1:
		return s.errAt(p+"."+sources[1], "a clip is one of video, image, color or gradient, not %s and %s", sources[0], sources[1])
	case n > 1:
		return s.errAt(p, "a clip is one of video, image, color or gradient")
	}
	// keys that do not apply to this kind of clip
	var not []string
	var why string
	switch {
	case c.IsVideo():
		not, why = []string{"duration", "zoom"}, "applies to image clips only (trim a video with in and out)"
	case c.IsImage():
		not, why = []string{"in", "out", "speed", "volume"}, "applies to video clips only"
	default:
		not, why = []string{"in", "out", "speed", "volume", "fit", "zoom"}, "does not apply to a title card (color or gradient: it has only a duration)"
	}
	for _, k := range not {
		if s.has(p + "." + k) {
			return s.errAt(p+"."+k, "%s", why)
		}
	}
	if c.IsVideo() {
		if c.Duration != 0 || c.Zoom != "" {
			return s.errAt(p, "duration and zoom apply to image clips only")
		}
		if (s.has(p+".out") || c.Out != 0) && c.Out <= c.In {
			return s.errAt(p+".out", "inverted trim: out %s is not after in %s", num(c.Out), num(c.In))
		}
	} else if c.In != 0 || c.Out != 0 || c.Speed != nil || c.Volume != nil {
		return s.errAt(p, "in, out, speed and volume apply to video clips only")
	}
	if c.IsCard() && (c.Fit != "" || c.Zoom != "") {
		return s.errAt(p, "fit and zoom do not apply to a title card")
	}
	if c.Speed != nil && (*c.Speed < minSpeed || *c.Speed > maxSpeed) {
		return s.errAt(p+".speed", "%s is out of range %s..%s", num(*c.Speed), num(minSpeed), num(maxSpeed))
	}
	if c.Fit != "" && !oneOf(c.Fit, fitValues) {
		return s.errAt(p+".fit", "unknown value %q (want %s)", c.Fit, orList(fitValues))
	}
	if c.Zoom != "" && !oneOf(c.Zoom, zoomValues) {
		return s.errAt(p+".zoom", "unknown value %q (want %s)", c.Zoom, orList(zoomValues))
	}
	if c.Transition != nil && !oneOf(c.TransitionType(), transitionValues) {
		return s.errAt(p+".transition.type", "unknown value %q (want %s)", c.Transition.Type, orList(transitionValues))
	}
	if d := c.TransitionDuration(); d > 0 {
		if i == len(s.Clips)-1 {
			return s.errAt(p+".transition", "the last clip has no next clip to transition into")
		}
		if l, ok := nominalLength(c); ok && d >= l {
			return s.errAt(p+".transition.duration", "%ss is not shorter than the clip (%ss)", num(d), num(l))
		}
		if l, ok := nominalLength(&s.Clips[i+1]); ok && d >= l {
			return s.errAt(p+".transition.duration", "%ss is not shorter than the next clip (%ss)", num(d), num(l))
		}
	}
	return nil
}

// nominalLength is a clip's output length when the spec alone decides it.
func nominalLength(c *Clip) (float64, bool) {
	if !c.IsVideo() {
		return c.DurationOrDefault(), true
	}
	if c.Out > 0 {
		return (c.Out - c.In) / c.SpeedOrDefault(), true
	}
	return 0, false
}

var namedColors = map[string]string{
	"white": "FFFFFF", "black": "000000", "red": "FF0000", "green": "00FF00",
	"blue": "0000FF", "yellow": "FFFF00", "cyan": "00FFFF", "magenta": "FF00FF",
	"gray": "808080", "grey": "808080", "orange": "FFA500",
}

func colorNames() []string {
	n := make([]string, 0, len(namedColors))
	for k := range namedColors {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// parseColor turns a spec colour into ffmpeg's 0xRRGGBBAA. Only hex digits
// and the fixed names above are accepted, so the result is safe inside a
// filter argument.
func parseColor(c string) (string, error) {
	if hex, ok := namedColors[strings.ToLower(c)]; ok {
		return "0x" + hex + "FF", nil
	}
	h, ok := strings.CutPrefix(c, "#")
	if !ok {
		return "", fmt.Errorf("unknown colour %q", c)
	}
	for _, r := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return "", fmt.Errorf("unknown colour %q", c)
		}
	}
	h = strings.ToUpper(h)
	switch len(h) {
	case 3:
		return "0x" + string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]}) + "FF", nil
	case 6:
		return "0x" + h + "FF", nil
	case 8:
		return "0x" + h, nil
	}
	return "", fmt.Errorf("unknown colour %q", c)
}
