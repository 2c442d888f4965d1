package render

import (
	"fmt"
	"math"
	"strings"
)

// captionsASS writes the captions as an ASS script sized to the output
// frame (PlayRes = output pixels): white bold text with a black outline,
// wrapped and centred by libass, placed inside Instagram's safe zone.
func (p *plan) captionsASS(c *Captions) string {
	cues := p.opts.Cues
	if c.Words {
		cues = wordCues(cues)
	}
	size, pos := defaultCaptionSize, &Position{Named: "bottom"}
	if c.Style != nil {
		if c.Style.Size > 0 {
			size = c.Style.Size
		}
		if c.Style.Position != nil {
			pos = c.Style.Position
		}
	}
	scale := float64(p.w) / 1080
	fs := max(1, int(math.Round(float64(size)*scale)))
	outline := max(1, int(math.Round(float64(fs)/12)))
	// libass wraps inside the margins and puts top and bottom captions
	// at the edges of the preset's safe area
	safe := p.frame.safe
	marginL, marginR := safe.x0, p.w-safe.x1
	align, marginV, override := 2, p.h-safe.y1, ""
	switch pos.Named {
	case "top":
		align, marginV = 8, safe.y0
	case "center":
		align, marginV = 5, 0
	case "":
		align, marginV = 5, 0
		override = fmt.Sprintf(`{\pos(%d,%d)}`, int(math.Round(pos.X*float64(p.w))), int(math.Round(pos.Y*float64(p.h))))
	}
	p.warnCaptions(cues, fs, pos)
	family, bold := fontFamily(p.opts.FontFile)
	b := map[bool]string{true: "-1", false: "0"}[bold]

	var out strings.Builder
	fmt.Fprintf(&out, "[Script Info]\nScriptType: v4.00+\nPlayResX: %d\nPlayResY: %d\nWrapStyle: 0\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n", p.w, p.h)
	out.WriteString("[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n")
	fmt.Fprintf(&out, "Style: Caption,%s,%d,&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,%s,0,0,0,100,100,0,0,1,%d,0,%d,%d,%d,%d,1\n\n",
		family, fs, b, outline, align, marginL, marginR, marginV)
	out.WriteString("[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n")
	total := p.duration()
	for _, cue := range cues {
		if cue.Start >= total {
			continue
		}
		fmt.Fprintf(&out, "Dialogue: 0,%s,%s,Caption,,0,0,0,,%s%s\n", assTime(cue.Start), assTime(min(cue.End, total)), override, assText(cue.Text))
	}
	return out.String()
}

// warnCaptions reports captions that reach under Instagram's interface.
// libass does the wrapping; the estimate wraps the tallest cue the way the
// texts are wrapped, at the caption size, and places it as libass will.
func (p *plan) warnCaptions(cues []Cue, fs int, pos *Position) {
	_, fm, err := p.font("", "captions")
	if err != nil || len(cues) == 0 {
		return
	}
	safe := p.frame.safe
	lines := 0
	for _, c := range cues {
		lines = max(lines, len(wrapText(c.Text, fm, fs, safe.w())))
	}
	asc, desc := fm.lineHeight(fs)
	h := lines*(asc+desc) + 2*max(1, fs/12)
	var r rect
	switch pos.Named {
	case "top":
		r = rect{safe.x0, safe.y0, safe.x1, safe.y0 + h}
	case "center":
		r = rect{safe.x0, p.h/2 - h/2, safe.x1, p.h/2 + h - h/2}
	case "bottom":
		r = rect{safe.x0, safe.y1 - h, safe.x1, safe.y1}
	default:
		x, y := int(math.Round(pos.X*float64(p.w))), int(math.Round(pos.Y*float64(p.h)))
		w := 0
		for _, c := range cues {
			for _, l := range wrapText(c.Text, fm, fs, safe.w()) {
				w = max(w, fm.width(l, fs))
			}
		}
		r = rect{x - w/2, y - h/2, x + w - w/2, y + h - h/2}
	}
	if msg := p.frame.under("the captions", r); msg != "" {
		p.warn(WarnSafeZone, "captions.style.position", "%s", msg)
	}
}

// assTime formats seconds as ASS's H:MM:SS.cc.
func assTime(sec float64) string {
	cs := int64(math.Round(sec * 100))
	return fmt.Sprintf("%d:%02d:%02d.%02d", cs/360000, cs/6000%60, cs/100%60, cs%100)
}

// wordJoiner is invisible and keeps libass from reading "\" plus the next
// character as an escape (\N, \n, \h).
const wordJoiner = "\u2060"

// assText makes caption text literal for libass (0.17 or newer): braces,
// which open override blocks, are escaped as \{ and \}; every backslash is
// followed by a word joiner so \N, \n and \h stay text; line breaks become
// \N and other control characters spaces. The result is one line, so text
// cannot start a new ASS line or section.
func assText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '{' || r == '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\\':
			b.WriteString(`\` + wordJoiner)
		case r == '\n':
			b.WriteString(`\N`)
		case r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unASSText undoes assText (for tests and debugging).
func unASSText(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			switch rs[i+1] {
			case []rune(wordJoiner)[0]:
				b.WriteRune('\\')
				i++
				continue
			case 'N':
				b.WriteRune('\n')
				i++
				continue
			case '{', '}':
				b.WriteRune(rs[i+1])
				i++
				continue
			}
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}
