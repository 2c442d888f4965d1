package render

import (
	"fmt"
	"sort"

	"github.com/impress-dev/impress/api"
)

// Media kinds [Validate] checks against (docs/META.md §16).
const (
	KindReel         = "reel"
	KindStory        = "story"
	KindFeed         = "feed" // a feed video; Instagram publishes it as a reel, same rules
	KindImage        = "image"
	KindCarouselItem = "carousel-item"
)

// Preset is an output format (README "Projects, specs and renders").
type Preset struct {
	Name          string
	Width, Height int
	// FPS is the default frame rate; a spec's fps (23–60) overrides it.
	FPS float64
	// MaxDuration in seconds, 0 for none (stories: 60, the rest 15 min).
	MaxDuration float64
	// Image presets produce one JPEG instead of a video.
	Image bool
	// Kind is the Instagram media kind the output is validated as (see [Validate]).
	Kind string

	// Encoder settings. CRF keeps quality constant; MaxRate/BufSize cap the
	// peaks below Instagram's 25 Mb/s.
	X264Preset   string
	CRF          int
	MaxRate      string
	BufSize      string
	AudioBitrate string
	SampleRate   int
}

const (
	outSampleRate   = 48000
	outAudioBitrate = "128k"
	maxImageWidth   = 1440
)

// DefaultPreset is the preset of a spec or a file that names none (a
// still picture's is ImagePreset): api.DefaultPreset, the one definition
// clients read too.
const (
	DefaultPreset = api.DefaultPreset
	ImagePreset   = "image"
)

var presets = map[string]Preset{
	// Instagram's longest Reel is 15 minutes, its longest story 60 s
	// (feed videos publish as Reels): a render longer than its kind allows
	// is refused before it starts (Spec.CheckLength), not after.
	"reels":   videoPreset("reels", 1080, 1920, MaxOutputSeconds, KindReel),
	"story":   videoPreset("story", 1080, 1920, 60, KindStory),
	"feed":    videoPreset("feed", 1080, 1350, MaxOutputSeconds, KindReel),
	"square":  videoPreset("square", 1080, 1080, MaxOutputSeconds, KindReel),
	"preview": previewOf(videoPreset("preview", 1080, 1920, MaxOutputSeconds, KindReel)),
	"image":   {Name: "image", Width: maxImageWidth, Image: true, Kind: KindImage},
}

func videoPreset(name string, w, h int, maxDur float64, kind string) Preset {
	return Preset{
		Name: name, Width: w, Height: h, FPS: 30, MaxDuration: maxDur, Kind: kind,
		// x264 "faster", not the default "medium": Instagram re-encodes every
		// upload, so medium's extra search buys bits that are thrown away;
		// faster costs ~15% less CPU at the same SSIM (docs/BENCHMARKS.md)
		X264Preset: "faster", CRF: 21, MaxRate: "20M", BufSize: "40M",
		AudioBitrate: outAudioBitrate, SampleRate: outSampleRate,
	}
}

// previewOf halves the frame and switches to fast encoder settings: a
// preview is for looking at, not for publishing.
func previewOf(p Preset) Preset {
	p.Width = even(p.Width / 2)
	p.Height = even(p.Height / 2)
	p.X264Preset = "veryfast"
	p.CRF = 26
	p.MaxRate = "8M"
	p.BufSize = "16M"
	if p.Name != "preview" {
		p.Name += "-preview"
	}
	return p
}

func even(n int) int {
	if n%2 != 0 {
		return n + 1
	}
	return n
}

// PresetNames lists the presets a spec may name.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupPreset returns a preset by name. With preview set, a video preset is
// turned into its half-size fast-encoding preview (reels → 540x960).
func LookupPreset(name string, preview bool) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("preset %q: unknown (want %s)", name, orList(PresetNames()))
	}
	if preview && !p.Image && p.Name != "preview" {
		p = previewOf(p)
	}
	return p, nil
}

// gop is the keyframe interval: 2 s of frames (Instagram wants closed GOPs
// of about 2 s).
func gop(fps float64) int {
	g := int(2*fps + 0.5)
	if g < 1 {
		g = 1
	}
	return g
}
