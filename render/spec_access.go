package render

import (
	"cmp"
	"fmt"
	"strings"
)

// IsImage reports whether the clip shows a still image.
func (c *Clip) IsImage() bool { return c.Image != "" }

// IsCard reports whether the clip is a title card (color or gradient).
func (c *Clip) IsCard() bool { return c.Color != "" || len(c.Gradient) > 0 }

// IsVideo reports whether the clip plays a video file.
func (c *Clip) IsVideo() bool { return c.Video != "" }

// The accessors below apply the spec's defaults. A key whose zero value
// means "unset" is read with cmp.Or; one where 0 is a real value (volume 0
// mutes) is a pointer in the spec, read with valueOr.

// Source returns the clip's media path (video or image; "" for a title card).
func (c *Clip) Source() string { return cmp.Or(c.Image, c.Video) }

// SpeedOrDefault returns the playback speed (default 1).
func (c *Clip) SpeedOrDefault() float64 { return valueOr(c.Speed, 1) }

// VolumeOrDefault returns the clip audio gain (default 1; 0 mutes).
func (c *Clip) VolumeOrDefault() float64 { return valueOr(c.Volume, 1) }

// FitOrDefault returns the fit mode (default crop).
func (c *Clip) FitOrDefault() string { return cmp.Or(c.Fit, "crop") }

// DurationOrDefault returns how long an image clip or a title card is
// shown (default 3 s).
func (c *Clip) DurationOrDefault() float64 { return cmp.Or(c.Duration, defaultImageDuration) }

// TransitionType returns the transition into the next clip ("none" if unset).
func (c *Clip) TransitionType() string {
	if c.Transition == nil {
		return "none"
	}
	return cmp.Or(c.Transition.Type, "none")
}

// TransitionDuration returns the transition length in seconds (default 0.5),
// or 0 when there is no transition.
func (c *Clip) TransitionDuration() float64 {
	if c.TransitionType() == "none" {
		return 0
	}
	return cmp.Or(c.Transition.Duration, defaultTransitionDuration)
}

// SizeOrDefault returns the font size at 1080 px width (default 64).
func (t *TextStyle) SizeOrDefault() int { return cmp.Or(t.Size, defaultTextSize) }

// ColorOrDefault returns the text colour (default white).
func (t *TextStyle) ColorOrDefault() string { return cmp.Or(t.Color, defaultTextColor) }

// BoxOn reports whether a box is drawn behind the text (default no).
func (t *TextStyle) BoxOn() bool { return t.Box != nil && *t.Box }

// AlignOrDefault returns the line alignment (default center).
func (t *TextStyle) AlignOrDefault() string { return cmp.Or(t.Align, "center") }

// LineSpacingOrDefault returns the baseline distance in font sizes (default 1.25).
func (t *TextStyle) LineSpacingOrDefault() float64 { return cmp.Or(t.LineSpacing, defaultLineSpacing) }

// Shrinks reports fit: shrink.
func (t *TextStyle) Shrinks() bool { return t.Fit == "shrink" }

// SizeOrDefault returns the overlay's width as a fraction of the frame (default 0.25).
func (o *Overlay) SizeOrDefault() float64 { return cmp.Or(o.Size, defaultOverlaySize) }

// OpacityOrDefault returns the overlay's opacity (default 1).
func (o *Overlay) OpacityOrDefault() float64 { return valueOr(o.Opacity, 1) }

// Source returns the overlay's media path.
func (o *Overlay) Source() string { return cmp.Or(o.Image, o.Video) }

// VolumeOrDefault returns the track gain (default 1).
func (t *Track) VolumeOrDefault() float64 { return valueOr(t.Volume, 1) }

// PresetOrDefault returns the spec's preset name (default DefaultPreset).
func (s *Spec) PresetOrDefault() string { return cmp.Or(s.Preset, DefaultPreset) }

