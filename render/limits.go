package render

import (
	"fmt"
	"strings"
)

// The limits of a spec. A spec is refused (invalid_input, every problem named
// with its key and line) when it passes one, at `project apply`, at
// `render` or `validate` of a spec file, and when a project is rendered:
// everything after the parser — planning, the filter graph, ffmpeg's
// inputs — then stays bounded. A spec of the largest size they allow
// renders (its graph goes to ffmpeg in a file, graphscript.go). README.md
// "Spec limits" and docs/SECURITY.md §9 list them for users.
const (
	// MaxSpecBytes is the largest spec file: a spec at every other limit
	// is a fraction of it.
	MaxSpecBytes = 1 << 20
	// MaxClips: each clip may be an ffmpeg input of its own (an open file
	// and a decoder); 500 keeps a render well inside the usual 1,024 open
	// files and is a cut every 1.8 s of the longest Reel.
	MaxClips = 500
	// MaxTexts: each line of a text is a drawtext filter over its span.
	MaxTexts = 200
	// MaxOverlays: each overlay is a filter over every frame of its span.
	MaxOverlays = 20
	// MaxAudioTracks are the music and voice tracks mixed in.
	MaxAudioTracks = 16
	// MaxMediaFiles is the number of different files a spec names (clips,
	// overlays, audio, captions, cover, font files).
	MaxMediaFiles = 500
	// MaxListItems bounds the other lists (publish.collaborators).
	MaxListItems = 50
	// MaxTextChars is the length of one text, in characters.
	MaxTextChars = 1000
	// MaxTextLines is the number of lines a text may be written in.
	MaxTextLines = 20
	// MaxStringChars bounds every other string: names, paths (4,096 is
	// PATH_MAX on Linux), the publish caption (Instagram's own 2,200 is
	// checked as a rule: rejected).
	MaxStringChars = 4096
	// MaxOutputSeconds bounds every time on the output's timeline (image
	// and card durations, text and overlay spans, fades, the cover frame,
	// the total): 15 minutes, the longest Reel. Presets may allow less
	// (story: 60 s).
	MaxOutputSeconds = 15 * 60
	// MaxSourceSeconds bounds in and out points inside a source file: 24 h.
	MaxSourceSeconds = 24 * 60 * 60
	// MaxMediaBytes bounds one media file a spec or a command names
	// (imported into the media store, hashed, sniffed): 16 GiB is some
	// hours of 4K phone footage.
	MaxMediaBytes = 16 << 30
)

// secondsLimit says what a time bound is, for messages.
func secondsLimit(max float64) string {
	if max == MaxSourceSeconds {
		return "24 h, the longest source impress reads"
	}
	return "15 min, the longest Reel"
}

// suggest returns the candidate closest to word when it is a near miss
// (a typo, a letter case slip), else "".
func suggest(word string, candidates []string) string {
	best, bestD := "", 0
	lw := strings.ToLower(word)
	for _, c := range candidates {
		d := editDistance(lw, strings.ToLower(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	// one slip in a short word, about one in three in a longer one
	if best == "" || bestD > max(1, len([]rune(word))/3) {
		return ""
	}
	return best
}

// didYouMean is suggest for a message: `: did you mean "fit"?`, or "".
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf(": did you mean %q?", s)
	}
	return ""
}

// editDistance is the optimal string alignment distance of two short
// strings: insertions, deletions, substitutions and swaps of neighbours
// ("vidoe") each count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb)) // no near miss; bounded work
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
