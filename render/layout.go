package render

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text layout: a text is wrapped to the width of the preset's safe area
// (word wrap, then long words broken between characters), limited to
// max_lines (the last kept line ends in an ellipsis) or shrunk until it
// fits (fit: shrink), and placed line by line: each line is its own
// drawtext, so lines can be aligned left, centre or right on any ffmpeg
// (drawtext's own alignment came with 6.1). The measures come from the font
// file itself (fontmetrics.go), which the tests hold against what ffmpeg
// draws; drawtext's x expressions are also clamped to the frame, so a
// measure that is a little off cannot push a line outside it.

// textLayout is one text placed on the frame.
type textLayout struct {
	lines     []string
	px        int   // font size in pixels
	baselines []int // y of each line's baseline
	// xs is each line's pen x when the layout knows it exactly (left
	// aligned), or the anchor drawtext centres or right-aligns on.
	xs    []int
	align string
	// block is the area the lines take (with the box's padding when the
	// text has a box), used for the box and the safe-zone check.
	block rect
	pad   int // box padding
	// truncated: lines were dropped (max_lines or the frame's height);
	// shrunk: the size was lowered (fit: shrink), from → px.
	truncated  bool
	shrunkFrom int
}

const (
	ellipsis       = "…"
	boxPadding     = 0.25 // of the font size, around the lines
	minShrinkSize  = 16   // at 1080 px width: fit: shrink stops here
	shrinkStepFrac = 20   // each step lowers the size by 1/20 (at least 1 px)
)

// layoutText places text t (with its defaults applied) on the frame.
func layoutText(t *Text, fm *fontMetrics, fl frameLayout) textLayout {
	scale := float64(fl.w) / 1080
	px := max(1, int(math.Round(float64(t.SizeOrDefault())*scale)))
	lay := textLayout{align: t.AlignOrDefault()}
	pos := t.Position
	if pos == nil {
		pos = &Position{Named: "center"}
	}
	// the area the block must stay in: the safe area for named places,
	// the frame less the margin for {x, y}
	area := fl.safe
	if pos.Named == "" {
		m := int(math.Round(minMargin * float64(fl.w)))
		area = rect{m, m, fl.w - m, fl.h - m}
	}
	for {
		pad := 0
		if t.BoxOn() {
			pad = max(1, int(math.Round(float64(px)*boxPadding)))
		}
		width := area.w() - 2*pad
		width -= widthSlack(width)
		pitch := max(1, int(math.Round(float64(px)*t.LineSpacingOrDefault())))
		asc, desc := fm.lineHeight(px)
		// lines the area's height holds
		fit := 1 + max(0, (area.h()-2*pad-asc-desc)/pitch)
		limit := fit
		if t.MaxLines > 0 {
			limit = min(limit, t.MaxLines)
		} else if t.Shrinks() {
			limit = 1
		}
		lines := wrapText(t.Text, fm, px, width)
		minPx := max(1, int(math.Round(minShrinkSize*scale)))
		if len(lines) > limit && t.Shrinks() && px > minPx {
			if lay.shrunkFrom == 0 {
				lay.shrunkFrom = px
			}
			px = max(minPx, px-max(1, px/shrinkStepFrac))
			continue
		}
		if len(lines) > limit {
			lines = lines[:limit]
			lines[limit-1] = ellipsize(lines[limit-1], fm, px, width)
			lay.truncated = true
		}
		lay.lines, lay.px, lay.pad = lines, px, pad
		lay.place(fm, pos, area, pitch, asc, desc, fl)
		return lay
	}
}

// place works out the baselines and x anchors of the lines and the block
// they make.
func (lay *textLayout) place(fm *fontMetrics, pos *Position, area rect, pitch, asc, desc int, fl frameLayout) {
	n := len(lay.lines)
	px, pad := lay.px, lay.pad
	// the ink may reach past the font's ascender (accents on capitals)
	// and descender: the block covers both
	above, below := asc, desc
	if n > 0 {
		a, _ := fm.inkV(lay.lines[0], px)
		_, b := fm.inkV(lay.lines[n-1], px)
		above, below = max(above, a), max(below, b)
	}
	h := above + (n-1)*pitch + below + 2*pad
	widths := make([]int, n)
	bw := 0
	for i, l := range lay.lines {
		left, right := fm.inkH(l, px)
		widths[i] = fm.width(l, px)
		bw = max(bw, widths[i]+left+right)
	}
	bw += 2 * pad
	var top, left int
	switch pos.Named {
	case "top":
		top = area.y0
	case "bottom":
		top = area.y1 - h
	case "center":
		top = fl.h/2 - h/2
	default:
		top = int(math.Round(pos.Y*float64(fl.h))) - h/2
	}
	top = max(area.y0, min(top, area.y1-h))
	if pos.Named != "" {
		switch lay.align {
		case "left":
			left = area.x0
		case "right":
			left = area.x1 - bw
		default:
			left = (area.x0+area.x1)/2 - bw/2
		}
	} else {
		left = int(math.Round(pos.X*float64(fl.w))) - bw/2
	}
	left = max(area.x0, min(left, area.x1-bw))
	lay.block = rect{left, top, left + bw, top + h}
	lay.baselines = make([]int, n)
	lay.xs = make([]int, n)
	for i := range lay.lines {
		lay.baselines[i] = top + pad + above + i*pitch
		inkL, _ := fm.inkH(lay.lines[i], px)
		switch lay.align {
		case "left":
			lay.xs[i] = left + pad + inkL
		case "right":
			_, inkR := fm.inkH(lay.lines[i], px)
			lay.xs[i] = left + bw - pad - inkR // drawtext puts text_w to its left
		default:
			lay.xs[i] = left + bw/2 // drawtext centres text_w on it
		}
	}
}

// wrapText breaks s into lines no wider than width at size px: at spaces
// first, then inside words that are wider than a line on their own.
// Line breaks in s are kept; tabs count as spaces.
func wrapText(s string, fm *fontMetrics, px, width int) []string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(s)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if fm.width(try, px) <= width {
				line = try
				continue
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			// a word wider than the line is broken between characters
			for fm.width(word, px) > width {
				head := fitPrefix(word, fm, px, width)
				out = append(out, head)
				word = word[len(head):]
			}
			line = word
		}
		out = append(out, line)
	}
	return out
}

// fitPrefix is the longest start of s (at least one character, combining
// marks kept with their letter) no wider than width.
func fitPrefix(s string, fm *fontMetrics, px, width int) string {
	end := 0
	for i, r := range s {
		if i > 0 && unicode.Is(unicode.Mn, r) {
			continue
		}
		if i > 0 && fm.width(s[:i], px) <= width {
			end = i
		}
		if fm.width(s[:i+utf8.RuneLen(r)], px) > width {
			break
		}
	}
	if end == 0 {
		_, n := utf8.DecodeRuneInString(s)
		end = n
		for end < len(s) {
			r, m := utf8.DecodeRuneInString(s[end:])
			if !unicode.Is(unicode.Mn, r) {
				break
			}
			end += m
		}
	}
	return s[:end]
}

// ellipsize ends a kept line with "…", dropping characters (and the
// spaces before the ellipsis) until it fits.
func ellipsize(line string, fm *fontMetrics, px, width int) string {
	for {
		cut := strings.TrimRight(line, " ")
		if fm.width(cut+ellipsis, px) <= width || cut == "" {
			return cut + ellipsis
		}
		_, n := utf8.DecodeLastRuneInString(cut)
		line = cut[:len(cut)-n]
	}
}
