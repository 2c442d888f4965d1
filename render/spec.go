package render

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
	Version int     `yaml:"version" json:"version"`
	Name    string  `yaml:"name" json:"name"`
	Preset  string  `yaml:"preset,omitempty" json:"preset,omitempty"`
	FPS     float64 `yaml:"fps,omitempty" json:"fps,omitempty"`
	// Defaults apply to every clip and text that does not say otherwise
	// (see [Spec.Effective]).
	Defaults *Defaults `yaml:"defaults,omitempty" json:"defaults,omitempty"`
	Clips    []Clip    `yaml:"clips" json:"clips"`
	Texts    []Text    `yaml:"texts,omitempty" json:"texts,omitempty"`
	Overlays []Overlay `yaml:"overlays,omitempty" json:"overlays,omitempty"`
	Captions *Captions `yaml:"captions,omitempty" json:"captions,omitempty"`
	Audio    []Track   `yaml:"audio,omitempty" json:"audio,omitempty"`
	// Loudness is the integrated loudness target in LUFS (e.g. -14); nil skips normalisation.
	Loudness *float64 `yaml:"loudness,omitempty" json:"loudness,omitempty"`
	Cover    *Cover   `yaml:"cover,omitempty" json:"cover,omitempty"`
	Publish  *Publish `yaml:"publish,omitempty" json:"publish,omitempty"`

	file string         // the spec's file name, for errors
	pos  map[string]int // key path ("clips[0].video") → line in the spec file
	// from maps a key path filled in by Effective to the defaults key it
	// came from ("clips[2].transition" → "defaults.transition"), so errors
	// about it point at the line the user wrote.
	from map[string]string
}

// Defaults are the spec-wide values of clip and text keys.
type Defaults struct {
	// Fit of every video and image clip without one.
	Fit string `yaml:"fit,omitempty" json:"fit,omitempty"`
	// Duration of every image clip and title card without one.
	Duration float64 `yaml:"duration,omitempty" json:"duration,omitempty"`
	// Transition out of every clip but the last that has none of its own
	// (a clip's `transition: {type: none}` opts out).
	Transition *Transition `yaml:"transition,omitempty" json:"transition,omitempty"`
	// Text is the style of every text, key by key.
	Text *TextStyle `yaml:"text,omitempty" json:"text,omitempty"`
}

