package render

import (
	"slices"
	"testing"

	"github.com/impress-dev/impress/api"
)

// TestValueListsMatchAPI: the value lists are api's (values.go names
// them), but the preset names are also the keys of render's preset table,
// which clients cannot read: a preset added to one side only would let
// the editor offer what the parser refuses, or hide what it accepts.
func TestValueListsMatchAPI(t *testing.T) {
	if !slices.Equal(PresetNames(), api.SpecPresets) {
		t.Errorf("presets: render has %q, api has %q; keep render/preset.go and api/specvalues.go in step", PresetNames(), api.SpecPresets)
	}
	if got := Transitions(); !slices.Equal(got, transitionValues) || &got[0] == &transitionValues[0] {
		t.Errorf("Transitions() = %q, want a copy of the list", got)
	}
	if transitionValues[xfadeBaseline] != "vdslice" || transitionValues[xfadeBaseline+1] != "hblur" {
		t.Errorf("xfadeBaseline %d ends at %q, want vdslice (the last transition of ffmpeg 4.3)", xfadeBaseline, transitionValues[xfadeBaseline])
	}
}
