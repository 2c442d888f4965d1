package api

// The values a spec accepts for its enumerated keys: the one definition.
// The TUI edits specs with them and the render package parses specs with
// them (render/values.go names them for its builder), so what the editor
// offers is what the parser accepts; internal/archtest fails when a copy
// of a list appears anywhere else.
var (
	// SpecFits: how a clip fills the frame (default crop).
	SpecFits = []string{"crop", "pad", "blur", "stretch"}
	// SpecZooms: the slow zoom of an image clip (default none).
	SpecZooms = []string{"none", "in", "out"}
	// SpecTransitions: none, then every transition of ffmpeg's xfade
	// filter by name (its "custom" needs an expression and is left out).
	// An older ffmpeg lacks the later ones (render's xfadeBaseline counts
	// those every ffmpeg has); the daemon refuses those with a clear error
	// when it renders. A new one goes after the others.
	SpecTransitions = []string{"none",
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
	// SpecPositions: the named places of a text or the captions (or
	// {x, y} fractions of the frame).
	SpecPositions = []string{"top", "center", "bottom"}
	// SpecOverlayPositions: the named places of an overlay, a 3x3 grid
	// inside the preset's safe area.
	SpecOverlayPositions = []string{
		"top-left", "top", "top-right",
		"left", "center", "right",
		"bottom-left", "bottom", "bottom-right",
	}
	// SpecAligns: how the lines of a text line up (default center).
	SpecAligns = []string{"left", "center", "right"}
	// SpecTextFits: what a text does when it does not fit (default wrap).
	SpecTextFits = []string{"wrap", "shrink"}
	// SpecPresets: the output presets a spec may name (default reels).
	SpecPresets = []string{"feed", "image", "preview", "reels", "square", "story"}
	// SpecPublishTypes: publish.type of a spec, the names of
	// [PublishTypes] (publishtype.go owns the list).
	SpecPublishTypes = publishTypeNames()
)
