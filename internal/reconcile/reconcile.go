package reconcile

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// DefaultWindow is how far back a live post can match when the daemon's
// publish.reconcile_window is not set.
const DefaultWindow = 30 * 24 * time.Hour

// Shape is what a post looks like once live, in Meta's words: media_type
// (IMAGE, VIDEO, CAROUSEL_ALBUM), media_product_type (FEED, REELS, STORY)
// and, for a carousel, its number of children (0: not known).
type Shape struct {
	MediaType   string
	ProductType string
	Children    int
}

// Shapes of what impress publishes. A reel is listed as VIDEO/REELS
// whether or not it was shared to the feed; a carousel is CAROUSEL_ALBUM/
// FEED whatever its items are; a story is never listed on /media.
var (
	Reel  = Shape{MediaType: "VIDEO", ProductType: "REELS"}
	Image = Shape{MediaType: "IMAGE", ProductType: "FEED"}
	Story = Shape{ProductType: "STORY"}
)

// Carousel is the shape of a carousel of n items.
func Carousel(n int) Shape {
	return Shape{MediaType: "CAROUSEL_ALBUM", ProductType: "FEED", Children: n}
}

// listable reports whether posts of this shape appear on the media edge.
func (s Shape) listable() bool { return !strings.EqualFold(s.ProductType, "STORY") }

// sameAs compares shapes. Children count only when both sides know it.
func (s Shape) sameAs(o Shape) bool {
	if !strings.EqualFold(s.MediaType, o.MediaType) || !strings.EqualFold(s.ProductType, o.ProductType) {
		return false
	}
	return s.Children == 0 || o.Children == 0 || s.Children == o.Children
}

// Post is one live media as the account's listing gave it.
type Post struct {
	ID        string
	Permalink string
	Caption   string
	Shape
	Timestamp time.Time // zero: unknown
}

// Item is one thing the run is about to publish and the local store does
// not know.
type Item struct {
	// Key is the caller's name for the item (manifest key, job id), echoed
	// in its [Result].
	Key     string
	Caption string
	Shape
}

// Options tune [MatchAll].
type Options struct {
	// Now is the reference time of the window (the caller's clock).
	Now time.Time
	// Window is how far back a post may match (0: [DefaultWindow]).
	Window time.Duration
	// Exclude holds media ids the local store already gives to other
	// items: they are never matched again.
	Exclude map[string]bool
	// Partial says the listing stopped before it covered the whole window
	// (meta.MediaListing.Complete false): an item with no match then gets
	// [OutcomeUnseen] instead of [OutcomeNone].
	Partial bool
}

// Outcome is what the live listing says about an item.
type Outcome int

const (
	// OutcomeNone: no live post matches; publish it.
	OutcomeNone Outcome = iota
	// OutcomeOne: exactly one live post is this item; it is done.
	OutcomeOne
	// OutcomeAmbiguous: live posts match but cannot be paired with the
	// item(s) one to one; create nothing, report every candidate (unconfirmed).
	OutcomeAmbiguous
	// OutcomeUnlistable: the item is a story, which the media listing
	// never shows; reconciliation cannot say anything.
	OutcomeUnlistable
	// OutcomeUnseen: no match among what was listed, but the listing did
	// not cover the whole window; as unsure as ambiguous.
	OutcomeUnseen
)

var outcomeNames = [...]string{"none", "one", "ambiguous", "unlistable", "unseen"}

// String is the outcome's name as --json reports it.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Result is the verdict for one item.
type Result struct {
	Key     string
	Outcome Outcome
	// Matches is the post for OutcomeOne, every candidate (oldest first)
	// for OutcomeAmbiguous, and empty otherwise.
	Matches []Post
	// Shared is true when the item was paired with its post by order
	// among items of the same caption and shape (see the package doc).
	Shared bool
}

// Match is [MatchAll] for a single item.
func Match(item Item, live []Post, o Options) Result {
	return MatchAll([]Item{item}, live, o)[0]
}

