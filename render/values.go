package render

import "github.com/impress-dev/impress/api"

// The values a spec accepts for its enumerated keys are api's lists
// (api/specvalues.go): one definition, which the TUI offers and the parser
// accepts, so the two cannot drift (internal/archtest fails when a copy of
// a list appears anywhere else). render names them here for its parser and
// builder. Adding a value means adding it to api's list and teaching the
// builder what it means.
var (
	fitValues             = api.SpecFits
	zoomValues            = api.SpecZooms
	transitionValues      = api.SpecTransitions // see xfadeBaseline and [XfadeTransitions]
	positionValues        = api.SpecPositions
	overlayPositionValues = api.SpecOverlayPositions
	alignValues           = api.SpecAligns
	textFitValues         = api.SpecTextFits
	publishTypes          = api.SpecPublishTypes
)

// xfadeBaseline counts the transitions after "none" up to vdslice, which
// every ffmpeg with xfade (4.3 and later) has: a spec that uses only these
// needs no look at the installed ffmpeg's list. Later ones (hblur …
// revealdown) came with ffmpeg 4.4 to 7.0.
const xfadeBaseline = 35

// Transitions returns every transition name a spec may use, "none" first.
// Whether the installed ffmpeg has a given one is [XfadeTransitions]'s answer.
func Transitions() []string { return append([]string(nil), transitionValues...) }
