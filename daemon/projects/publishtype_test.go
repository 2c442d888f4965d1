package projects

import (
	"slices"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/render"
)

// TestPublishTypesMatchRender ties api's publish-type table to what the
// render package does with it: every type's kind is a media kind render
// validates, its preset is one of render's, a spec may name it as
// publish.type, and the default preset (api's, which render names) is one
// of render's presets and the one a spec without a preset gets. A type
// added to api with a kind or preset render lacks, or a preset renamed in
// render alone, fails here.
func TestPublishTypesMatchRender(t *testing.T) {
	kinds := []string{render.KindReel, render.KindStory, render.KindImage, render.KindCarouselItem}
	for _, pt := range api.PublishTypes() {
		if !slices.Contains(kinds, pt.Kind) {
			t.Errorf("publish type %s: kind %q is not one of render's %q", pt.Name, pt.Kind, kinds)
		}
		if _, err := render.LookupPreset(pt.Preset, false); err != nil {
			t.Errorf("publish type %s: %v", pt.Name, err)
		}
		spec := "version: 1\nname: x\nclips:\n  - video: a.mp4\npublish: {type: " + pt.Name + "}\n"
		if _, err := render.ParseSpec([]byte(spec), "x.yaml"); err != nil {
			t.Errorf("publish type %s: a spec may not name it: %v", pt.Name, err)
		}
		if got, ok := api.LookupPublishType(pt.Name); !ok || got != pt {
			t.Errorf("LookupPublishType(%q) = %+v, %v", pt.Name, got, ok)
		}
	}
	if _, ok := api.LookupPublishType("video"); ok {
		t.Error(`LookupPublishType("video") found a type`)
	}
	if _, err := render.LookupPreset(api.DefaultPreset, false); err != nil || (&render.Spec{}).PresetOrDefault() != api.DefaultPreset {
		t.Errorf("default preset %q: %v; a spec without one gets %q", api.DefaultPreset, err, (&render.Spec{}).PresetOrDefault())
	}
	if p, err := render.LookupPreset(render.ImagePreset, false); err != nil || !p.Image {
		t.Errorf("render.ImagePreset %q: %+v, %v; want the image preset", render.ImagePreset, p, err)
	}
	types := api.PublishTypes()
	if got := api.PublishTypeList(); !strings.HasPrefix(got, types[0].Name+", ") || !strings.HasSuffix(got, " or "+types[len(types)-1].Name) ||
		strings.Count(got, ", ")+1 != len(types)-1 {
		t.Errorf("PublishTypeList() = %q, want every type, the last after \"or\"", got)
	}
}
