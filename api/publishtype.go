package api

import (
	"slices"
	"strings"
)

// PublishType is one kind of post: what `impress publish --type` and a
// spec's publish.type name, what an item of it is checked against and what
// it is rendered to. This table is the one place that says so: the CLI,
// the TUI, the daemon and render's spec parser (SpecPublishTypes) read it,
// and the daemon's tests tie the kinds and presets to render's.
type PublishType struct {
	// Name is the --type value (reel, story, image, carousel).
	Name string
	// Kind is the media kind an item is validated as: one of render's
	// Kind… constants (a carousel's items are checked one by one).
	Kind string
	// Preset is the output preset an item that must be rendered or
	// normalised is rendered to (an image file is always normalised to
	// the image preset).
	Preset string
}

// DefaultPreset is the preset of a spec that names none (render's
// DefaultPreset is this constant).
const DefaultPreset = "reels"

// publishTypes is the table, in the order --help lists the types. A new
// type needs a row here and its Graph media type in the daemon (see
// docs/ARCHITECTURE.md "Changing things").
var publishTypes = []PublishType{
	{Name: PublishReel, Kind: "reel", Preset: DefaultPreset},
	{Name: PublishStory, Kind: "story", Preset: "story"},
	{Name: PublishImage, Kind: "image", Preset: "image"},
	// feed is 4:5, inside what a carousel accepts (4:5 … 16:9)
	{Name: PublishCarousel, Kind: "carousel-item", Preset: "feed"},
}

// PublishTypes returns every publish type.
func PublishTypes() []PublishType { return slices.Clone(publishTypes) }

// LookupPublishType finds a publish type by name.
func LookupPublishType(name string) (PublishType, bool) {
	i := slices.IndexFunc(publishTypes, func(t PublishType) bool { return t.Name == name })
	if i < 0 {
		return PublishType{}, false
	}
	return publishTypes[i], true
}

// publishTypeNames is the names of the types, in order.
func publishTypeNames() []string {
	names := make([]string, len(publishTypes))
	for i, t := range publishTypes {
		names[i] = t.Name
	}
	return names
}

// PublishTypeList is the names for a message: "reel, story, image or
// carousel".
func PublishTypeList() string {
	names := publishTypeNames()
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
