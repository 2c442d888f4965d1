package render

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
)

func testFont(t *testing.T) *fontMetrics {
	t.Helper()
	f := FindFont()
	if f == "" {
		t.Skip("no font installed (fonts-dejavu-core)")
	}
	fm, err := loadFontMetrics(f)
	if err != nil {
		t.Fatal(err)
	}
	return fm
}

func presetLayout(t *testing.T, name string) frameLayout {
	t.Helper()
	pr, err := LookupPreset(name, false)
	if err != nil {
		t.Fatal(err)
	}
	return layoutFor(pr)
}

func inside(in, out rect) bool {
	return in.x0 >= out.x0 && in.y0 >= out.y0 && in.x1 <= out.x1 && in.y1 <= out.y1
}

func TestSafeAreas(t *testing.T) {
	for _, tt := range []struct {
		preset string
		safe   rect
		zones  int
	}{
		// Meta's 14% top, 35% bottom, 6% sides of 1080x1920
		{"reels", rect{65, 269, 1015, 1248}, 4},
		{"preview", rect{32, 134, 508, 624}, 4},
		// 14% top, 20% bottom; no side zones, the 5% margin
		{"story", rect{54, 269, 1026, 1536}, 2},
		// 4:5 centred on the 9:16 screen: the top zone ends above it
		{"feed", rect{65, 54, 1015, 963}, 3},
		{"square", rect{65, 54, 1015, 828}, 3},
	} {
		fl := presetLayout(t, tt.preset)
		if fl.safe != tt.safe || len(fl.zones) != tt.zones {
			t.Errorf("%s: safe %v with %d zones, want %v with %d", tt.preset, fl.safe, len(fl.zones), tt.safe, tt.zones)
		}
	}
}

// TestLongTitleWraps is the defect of issue 14: a 40-character title at
// the default size was one line wider than the frame.
func TestLongTitleWraps(t *testing.T) {
	fm := testFont(t)
	fl := presetLayout(t, "reels")
	title := "Forty characters of title, on one line!!"
	if fm.width(title, 64) <= fl.w {
		t.Fatalf("the test title is %d px wide; it must be wider than the frame", fm.width(title, 64))
	}
	for _, pos := range []string{"top", "center", "bottom"} {
		tx := &Text{Text: title, TextStyle: TextStyle{Position: &Position{Named: pos}}}
		lay := layoutText(tx, fm, fl)
		if len(lay.lines) != 2 || lay.truncated {
			t.Errorf("%s: lines %q", pos, lay.lines)
		}
		if !inside(lay.block, fl.safe) {
			t.Errorf("%s: block %v outside the safe area %v", pos, lay.block, fl.safe)
		}
		for _, l := range lay.lines {
			if w := fm.width(l, lay.px); w > fl.safe.w() {
				t.Errorf("%s: line %q is %d px, wider than the safe area", pos, l, w)
			}
		}
		if strings.Join(lay.lines, " ") != title {
			t.Errorf("%s: lines %q lost words", pos, lay.lines)
		}
	}
}

func TestWrapBreaksLongWordsAndKeepsLines(t *testing.T) {
	fm := testFont(t)
	lines := wrapText("https://example.com/a/very/long/path/that/has/no/spaces/at/all\nsecond  line", fm, 64, 500)
	if len(lines) < 3 || lines[len(lines)-1] != "second line" {
		t.Fatalf("lines %q", lines)
	}
	var joined string
	for _, l := range lines[:len(lines)-1] {
		if w := fm.width(l, 64); w > 500 {
			t.Errorf("%q is %d px wide, over 500", l, w)
		}
		joined += l
	}
	if joined != "https://example.com/a/very/long/path/that/has/no/spaces/at/all" {
		t.Errorf("broken word joins to %q", joined)
	}
	// a combining accent stays with its letter
	for _, l := range wrapText(strings.Repeat("e\u0301", 60), fm, 64, 300) {
		if strings.HasPrefix(l, "\u0301") {
			t.Errorf("line starts with a lone combining mark: %q", l)
		}
	}
}