// valueOr is *p, or def when the spec leaves the key out.
func valueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// NominalDuration estimates the output's length from the spec alone and
// the length of each video file (srcLen; 0 when unknown): the clips in
// order with their defaults applied, transitions overlapping. Build's
// frame count is the exact answer; this is for listings before a render.
func (s *Spec) NominalDuration(srcLen func(path string) float64) float64 {
	e := s.Effective()
	total := 0.0
	for i := range e.Clips {
		c := &e.Clips[i]
		l, ok := nominalLength(c)
		if !ok {
			l = max(0, srcLen(c.Video)-c.In) / c.SpeedOrDefault()
		}
		total += l
		if i < len(e.Clips)-1 {
			total -= c.TransitionDuration()
		}
	}
	return max(0, total)
}

// File returns the name the spec was parsed from ("" if built in code).
func (s *Spec) File() string { return s.file }

// MediaPaths returns every media file the spec names (clips, overlays,
// captions, audio, cover image), in spec order, without duplicates. After
// [Spec.Resolve] the paths are absolute.
func (s *Spec) MediaPaths() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.MediaRefs() {
		if p := *r.Path; !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// Kinds of media file a spec key wants ([MediaRef].Want).
const (
	WantVideo    = "video"
	WantImage    = "image"
	WantAudio    = "audio"
	WantSubtitle = "subtitle"
)

// MediaRef is one media path of a spec: its key for messages, a pointer
// to the path so a caller may rewrite it (the daemon maps files into its
// media store), and the kind of file the key wants.
type MediaRef struct {
	Key  string
	Path *string
	Want string
}

// MediaRefs lists every media path the spec names, in spec order. It is
// the one list of the spec's file keys: Resolve, MediaPaths and the
// daemon's media store all walk it, so a new key cannot be missed by one.
func (s *Spec) MediaRefs() []MediaRef {
	var out []MediaRef
	add := func(key string, p *string, want string) {
		if *p != "" {
			out = append(out, MediaRef{Key: key, Path: p, Want: want})
		}
	}
	for i := range s.Clips {
		c := &s.Clips[i]
		add(fmt.Sprintf("clips[%d].video", i), &c.Video, WantVideo)
		add(fmt.Sprintf("clips[%d].image", i), &c.Image, WantImage)
	}
	for i := range s.Overlays {
		o := &s.Overlays[i]
		add(fmt.Sprintf("overlays[%d].image", i), &o.Image, WantImage)
		add(fmt.Sprintf("overlays[%d].video", i), &o.Video, WantVideo)
	}
	if s.Captions != nil {
		add("captions.file", &s.Captions.File, WantSubtitle)
	}
	for i := range s.Audio {
		add(fmt.Sprintf("audio[%d].file", i), &s.Audio[i].File, WantAudio)
	}
	if s.Cover != nil {
		add("cover.image", &s.Cover.Image, WantImage)
	}
	return out
}

// line returns the spec line of a key path, or of its nearest parent.
func (s *Spec) line(path string) int {
	for path != "" {
		if l, ok := s.pos[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// errAt builds a *SpecError for a key path of this spec. On an effective
// spec, a value that came from the defaults block is reported at its
// defaults key, saying which clip or text it was applied to.
func (s *Spec) errAt(path, format string, args ...any) *SpecError {
	key, filled := s.origin(path)
	if filled != "" {
		format = "(applied to " + filled + ") " + format
	}
	return newSpecError(s.file, s.line(key), key, format, args...)
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// fontRefs lists the spec's font keys (defaults.text.font and each text's
// own), names and paths alike.
func (s *Spec) fontRefs() []MediaRef {
	var out []MediaRef
	if d := s.Defaults; d != nil && d.Text != nil && d.Text.Font != "" {
		out = append(out, MediaRef{Key: "defaults.text.font", Path: &d.Text.Font})
	}
	for i := range s.Texts {
		if s.Texts[i].Font != "" {
			out = append(out, MediaRef{Key: fmt.Sprintf("texts[%d].font", i), Path: &s.Texts[i].Font})
		}
	}
	return out
}