// Clip is one entry of clips: exactly one of Video, Image, Color or
// Gradient is set. A Color or Gradient clip is a title card: a plain or
// graded background for its duration, usually with texts on it.
type Clip struct {
	Video string `yaml:"video,omitempty" json:"video,omitempty"`
	Image string `yaml:"image,omitempty" json:"image,omitempty"`
	// Color makes a title card of one colour.
	Color string `yaml:"color,omitempty" json:"color,omitempty"`
	// Gradient makes a title card graded from the first colour at the top
	// to the last at the bottom (2 to 8 colours).
	Gradient []string `yaml:"gradient,omitempty" json:"gradient,omitempty"`
	// In and Out trim a video clip, in seconds of the source; Out 0 means the end.
	In  float64 `yaml:"in,omitempty" json:"in,omitempty"`
	Out float64 `yaml:"out,omitempty" json:"out,omitempty"`
	// Fit is crop (default), pad, blur or stretch.
	Fit   string   `yaml:"fit,omitempty" json:"fit,omitempty"`
	Speed *float64 `yaml:"speed,omitempty" json:"speed,omitempty"`
	// Volume scales the clip's own audio; 0 mutes it. Default 1.
	Volume     *float64    `yaml:"volume,omitempty" json:"volume,omitempty"`
	Transition *Transition `yaml:"transition,omitempty" json:"transition,omitempty"`
	// Duration is how long an image clip or a title card is shown (default 3 s).
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
// written to files that drawtext reads with expansion off, so no character
// is special. It is wrapped to fit the preset's safe area (see layout.go).
type Text struct {
	Text string `yaml:"text" json:"text"`
	// Clip makes Start and End count from the start of that clip (1 is the
	// first); without End the text lasts to the end of that clip.
	Clip      int     `yaml:"clip,omitempty" json:"clip,omitempty"`
	Start     float64 `yaml:"start,omitempty" json:"start,omitempty"`
	End       float64 `yaml:"end,omitempty" json:"end,omitempty"`
	TextStyle `yaml:",inline"`
}

// TextStyle is how a text looks; [Defaults].Text sets it for every text.
type TextStyle struct {
	Position *Position `yaml:"position,omitempty" json:"position,omitempty"`
	// Size is the font size in pixels at 1080 px width (default 64).
	Size  int    `yaml:"size,omitempty" json:"size,omitempty"`
	Color string `yaml:"color,omitempty" json:"color,omitempty"`
	// Box draws a translucent black box behind the text.
	Box *bool `yaml:"box,omitempty" json:"box,omitempty"`
	// Font is a fontconfig name ("DejaVu Sans Bold") or a font file.
	Font string `yaml:"font,omitempty" json:"font,omitempty"`
	// Align lines up the lines: left, center (default) or right.
	Align string `yaml:"align,omitempty" json:"align,omitempty"`
	// LineSpacing is the distance of baselines in font sizes (default 1.25).
	LineSpacing float64 `yaml:"line_spacing,omitempty" json:"line_spacing,omitempty"`
	// MaxLines caps the lines; the last one kept ends in "…" (shrink: the
	// lines the size is lowered to fit in, default 1).
	MaxLines int `yaml:"max_lines,omitempty" json:"max_lines,omitempty"`
	// Fit is wrap (default: word wrap, then break long words) or shrink
	// (lower the size until the text fits in MaxLines).
	Fit string `yaml:"fit,omitempty" json:"fit,omitempty"`
}

// Position is either a named place (top, center, bottom; for overlays the
// 3x3 grid top-left … bottom-right) or fractions of the frame (X, Y in
// 0..1) giving the centre of the text or overlay.
type Position struct {
	Named string
	X, Y  float64
}

// Overlay is a picture or a video laid over the output: a logo
// watermark, a picture-in-picture.
type Overlay struct {
	Image string `yaml:"image,omitempty" json:"image,omitempty"`
	Video string `yaml:"video,omitempty" json:"video,omitempty"`
	// Position is a named place inside the safe area (default top-right)
	// or {x, y}, the overlay's centre as fractions of the frame.
	Position *Position `yaml:"position,omitempty" json:"position,omitempty"`
	// Size is the overlay's width as a fraction of the frame's (default
	// 0.25); the height keeps the picture's aspect.
	Size float64 `yaml:"size,omitempty" json:"size,omitempty"`
	// Opacity 0..1 (default 1).
	Opacity *float64 `yaml:"opacity,omitempty" json:"opacity,omitempty"`
	// Start and End in seconds of the output (End 0: to the end, or to
	// the end of the overlay's video).
	Start float64 `yaml:"start,omitempty" json:"start,omitempty"`
	End   float64 `yaml:"end,omitempty" json:"end,omitempty"`
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
	File string `yaml:"file" json:"file"`
	// In and Out cut the track, in seconds of the file (Out 0: to its end).
	In      float64  `yaml:"in,omitempty" json:"in,omitempty"`
	Out     float64  `yaml:"out,omitempty" json:"out,omitempty"`
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

// Defaults applied by the accessors.
const (
	defaultImageDuration      = 3.0
	defaultTransitionDuration = 0.5
	defaultTextSize           = 64
	defaultCaptionSize        = 56
	defaultTextColor          = "#FFFFFF"
	defaultLineSpacing        = 1.25
	defaultOverlaySize        = 0.25
	maxGradientColors         = 8 // what ffmpeg's gradients source draws
	minSpeed, maxSpeed        = 0.25, 4.0
	maxVolume                 = 10.0
	minFPS, maxFPS            = 23.0, 60.0
)
