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
	Clips    []SpecClip    `json:"clips"`
	Texts    []SpecText    `json:"texts,omitempty"`
	Captions *SpecCaptions `json:"captions,omitempty"`
	Audio    []SpecTrack   `json:"audio,omitempty"`
	Loudness *float64      `json:"loudness,omitempty"`
	Cover    *SpecCover    `json:"cover,omitempty"`
	Publish  *SpecPublish  `json:"publish,omitempty"`
}

// SpecClip is one timeline clip: exactly one of Video and Image is set.
// In, Out, Speed and Volume apply to videos (Out 0: to the end); Duration
// and Zoom to images.
type SpecClip struct {
	Video      string          `json:"video,omitempty"`
	Image      string          `json:"image,omitempty"`
	In         float64         `json:"in,omitempty"`
	Out        float64         `json:"out,omitempty"`
	Fit        string          `json:"fit,omitempty"` // crop (default) | pad | blur
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

// SpecText is a title drawn over the output, shown literally.
type SpecText struct {
	Text     string        `json:"text"`
	Start    float64       `json:"start,omitempty"`
	End      float64       `json:"end,omitempty"`
	Position *SpecPosition `json:"position,omitempty"`
	Size     int           `json:"size,omitempty"`
	Color    string        `json:"color,omitempty"`
	Box      bool          `json:"box,omitempty"`
}

// SpecPosition is a named place (top, center, bottom) or the fractions X, Y
// of the frame. On the wire it is a string or {"x":…,"y":…}.
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
