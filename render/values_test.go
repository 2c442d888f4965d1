package render

import (
	"slices"
	"testing"

	"github.com/impress-dev/impress/api"
)

// TestValueListsMatchAPI: the TUI edits specs with api's copies of the
// value lists, which render cannot import. A value added to one side only
// would let the editor offer what the parser refuses, or hide what it
// accepts.
func TestValueListsMatchAPI(t *testing.T) {
	for _, l := range []struct {
		name      string
		render, a []string
	}{
		{"fits", fitValues, api.SpecFits},
		{"zooms", zoomValues, api.SpecZooms},
		{"transitions", transitionValues, api.SpecTransitions},
		{"positions", positionValues, api.SpecPositions},
		{"overlay positions", overlayPositionValues, api.SpecOverlayPositions},
		{"aligns", alignValues, api.SpecAligns},
		{"text fits", textFitValues, api.SpecTextFits},
		{"presets", PresetNames(), api.SpecPresets},
		{"publish types", publishTypes, api.SpecPublishTypes},
	} {
		if !slices.Equal(l.render, l.a) {
			t.Errorf("%s: render has %q, api has %q; keep render/values.go and api/specvalues.go in step", l.name, l.render, l.a)
		}
	}
	if got := Transitions(); !slices.Equal(got, transitionValues) || &got[0] == &transitionValues[0] {
		t.Errorf("Transitions() = %q, want a copy of the list", got)
	}
	if transitionValues[xfadeBaseline] != "vdslice" || transitionValues[xfadeBaseline+1] != "hblur" {
		t.Errorf("xfadeBaseline %d ends at %q, want vdslice (the last transition of ffmpeg 4.3)", xfadeBaseline, transitionValues[xfadeBaseline])
	}
}

// The daemon hands render's warnings over the wire as api.Warning by
// conversion: the two must keep the same fields.
var _ = api.Warning(Warning{})
