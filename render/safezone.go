package render

import (
	"fmt"
	"math"
)

// Instagram draws its interface over a Reel or a Story: the header at the
// top, the caption, account name, audio line and buttons at the bottom, the
// like/comment/share column on the right. Text under it is hard to read or
// hidden. The zones below are Meta's published guidance for 9:16 creatives
// (docs/LAYOUT.md gives the sources): keep the top 14%, the bottom 35% and
// 6% at each side free on Reels; the top 14% and the bottom 20% on
// Stories. Texts and captions placed by name are kept out of them; texts,
// captions and overlays that reach into them get a warning.

// uiZone is one part of a 9:16 screen Instagram's UI covers, as fractions
// of the screen.
type uiZone struct {
	what           string
	x0, y0, x1, y1 float64
}

// screens are the zones of the two full-screen players.
var screens = map[string][]uiZone{
	KindReel: {
		{"the Reels header", 0, 0, 1, 0.14},
		{"the caption, account name, audio line and buttons", 0, 0.65, 1, 1},
		{"the left edge", 0, 0, 0.06, 1},
		{"the like, comment and share buttons on the right", 0.94, 0, 1, 1},
	},
	KindStory: {
		{"the profile picture, name and progress bar", 0, 0, 1, 0.14},
		{"the reply bar and buttons", 0, 0.80, 1, 1},
	},
}

// minMargin keeps texts off the very edge of the frame where no zone
// covers it (5% of the width on every side).
const minMargin = 0.05

// rect is a pixel rectangle, x0/y0 inclusive, x1/y1 exclusive.
type rect struct{ x0, y0, x1, y1 int }

func (r rect) w() int { return r.x1 - r.x0 }
func (r rect) h() int { return r.y1 - r.y0 }

func (r rect) intersect(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) empty() bool { return r.x1 <= r.x0 || r.y1 <= r.y0 }

func (r rect) String() string { return fmt.Sprintf("x %d–%d, y %d–%d", r.x0, r.x1, r.y0, r.y1) }

// zone is a uiZone in a preset's frame pixels.
type zone struct {
	what string
	r    rect
}

// frameLayout is where a preset's frame may hold text: the frame, the UI
// zones over it and the safe area between them.
type frameLayout struct {
	w, h   int
	screen string // "Reels", "Stories" or "" (no UI over the video)
	zones  []zone
	safe   rect
}

// layoutFor maps the player's zones onto a preset's frame. A frame shorter
// than 9:16 (feed 4:5, square) is shown full width and centred on the
// screen, so only the parts of the zones that overlap it count.
func layoutFor(pr Preset) frameLayout {
	fl := frameLayout{w: pr.Width, h: pr.Height}
	kind := pr.Kind
	if kind == KindFeed {
		kind = KindReel // a feed video is published as a reel
	}
	screenH := float64(pr.Width) * 16 / 9
	off := (screenH - float64(pr.Height)) / 2
	for _, z := range screens[kind] {
		r := rect{
			int(math.Round(z.x0 * float64(pr.Width))), int(math.Round(z.y0*screenH - off)),
			int(math.Round(z.x1 * float64(pr.Width))), int(math.Round(z.y1*screenH - off)),
		}.intersect(rect{0, 0, pr.Width, pr.Height})
		if !r.empty() {
			fl.zones = append(fl.zones, zone{z.what, r})
		}
	}
	switch kind {
	case KindReel:
		fl.screen = "Reels"
	case KindStory:
		fl.screen = "Stories"
	}
	m := int(math.Round(minMargin * float64(pr.Width)))
	fl.safe = rect{m, m, pr.Width - m, pr.Height - m}
	for _, z := range fl.zones {
		switch {
		case z.r.w() == pr.Width && z.r.y0 == 0: // a band at the top
			fl.safe.y0 = max(fl.safe.y0, z.r.y1)
		case z.r.w() == pr.Width: // at the bottom
			fl.safe.y1 = min(fl.safe.y1, z.r.y0)
		case z.r.x0 == 0: // left strip
			fl.safe.x0 = max(fl.safe.x0, z.r.x1)
		default: // right strip
			fl.safe.x1 = min(fl.safe.x1, z.r.x0)
		}
	}
	return fl
}

// under reports the zones r reaches into, as a warning message, or "".
func (fl frameLayout) under(what string, r rect) string {
	for _, z := range fl.zones {
		if in := r.intersect(z.r); !in.empty() {
			return fmt.Sprintf("%s (%s) is under %s on %s (%s of the frame): Instagram's interface covers it there; place it by name (top, center, bottom) or move it into %s",
				what, r, z.what, fl.screen, z.r, fl.safe)
		}
	}
	return ""
}
