package render

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestFontMetricsMatchDrawtext draws lines with drawtext's box (which is
// exactly text_w wide) and the text in black, and compares the box width
// ffmpeg drew with the width the layout computes; and the text's ink
// (drawn in white on a second band) with inkV/inkH.
func TestFontMetricsMatchDrawtext(t *testing.T) {
	t.Parallel()
	ffmpegtest.Require(t)
	fm := testFont(t)
	font := fm.path
	dir := t.TempDir()
	lines := []string{"Hello, World!", "Summer sale 50% OFF", "ÀÉÎõü ñç Ég", "WWWWiiii llll", "The quick brown fox jumps", "emoji 😀 and ☀"}
	sizes := []int{19, 33, 64, 97}
	type row struct {
		s         string
		px        int
		top, band int // the row's two bands
		x, bas    int
	}
	var rows []row
	var filters []string
	y := 0
	for _, px := range sizes {
		for _, s := range lines {
			if px*len(s) > 1500 {
				continue
			}
			i := len(rows)
			path := filepath.Join(dir, fmt.Sprintf("t%d.txt", i))
			testkit.WriteFile(t, path, s)
			band := 3 * px
			r := row{s: s, px: px, top: y, band: band, x: 20, bas: y + band/2}
			rows = append(rows, r)
			// band 1: the box alone (text in black); band 2 below: the ink
			common := fmt.Sprintf("fontfile=%s:textfile=%s:expansion=none:fontsize=%d", font, path, px)
			filters = append(filters,
				fmt.Sprintf("drawtext=%s:fontcolor=black:box=1:boxcolor=white:boxborderw=0:x=%d:y=%d-ascent", common, r.x, r.bas),
				fmt.Sprintf("drawtext=%s:fontcolor=white:x=%d:y=%d-ascent", common, r.x, r.bas+band))
			y += 2 * band
		}
	}
	out := filepath.Join(dir, "m.png")
	ffmpegtest.Run(t, "-f", "lavfi", "-i", fmt.Sprintf("color=c=black:s=1600x%d", y), "-vf", strings.Join(filters, ","), "-frames:v", "1", "-update", "1", out)
	fr := ffmpegtest.FrameAt(t, out, 0)
	bright := func(r, g, b uint8) bool { return r > 100 }
	for _, r := range rows {
		box := fr.Find(ffmpegtest.Box{X0: 0, Y0: r.top, X1: fr.W, Y1: r.top + r.band}, bright)
		// drawtext adds kerning pairs that depend on its version (5.1
		// looks them up by character code, 6.1 shapes the text); the layout
		// allows for widthSlack of it
		got, want := box.X1-box.X0, fm.width(r.s, r.px)
		if d := got - want; d > widthSlack(want) || -d > widthSlack(want) {
			t.Errorf("%q at %d px: drawtext's text_w %d, measured %d (more than %d apart)", r.s, r.px, got, want, widthSlack(want))
		}
		ink := fr.Find(ffmpegtest.Box{X0: 0, Y0: r.top + r.band, X1: fr.W, Y1: r.top + 2*r.band}, func(r, g, b uint8) bool { return r > 10 })
		above, below := fm.inkV(r.s, r.px)
		left, right := fm.inkH(r.s, r.px)
		w := fm.width(r.s, r.px)
		bas := r.bas + r.band
		slack := widthSlack(w)
		if ink.Y0 < bas-above || ink.Y1 > bas+below || ink.X0 < r.x-left || ink.X1 > r.x+w+right+slack {
			t.Errorf("%q at %d px: ink %s, predicted x %d..%d y %d..%d", r.s, r.px, ink, r.x-left, r.x+w+right, bas-above, bas+below)
		}
	}
}
