package render

import "strings"

// SpecVersion is the only spec format version this package reads.
const SpecVersion = 1

// Spec is a project spec as written by the user (README "Projects, specs and renders").
// Optional numbers are pointers where zero is a meaningful value (volume 0
// mutes) so that [MarshalSpec] writes back exactly what was given; read the
// effective values through the accessor methods, which apply the defaults.
//
// A Spec from [ParseSpec] still names media relative to the spec file;
// [Spec.Resolve] makes the paths absolute and checks that the files exist.
type Spec struct {
	Version  int       `yaml:"version" json:"version"`
	Name     string    `yaml:"name" json:"name"`
	Preset   string    `yaml:"preset,omitempty" json:"preset,omitempty"`
	FPS      float64   `yaml:"fps,omitempty" json:"fps,omitempty"`
	Clips    []Clip    `yaml:"clips" json:"clips"`
	Texts    []Text    `yaml:"texts,omitempty" json:"texts,omitempty"`
	Captions *Captions `yaml:"captions,omitempty" json:"captions,omitempty"`
	Audio    []Track   `yaml:"audio,omitempty" json:"audio,omitempty"`
	// Loudness is the integrated loudness target in LUFS (e.g. -14); nil skips normalisation.
	Loudness *float64 `yaml:"loudness,omitempty" json:"loudness,omitempty"`
	Cover    *Cover   `yaml:"cover,omitempty" json:"cover,omitempty"`
	Publish  *Publish `yaml:"publish,omitempty" json:"publish,omitempty"`

	file string         // the spec's file name, for errors
	pos  map[string]int // key path ("clips[0].video") → line in the spec file
}

// Clip is one entry of clips: exactly one of Video or Image is set.
type Clip struct {
	Video string `yaml:"video,omitempty" json:"video,omitempty"`
	Image string `yaml:"image,omitempty" json:"image,omitempty"`
	// In and Out trim a video clip, in seconds of the source; Out 0 means the end.
	In  float64 `yaml:"in,omitempty" json:"in,omitempty"`
	Out float64 `yaml:"out,omitempty" json:"out,omitempty"`
	// Fit is crop (default), pad or blur.
	Fit   string   `yaml:"fit,omitempty" json:"fit,omitempty"`
	Speed *float64 `yaml:"speed,omitempty" json:"speed,omitempty"`
	// Volume scales the clip's own audio; 0 mutes it. Default 1.
	Volume     *float64    `yaml:"volume,omitempty" json:"volume,omitempty"`
	Transition *Transition `yaml:"transition,omitempty" json:"transition,omitempty"`
	// Duration is how long an image clip is shown (default 3 s).
	Duration float64 `yaml:"duration,omitempty" json:"duration,omitempty"`
	// Zoom is none (default), in or out: a slow Ken Burns zoom of an image clip.
	Zoom string `yaml:"zoom,omitempty" json:"zoom,omitempty"`
}

// Transition leads from its clip into the next one.
type Transition struct {
	Type     string  `yaml:"type" json:"type"`
	Duration float64 `yaml:"duration,omitempty" json:"duration,omitempty"`
}

// Text is a title drawn over the output. Its text is shown literally: it is
// written to a file that drawtext reads with expansion off, so no character
// is special.
type Text struct {
	Text     string    `yaml:"text" json:"text"`
	Start    float64   `yaml:"start,omitempty" json:"start,omitempty"`
	End      float64   `yaml:"end,omitempty" json:"end,omitempty"`
	Position *Position `yaml:"position,omitempty" json:"position,omitempty"`
	Size     int       `yaml:"size,omitempty" json:"size,omitempty"`
	Color    string    `yaml:"color,omitempty" json:"color,omitempty"`
	Box      bool      `yaml:"box,omitempty" json:"box,omitempty"`
}

// Position is either a named place (top, center, bottom) or fractions of the
// frame (X, Y in 0..1) giving the centre of the text.
type Position struct {
	Named string
	X, Y  float64
}

// Captions burns an SRT or WebVTT file into the video.
type Captions struct {
	File  string        `yaml:"file" json:"file"`
	Style *CaptionStyle `yaml:"style,omitempty" json:"style,omitempty"`
	// Words shows one word at a time, each cue's time split across its words.
	Words bool `yaml:"words,omitempty" json:"words,omitempty"`
}

// CaptionStyle sets the caption font size (at 1080 px width) and place.
type CaptionStyle struct {
	Size     int       `yaml:"size,omitempty" json:"size,omitempty"`
	Position *Position `yaml:"position,omitempty" json:"position,omitempty"`
}

// Track is a music or voice track mixed under the clips.
type Track struct {
	File    string   `yaml:"file" json:"file"`
	Volume  *float64 `yaml:"volume,omitempty" json:"volume,omitempty"`
	Start   float64  `yaml:"start,omitempty" json:"start,omitempty"`
	FadeIn  float64  `yaml:"fade_in,omitempty" json:"fade_in,omitempty"`
	FadeOut float64  `yaml:"fade_out,omitempty" json:"fade_out,omitempty"`
	// Duck lowers the track while the clips' own audio plays (sidechain compression).
	Duck bool `yaml:"duck,omitempty" json:"duck,omitempty"`
}