func TestMaxLinesShrinkAlignSpacing(t *testing.T) {
	fm := testFont(t)
	fl := presetLayout(t, "reels")
	long := strings.Repeat("words that go on ", 12)
	trunc := layoutText(&Text{Text: long, TextStyle: TextStyle{MaxLines: 2}}, fm, fl)
	if len(trunc.lines) != 2 || !trunc.truncated || !strings.HasSuffix(trunc.lines[1], ellipsis) {
		t.Errorf("max_lines 2: %q truncated %v", trunc.lines, trunc.truncated)
	}
	shrunk := layoutText(&Text{Text: "A title that is a bit too long", TextStyle: TextStyle{Size: 90, Fit: "shrink"}}, fm, fl)
	if len(shrunk.lines) != 1 || shrunk.shrunkFrom != 90 || shrunk.px >= 90 || shrunk.truncated {
		t.Errorf("shrink: %q at %d px (from %d), truncated %v", shrunk.lines, shrunk.px, shrunk.shrunkFrom, shrunk.truncated)
	}
	if w := fm.width(shrunk.lines[0], shrunk.px); w > fl.safe.w() {
		t.Errorf("shrunk line is %d px, over the safe width %d", w, fl.safe.w())
	}
	// too long to shrink into one line: the smallest size, then the ellipsis
	tiny := layoutText(&Text{Text: long + long, TextStyle: TextStyle{Fit: "shrink"}}, fm, fl)
	if tiny.px != minShrinkSize || !tiny.truncated || len(tiny.lines) != 1 {
		t.Errorf("shrink floor: %d px, %d lines, truncated %v", tiny.px, len(tiny.lines), tiny.truncated)
	}
	left := layoutText(&Text{Text: "left", TextStyle: TextStyle{Align: "left"}}, fm, fl)
	right := layoutText(&Text{Text: "right", TextStyle: TextStyle{Align: "right"}}, fm, fl)
	if left.block.x0 != fl.safe.x0 || right.block.x1 != fl.safe.x1 {
		t.Errorf("left block %v, right block %v; want them on the safe area's edges %v", left.block, right.block, fl.safe)
	}
	one := layoutText(&Text{Text: "a\nb"}, fm, fl)
	two := layoutText(&Text{Text: "a\nb", TextStyle: TextStyle{LineSpacing: 2}}, fm, fl)
	if d1, d2 := one.baselines[1]-one.baselines[0], two.baselines[1]-two.baselines[0]; d1 != 80 || d2 != 128 {
		t.Errorf("baseline distances %d and %d, want 1.25 and 2 times 64", d1, d2)
	}
	// a text taller than the safe area keeps what fits
	many := layoutText(&Text{Text: strings.Repeat("line\n", 40)}, fm, fl)
	if !many.truncated || !inside(many.block, fl.safe) {
		t.Errorf("40 lines: %d kept, block %v, safe %v", len(many.lines), many.block, fl.safe)
	}
	// {x, y} in a corner: clamped into the frame, under the UI
	corner := layoutText(&Text{Text: long, TextStyle: TextStyle{Position: &Position{X: 1, Y: 1}}}, fm, fl)
	if !inside(corner.block, rect{0, 0, fl.w, fl.h}) || fl.under("t", corner.block) == "" {
		t.Errorf("corner block %v: want inside the frame and under the UI", corner.block)
	}
}

