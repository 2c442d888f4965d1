package render

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// check enforces the rules that span several keys. Rules that need the
// media (a trim past the end of a file, a transition longer than a video
// clip) are checked by [Build], which also answers with a *SpecError.
func (s *Spec) check() error {
	if s.Version != SpecVersion {
		return s.errAt("version", "unknown value %d (this impress reads version %d)", s.Version, SpecVersion)
	}
	if err := checkName(s.Name); err != nil {
		return s.errAt("name", "%v", err)
	}
	if len(s.Clips) == 0 {
		return s.errAt("clips", "a spec needs at least one clip")
	}
	for i := range s.Clips {
		if err := s.checkClip(i); err != nil {
			return err
		}
	}
	for i, t := range s.Texts {
		p := fmt.Sprintf("texts[%d]", i)
		if t.Text == "" {
			return s.errAt(p+".text", "missing or empty")
		}
		if s.has(p+".end") && t.End <= t.Start {
			return s.errAt(p+".end", "end %s must be after start %s", num(t.End), num(t.Start))
		}
	}
	if c := s.Captions; c != nil && c.File == "" {
		return s.errAt("captions.file", "missing: the SRT or WebVTT file to burn in")
	}
	for i, t := range s.Audio {
		if t.File == "" {
			return s.errAt(fmt.Sprintf("audio[%d].file", i), "missing: the audio file to mix in")
		}
	}
	if c := s.Cover; c != nil {
		if (c.At == nil) == (c.Image == "") {
			return s.errAt("cover", "give exactly one of at (seconds into the video) or image (a file)")
		}
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

func (s *Spec) checkClip(i int) error {
	c := &s.Clips[i]
	p := fmt.Sprintf("clips[%d]", i)
	switch {
	case c.Video == "" && c.Image == "":
		return s.errAt(p, "needs video or image")
	case c.Video != "" && c.Image != "":
		return s.errAt(p+".image", "a clip is either a video or an image, not both")
	}
	if c.IsImage() {
		for _, k := range []string{"in", "out", "speed", "volume"} {
			if s.has(p + "." + k) {
				return s.errAt(p+"."+k, "applies to video clips only")
			}
		}
		if c.In != 0 || c.Out != 0 || c.Speed != nil || c.Volume != nil {
			return s.errAt(p, "in, out, speed and volume apply to video clips only")
		}
	} else {
		for _, k := range []string{"duration", "zoom"} {
			if s.has(p + "." + k) {
				return s.errAt(p+"."+k, "applies to image clips only (trim a video with in and out)")
			}
		}
		if c.Duration != 0 || c.Zoom != "" {
			return s.errAt(p, "duration and zoom apply to image clips only")
		}
		if (s.has(p+".out") || c.Out != 0) && c.Out <= c.In {
			return s.errAt(p+".out", "inverted trim: out %s is not after in %s", num(c.Out), num(c.In))
		}
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
	if c.IsImage() {
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