// Cover picks the cover: a frame of the output (At, seconds) or an image file.
type Cover struct {
	At    *float64 `yaml:"at,omitempty" json:"at,omitempty"`
	Image string   `yaml:"image,omitempty" json:"image,omitempty"`
}

// Publish holds the defaults `impress publish` uses for this project. The
// render package only checks their shape; the daemon applies them.
type Publish struct {
	Type          string   `yaml:"type,omitempty" json:"type,omitempty"` // reel | story | image | carousel
	Caption       string   `yaml:"caption,omitempty" json:"caption,omitempty"`
	ShareToFeed   *bool    `yaml:"share_to_feed,omitempty" json:"share_to_feed,omitempty"`
	FirstComment  string   `yaml:"first_comment,omitempty" json:"first_comment,omitempty"`
	Collaborators []string `yaml:"collaborators,omitempty" json:"collaborators,omitempty"`
	LocationID    string   `yaml:"location_id,omitempty" json:"location_id,omitempty"`
	AudioName     string   `yaml:"audio_name,omitempty" json:"audio_name,omitempty"`
	// ThumbOffset is the cover frame Instagram picks, in milliseconds, when no cover is uploaded.
	ThumbOffset *int `yaml:"thumb_offset,omitempty" json:"thumb_offset,omitempty"`
}

// Enumerations accepted in a spec. Keep the error messages in spec_parse.go
// in step: they list these values.
var (
	fitValues        = []string{"crop", "pad", "blur"}
	zoomValues       = []string{"none", "in", "out"}
	transitionValues = []string{"none", "fade", "slideleft", "slideup", "wipeleft", "dissolve"}
	positionValues   = []string{"top", "center", "bottom"}
	publishTypes     = []string{"reel", "story", "image", "carousel"}
)

// Defaults applied by the accessors.
const (
	defaultImageDuration      = 3.0
	defaultTransitionDuration = 0.5
	defaultTextSize           = 64
	defaultCaptionSize        = 56
	defaultTextColor          = "#FFFFFF"
	minSpeed, maxSpeed        = 0.25, 4.0
	maxVolume                 = 10.0
	minFPS, maxFPS            = 23.0, 60.0
)

// IsImage reports whether the clip shows a still image.
func (c *Clip) IsImage() bool { return c.Image != "" }

// Source returns the clip's media path (video or image).
func (c *Clip) Source() string {
	if c.Image != "" {
		return c.Image
	}
	return c.Video
}

// SpeedOrDefault returns the playback speed (default 1).
func (c *Clip) SpeedOrDefault() float64 {
	if c.Speed == nil {
		return 1
	}
	return *c.Speed
}

// VolumeOrDefault returns the clip audio gain (default 1; 0 mutes).
func (c *Clip) VolumeOrDefault() float64 {
	if c.Volume == nil {
		return 1
	}
	return *c.Volume
}

// FitOrDefault returns the fit mode (default crop).
func (c *Clip) FitOrDefault() string {
	if c.Fit == "" {
		return "crop"
	}
	return c.Fit
}

// DurationOrDefault returns how long an image clip is shown (default 3 s).
func (c *Clip) DurationOrDefault() float64 {
	if c.Duration == 0 {
		return defaultImageDuration
	}
	return c.Duration
}

// TransitionType returns the transition into the next clip ("none" if unset).
func (c *Clip) TransitionType() string {
	if c.Transition == nil || c.Transition.Type == "" {
		return "none"
	}
	return c.Transition.Type
}

// TransitionDuration returns the transition length in seconds (default 0.5),
// or 0 when there is no transition.
func (c *Clip) TransitionDuration() float64 {
	if c.TransitionType() == "none" {
		return 0
	}
	if c.Transition.Duration == 0 {
		return defaultTransitionDuration
	}
	return c.Transition.Duration
}

// SizeOrDefault returns the font size at 1080 px width (default 64).
func (t *Text) SizeOrDefault() int {
	if t.Size == 0 {
		return defaultTextSize
	}
	return t.Size
}

// ColorOrDefault returns the text colour (default white).
func (t *Text) ColorOrDefault() string {
	if t.Color == "" {
		return defaultTextColor
	}
	return t.Color
}

// VolumeOrDefault returns the track gain (default 1).
func (t *Track) VolumeOrDefault() float64 {
	if t.Volume == nil {
		return 1
	}
	return *t.Volume
}

// PresetOrDefault returns the spec's preset name (default reels).
func (s *Spec) PresetOrDefault() string {
	if s.Preset == "" {
		return "reels"
	}
	return s.Preset
}

// File returns the name the spec was parsed from ("" if built in code).
func (s *Spec) File() string { return s.file }

// MediaPaths returns every media file the spec names (clips, captions,
// audio, cover image), in spec order, without duplicates. After
// [Spec.Resolve] the paths are absolute.
func (s *Spec) MediaPaths() []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for i := range s.Clips {
		add(s.Clips[i].Source())
	}
	if s.Captions != nil {
		add(s.Captions.File)
	}
	for i := range s.Audio {
		add(s.Audio[i].File)
	}
	if s.Cover != nil {
		add(s.Cover.Image)
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

// errAt builds a *SpecError for a key path of this spec.
func (s *Spec) errAt(path, format string, args ...any) *SpecError {
	return newSpecError(s.file, s.line(path), path, format, args...)
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