// TestRenderTextsStayInside renders texts on a black card and finds their
// pixels: named places inside the safe area, {x, y} inside the frame,
// alignments on the safe area's edges; and the warnings.
func TestRenderTextsStayInside(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	long := "This title is far too long to fit on one line of a vertical video"
	res := e.render(`version: 1
name: texts
clips:
  - color: gray
    duration: 3
texts:
  - text: "`+long+`"
    position: top
    end: 0.5
  - text: "`+long+`"
    position: bottom
    align: left
    max_lines: 1
    start: 0.5
    end: 1
  - text: "Shrunk to one line, this one"
    size: 120
    fit: shrink
    start: 1
    end: 1.5
  - text: "`+long+`"
    position: {x: 0.97, y: 0.98}
    start: 1.5
    end: 2
  - text: "right\naligned"
    align: right
    line_spacing: 2
    box: true
    start: 2
    end: 2.5
`, true)
	wantOutput(t, res.Output, 540, 960, 30, 90)
	pr, _ := LookupPreset("reels", true)
	fl := layoutFor(pr)
	safe := ffmpegtest.Box{X0: fl.safe.x0, Y0: fl.safe.y0, X1: fl.safe.x1, Y1: fl.safe.y1}
	// white text on a grey card; the box darkens the grey
	ink := func(at float64) ffmpegtest.Box {
		f := ffmpegtest.FrameAt(t, res.Output, at)
		return f.Find(f.All(), isWhite)
	}
	within := func(b, in ffmpegtest.Box) bool {
		return !b.Empty() && b.X0 >= in.X0 && b.Y0 >= in.Y0 && b.X1 <= in.X1 && b.Y1 <= in.Y1
	}
	line := 64 * 540 / 1080
	if b := ink(0.25); !within(b, safe) || b.Y0-safe.Y0 > 10 || b.Y1-b.Y0 < 2*line {
		t.Errorf("top, wrapped: ink %s, want two lines or more at the top of the safe area %s", b, safe)
	}
	if b := ink(0.75); !within(b, safe) || b.X0-safe.X0 > 6 || safe.Y1-b.Y1 > 14 || b.Y1-b.Y0 > 2*line {
		t.Errorf("bottom left, one line: ink %s, want one line in the bottom left corner of %s", b, safe)
	}
	if b := ink(1.25); !within(b, safe) || b.Y1-b.Y0 > 60*540/1080+line/2 {
		t.Errorf("shrunk: ink %s, want one smaller line inside %s", b, safe)
	}
	if b := ink(1.75); !within(b, ffmpegtest.Box{X0: 0, Y0: 0, X1: 540, Y1: 960}) || b.X1 < 500 || b.Y1 < 900 {
		t.Errorf("corner: ink %s, want it inside the frame in the bottom right corner", b)
	}
	// the box pads the text by a quarter of its size (8 px here)
	if b := ink(2.25); !within(b, safe) || safe.X1-b.X1 > 8+3 {
		t.Errorf("right aligned with a box: ink %s, want its right edge a box padding from the safe area's %d", b, safe.X1)
	}
	boxed := ffmpegtest.FrameAt(t, res.Output, 2.25)
	box := boxed.Find(boxed.All(), func(r, g, b uint8) bool { return r < 80 })
	if text := ink(2.25); !within(box, safe) || !within(text, box) || safe.X1-box.X1 > 2 {
		t.Errorf("box %s around text %s, want it inside %s and on its right edge", box, text, safe)
	}
	rules := map[string]string{}
	for _, w := range res.Warnings {
		rules[w.Key] = w.Rule
		if w.Line == 0 || w.Message == "" {
			t.Errorf("warning without line or message: %+v", w)
		}
	}
	want := map[string]string{"texts[1].text": WarnTruncated, "texts[2].fit": WarnShrunk, "texts[3].position": WarnSafeZone}
	for k, r := range want {
		if rules[k] != r {
			t.Errorf("warnings %+v, want %s on %s", res.Warnings, r, k)
		}
	}
	if len(res.Warnings) != len(want) {
		t.Errorf("warnings %+v, want exactly %v", res.Warnings, want)
	}
}

// TestRenderCaptionsInSafeArea: bottom captions sit on the safe area's
// bottom edge (above Instagram's caption and buttons), not at 80% of
// the height where they used to be.
func TestRenderCaptionsInSafeArea(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	srt := ffmpegtest.SRT(t, []ffmpegtest.Cue{{Start: 0, End: time.Second, Text: "a caption long enough to be wrapped by libass onto two lines"}})
	res := e.render("version: 1\nname: c\nclips:\n  - color: black\n    duration: 1\ncaptions:\n  file: "+filepath.ToSlash(srt)+"\n", true)
	pr, _ := LookupPreset("reels", true)
	safe := layoutFor(pr).safe
	f := ffmpegtest.FrameAt(t, res.Output, 0.5)
	b := f.Find(f.All(), func(r, g, bl uint8) bool { return r > 60 })
	if b.Empty() || b.Y1 > safe.y1 || b.Y0 < safe.y0 || b.X0 < safe.x0 || b.X1 > safe.x1 || safe.y1-b.Y1 > 12 {
		t.Errorf("caption ink %s, want it inside %v on its bottom edge", b, safe)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %+v", res.Warnings)
	}
}
