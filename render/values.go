package render

// The values a spec accepts for its enumerated keys. Clients that cannot
// import render (the TUI) read the same lists from api/specvalues.go;
// values_test.go fails when the two differ, and internal/archtest fails
// when a third copy of a list appears anywhere else. Adding a value means
// adding it here and in api/specvalues.go, and teaching the builder what
// it means.
var (
	// fitValues: how a clip fills the frame (default crop).
	fitValues = []string{"crop", "pad", "blur", "stretch"}
	// zoomValues: the slow zoom of an image clip (default none).
	zoomValues = []string{"none", "in", "out"}
	// transitionValues: none, then every transition of ffmpeg's xfade
	// filter (its "custom" needs an expression and is left out). Not every
	// ffmpeg has all of them: see xfadeBaseline and [XfadeTransitions].
	transitionValues = []string{"none",
		"fade", "wipeleft", "wiperight", "wipeup", "wipedown",
		"slideleft", "slideright", "slideup", "slidedown",
		"circlecrop", "rectcrop", "distance", "fadeblack", "fadewhite", "radial",
		"smoothleft", "smoothright", "smoothup", "smoothdown",
		"circleopen", "circleclose", "vertopen", "vertclose", "horzopen", "horzclose",
		"dissolve", "pixelize", "diagtl", "diagtr", "diagbl", "diagbr",
		"hlslice", "hrslice", "vuslice", "vdslice",
		"hblur", "fadegrays", "wipetl", "wipetr", "wipebl", "wipebr", "squeezeh", "squeezev",
		"zoomin", "fadefast", "fadeslow",
		"hlwind", "hrwind", "vuwind", "vdwind",
		"coverleft", "coverright", "coverup", "coverdown",
		"revealleft", "revealright", "revealup", "revealdown",
	}
	// positionValues: the named places of a text or the captions.
	positionValues = []string{"top", "center", "bottom"}
	// overlayPositionValues: the named places of an overlay, a 3x3 grid
	// inside the preset's safe area.
	overlayPositionValues = []string{
		"top-left", "top", "top-right",
		"left", "center", "right",
		"bottom-left", "bottom", "bottom-right",
	}
	// alignValues: how the lines of a text line up (default center).
	alignValues = []string{"left", "center", "right"}
	// textFitValues: what a text does when it does not fit (default wrap).
	textFitValues = []string{"wrap", "shrink"}
	// publishTypes: publish.type of a spec.
	publishTypes = []string{"reel", "story", "image", "carousel"}
)

// xfadeBaseline counts the transitions after "none" up to vdslice, which
// every ffmpeg with xfade (4.3 and later) has: a spec that uses only these
// needs no look at the installed ffmpeg's list. Later ones (hblur …
// revealdown) came with ffmpeg 4.4 to 7.0.
const xfadeBaseline = 35

// Transitions returns every transition name a spec may use, "none" first.
// Whether the installed ffmpeg has a given one is [XfadeTransitions]'s answer.
func Transitions() []string { return append([]string(nil), transitionValues...) }