// MatchAll returns one [Result] per item, in order. See the package doc
// for the rule.
func MatchAll(items []Item, live []Post, o Options) []Result {
	window := o.Window
	if window <= 0 {
		window = DefaultWindow
	}
	from := o.Now.Add(-window)

	type group struct {
		shape   Shape
		items   []int
		matches []Post
	}
	var groups []*group
	byCaption := map[string][]*group{}
	out := make([]Result, len(items))
	for i, it := range items {
		out[i] = Result{Key: it.Key}
		if !it.listable() {
			out[i].Outcome = OutcomeUnlistable
			continue
		}
		c := Normalize(it.Caption)
		var g *group
		for _, cand := range byCaption[c] {
			if cand.shape == it.Shape {
				g = cand
				break
			}
		}
		if g == nil {
			g = &group{shape: it.Shape}
			groups = append(groups, g)
			byCaption[c] = append(byCaption[c], g)
		}
		g.items = append(g.items, i)
	}

	seen := map[string]bool{}
	for _, p := range live {
		if p.ID == "" || seen[p.ID] || o.Exclude[p.ID] || !p.listable() {
			continue
		}
		seen[p.ID] = true
		if !p.Timestamp.IsZero() && p.Timestamp.Before(from) {
			continue
		}
		for _, g := range byCaption[Normalize(p.Caption)] {
			if g.shape.sameAs(p.Shape) {
				g.matches = append(g.matches, p)
				break // one group per post: groups of one caption differ in shape
			}
		}
	}

	for _, g := range groups {
		// Oldest first, so pairing by order gives the first item the
		// first post; unknown timestamps go last, ids break ties.
		slices.SortStableFunc(g.matches, func(a, b Post) int {
			switch {
			case a.Timestamp.IsZero() != b.Timestamp.IsZero():
				if a.Timestamp.IsZero() {
					return 1
				}
				return -1
			case !a.Timestamp.Equal(b.Timestamp):
				return a.Timestamp.Compare(b.Timestamp)
			}
			return strings.Compare(a.ID, b.ID)
		})
		k, m := len(g.items), len(g.matches)
		for n, i := range g.items {
			r := &out[i]
			switch {
			case m == 0 && o.Partial:
				r.Outcome = OutcomeUnseen
			case m == 0:
				r.Outcome = OutcomeNone
			case k == 1 && m == 1:
				r.Outcome, r.Matches = OutcomeOne, []Post{g.matches[0]}
			case k == m:
				r.Outcome, r.Matches, r.Shared = OutcomeOne, []Post{g.matches[n]}, true
			default:
				r.Outcome, r.Matches = OutcomeAmbiguous, slices.Clone(g.matches)
			}
		}
	}
	return out
}

// Normalize is the caption as reconciliation compares it. Meta documents
// no rewriting of captions, but apps and keyboards differ in what they
// send and the platform has been seen to rewrite white space (docs/META.md
// §15), so only what a reader cannot see is dropped:
//
//  1. invalid UTF-8 becomes U+FFFD, then Unicode NFC (a keyboard that
//     composes "é" and one that sends "e"+U+0301 agree);
//  2. format characters (Unicode Cf: zero-width space and joiners, word
//     joiner, the invisible separator U+2063 used to keep blank lines,
//     BOM, soft hyphen, bidi marks) and variation selectors (emoji vs text
//     presentation) are removed;
//  3. "@" is removed: Meta documents that a caption's @mentions come back
//     without the "@" unless the owner asks, and removing it on both sides
//     costs nothing;
//  4. every run of white space (Unicode White_Space: spaces, tabs, CR, LF,
//     NBSP, U+2028 …) becomes one space, and the ends are trimmed.
//
// Case, emoji, hashtags and punctuation are kept.
func Normalize(caption string) string {
	if !utf8.ValidString(caption) {
		caption = strings.ToValidUTF8(caption, "\uFFFD")
	}
	caption = norm.NFC.String(caption)
	var b strings.Builder
	b.Grow(len(caption))
	space := false
	for _, r := range caption {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == '@', unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
