package api

import (
	"encoding/json"
	"fmt"
)

// Spec is a project spec in its JSON form (README "Projects, specs and renders"; a
// spec file may be YAML or JSON). It mirrors the render package's spec
// field for field, with the same names and the same omissions, so that a
// Spec decoded from `impress project export` and written back as JSON is
// the same spec: the TUI editor works on this type and saves it with
// [Client.ApplyProject].
//
// Optional numbers are pointers where zero means something (volume 0
// mutes); media paths are absolute (export writes media-store paths).
type Spec struct {
	Version  int           `json:"version"`
	Name     string        `json:"name"`
	Preset   string        `json:"preset,omitempty"`
	FPS      float64       `json:"fps,omitempty"`
	Defaults *SpecDefaults `json:"defaults,omitempty"`
	Clips    []SpecClip    `json:"clips"`
	Texts    []SpecText    `json:"texts,omitempty"`
	Overlays []SpecOverlay `json:"overlays,omitempty"`
	Captions *SpecCaptions `json:"captions,omitempty"`
	Audio    []SpecTrack   `json:"audio,omitempty"`
	Loudness *float64      `json:"loudness,omitempty"`
	Cover    *SpecCover    `json:"cover,omitempty"`
	Publish  *SpecPublish  `json:"publish,omitempty"`
}

// SpecDefaults are the spec-wide values of clip and text keys: each
// applies where a clip or text does not set its own.
type SpecDefaults struct {
	Fit        string          `json:"fit,omitempty"`
	Duration   float64         `json:"duration,omitempty"` // image clips and title cards
	Transition *SpecTransition `json:"transition,omitempty"`
	Text       *SpecTextStyle  `json:"text,omitempty"`
}

// SpecClip is one timeline clip: exactly one of Video, Image, Color and
// Gradient is set (Color and Gradient make a title card). In, Out, Speed
// and Volume apply to videos (Out 0: to the end); Duration to images and
// title cards, Zoom to images.
type SpecClip struct {
	Video      string          `json:"video,omitempty"`
	Image      string          `json:"image,omitempty"`
	Color      string          `json:"color,omitempty"`
	Gradient   []string        `json:"gradient,omitempty"` // top to bottom
	In         float64         `json:"in,omitempty"`
	Out        float64         `json:"out,omitempty"`
	Fit        string          `json:"fit,omitempty"` // one of SpecFits; default crop
	Speed      *float64        `json:"speed,omitempty"`
	Volume     *float64        `json:"volume,omitempty"`
	Transition *SpecTransition `json:"transition,omitempty"`
	Duration   float64         `json:"duration,omitempty"`
	Zoom       string          `json:"zoom,omitempty"` // none | in | out
}

// SpecTransition leads from its clip into the next one.
type SpecTransition struct {
	Type     string  `json:"type"`
	Duration float64 `json:"duration,omitempty"`
}

// SpecText is a title drawn over the output, shown literally. With Clip
// (1 is the first clip) Start and End count from that clip's start.
type SpecText struct {
	Text  string  `json:"text"`
	Clip  int     `json:"clip,omitempty"`
	Start float64 `json:"start,omitempty"`
	End   float64 `json:"end,omitempty"`
	SpecTextStyle
}

// SpecTextStyle is how a text looks; SpecDefaults.Text sets it for all.
type SpecTextStyle struct {
	Position    *SpecPosition `json:"position,omitempty"`
	Size        int           `json:"size,omitempty"`
	Color       string        `json:"color,omitempty"`
	Box         *bool         `json:"box,omitempty"`
	Font        string        `json:"font,omitempty"`         // a fontconfig name or a font file
	Align       string        `json:"align,omitempty"`        // one of SpecAligns
	LineSpacing float64       `json:"line_spacing,omitempty"` // baseline distance in font sizes
	MaxLines    int           `json:"max_lines,omitempty"`
	Fit         string        `json:"fit,omitempty"` // one of SpecTextFits
}

// SpecOverlay is a picture or video laid over the output (a logo, a
// picture-in-picture): exactly one of Image and Video.
type SpecOverlay struct {
	Image    string        `json:"image,omitempty"`
	Video    string        `json:"video,omitempty"`
	Position *SpecPosition `json:"position,omitempty"` // one of SpecOverlayPositions or {x, y}
	Size     float64       `json:"size,omitempty"`     // width as a fraction of the frame's
	Opacity  *float64      `json:"opacity,omitempty"`
	Start    float64       `json:"start,omitempty"`
	End      float64       `json:"end,omitempty"`
}

// SpecPosition is a named place (SpecPositions, or SpecOverlayPositions
// for an overlay) or the fractions X, Y of the frame. On the wire it is a string or {"x":…,"y":…}.
type SpecPosition struct {
	Named string
	X, Y  float64
}

type specXY struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MarshalJSON writes a named position as a string, else {x, y}.
func (p SpecPosition) MarshalJSON() ([]byte, error) {
	if p.Named != "" {
		return json.Marshal(p.Named)
	}
	return json.Marshal(specXY{p.X, p.Y})
}

// UnmarshalJSON reads either form.
func (p *SpecPosition) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*p = SpecPosition{Named: name}
		return nil
	}
	var xy specXY
	if err := json.Unmarshal(b, &xy); err != nil {
		return fmt.Errorf("position: want a name or {x, y}: %w", err)
	}
	*p = SpecPosition{X: xy.X, Y: xy.Y}
	return nil
}

// String is the position as a spec writes it.
func (p SpecPosition) String() string {
	if p.Named != "" {
		return p.Named
	}
	return fmt.Sprintf("{x: %g, y: %g}", p.X, p.Y)
}

// SpecCaptions burns an SRT or WebVTT file into the video.
type SpecCaptions struct {
	File  string            `json:"file"`
	Style *SpecCaptionStyle `json:"style,omitempty"`
	Words bool              `json:"words,omitempty"`
}

// SpecCaptionStyle sets the caption size and place.
type SpecCaptionStyle struct {
	Size     int           `json:"size,omitempty"`
	Position *SpecPosition `json:"position,omitempty"`
}

// SpecTrack is a music or voice track mixed under the clips.
type SpecTrack struct {
	File    string   `json:"file"`
	In      float64  `json:"in,omitempty"` // where in the file it starts
	Out     float64  `json:"out,omitempty"`
	Volume  *float64 `json:"volume,omitempty"`
	Start   float64  `json:"start,omitempty"`
	FadeIn  float64  `json:"fade_in,omitempty"`
	FadeOut float64  `json:"fade_out,omitempty"`
	Duck    bool     `json:"duck,omitempty"`
}

// SpecCover picks the cover: a frame of the output (At) or an image.
type SpecCover struct {
	At    *float64 `json:"at,omitempty"`
	Image string   `json:"image,omitempty"`
}

// SpecPublish holds the project's defaults for `impress publish`.
type SpecPublish struct {
	Type          string   `json:"type,omitempty"`
	Caption       string   `json:"caption,omitempty"`
	ShareToFeed   *bool    `json:"share_to_feed,omitempty"`
	FirstComment  string   `json:"first_comment,omitempty"`
	Collaborators []string `json:"collaborators,omitempty"`
	LocationID    string   `json:"location_id,omitempty"`
	AudioName     string   `json:"audio_name,omitempty"`
	ThumbOffset   *int     `json:"thumb_offset,omitempty"`
}
