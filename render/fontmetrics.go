package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/impress-dev/impress/internal/safeopen"
)

// fontMetrics measures text the way drawtext draws it: one glyph after
// another from the font's cmap, each advancing by its horizontal metric
// rounded to whole pixels (FreeType's hinted advance), no shaping. It reads
// a TrueType or OpenType file (the first font of a collection), and is what
// the layout wraps and places texts with; tests check it against the
// pixels ffmpeg draws.
type fontMetrics struct {
	path    string
	upem    float64
	nGlyphs int
	// font-wide ink box and line metrics, in font units
	yMin, yMax   int
	ascender     int
	descender    int
	advances     []uint16 // per glyph; the last repeats past numberOfHMetrics
	boxes        [][4]int16
	cmap         func(r rune) int
	hasGlyphBBox bool
}

var errNotAFont = errors.New("not a TrueType or OpenType font")

// maxFontBytes bounds a font file read whole (the largest CJK collections
// are some 30 MB).
const maxFontBytes = 64 << 20

// loadFontMetrics parses the font at path. A build keeps what it loaded
// (plan.font); nothing is kept between builds, so a font replaced on disk
// is read afresh.
func loadFontMetrics(path string) (*fontMetrics, error) {
	data, err := safeopen.ReadFile(path, maxFontBytes)
	if err != nil {
		return nil, err
	}
	f, err := parseFontMetrics(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.path = path
	return f, nil
}

func parseFontMetrics(d []byte) (*fontMetrics, error) {
	u16 := func(o int) (int, bool) {
		if o < 0 || o+2 > len(d) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(d[o:])), true
	}
	i16 := func(o int) int {
		v, _ := u16(o)
		return int(int16(v))
	}
	u32 := func(o int) (int, bool) {
		if o < 0 || o+4 > len(d) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(d[o:])), true
	}
	if len(d) < 12 {
		return nil, errNotAFont
	}
	base := 0
	if string(d[:4]) == "ttcf" {
		base, _ = u32(12)
	}
	tables := map[string][2]int{}
	n, _ := u16(base + 4)
	for i := range n {
		rec := base + 12 + 16*i
		if rec+16 > len(d) {
			return nil, errNotAFont
		}
		off, _ := u32(rec + 8)
		ln, _ := u32(rec + 12)
		if off+ln > len(d) {
			return nil, errNotAFont
		}
		tables[string(d[rec:rec+4])] = [2]int{off, ln}
	}
	head, okHead := tables["head"]
	hhea, okHhea := tables["hhea"]
	hmtx, okHmtx := tables["hmtx"]
	maxp, okMaxp := tables["maxp"]
	cmap, okCmap := tables["cmap"]
	if !okHead || !okHhea || !okHmtx || !okMaxp || !okCmap || head[1] < 54 || hhea[1] < 36 {
		return nil, errNotAFont
	}
	f := &fontMetrics{}
	upem, _ := u16(head[0] + 18)
	if upem < 16 {
		return nil, errNotAFont
	}
	f.upem = float64(upem)
	f.yMin, f.yMax = i16(head[0]+38), i16(head[0]+42)
	f.ascender, f.descender = i16(hhea[0]+4), i16(hhea[0]+6)
	f.nGlyphs, _ = u16(maxp[0] + 4)
	nh, _ := u16(hhea[0] + 34)
	if nh == 0 || nh > f.nGlyphs || hmtx[1] < 4*nh {
		return nil, errNotAFont
	}
	f.advances = make([]uint16, f.nGlyphs)
	for g := range f.nGlyphs {
		a, _ := u16(hmtx[0] + 4*min(g, nh-1))
		f.advances[g] = uint16(a)
	}
	// per-glyph ink boxes from glyf (TrueType outlines); CFF fonts fall
	// back to the font-wide box
	if loca, ok := tables["loca"]; ok {
		if glyf, ok := tables["glyf"]; ok {
			long := i16(head[0]+50) == 1
			f.boxes = make([][4]int16, f.nGlyphs)
			for g := range f.nGlyphs {
				var start, end int
				if long {
					start, _ = u32(loca[0] + 4*g)
					end, _ = u32(loca[0] + 4*g + 4)
				} else {
					s, _ := u16(loca[0] + 2*g)
					e, _ := u16(loca[0] + 2*g + 2)
					start, end = 2*s, 2*e
				}
				if end-start >= 10 && glyf[0]+start+10 <= len(d) {
					o := glyf[0] + start
					f.boxes[g] = [4]int16{int16(i16(o + 2)), int16(i16(o + 4)), int16(i16(o + 6)), int16(i16(o + 8))}
				}
			}
			f.hasGlyphBBox = true
		}
	}
	var err error
	if f.cmap, err = parseCmap(d, cmap[0], u16, u32); err != nil {
		return nil, err
	}
	return f, nil
}

// parseCmap returns the rune → glyph lookup of the best Unicode subtable:
// format 12 (full Unicode) before format 4 (the basic plane).
func parseCmap(d []byte, at int, u16 func(int) (int, bool), u32 func(int) (int, bool)) (func(rune) int, error) {
	n, _ := u16(at + 2)
	best, bestScore := -1, 0
	for i := range n {
		rec := at + 4 + 8*i
		pid, _ := u16(rec)
		eid, _ := u16(rec + 2)
		off, ok := u32(rec + 4)
		if !ok {
			break
		}
		format, _ := u16(at + off)
		score := 0
		switch {
		case format == 12 && (pid == 3 && eid == 10 || pid == 0):
			score = 3
		case format == 4 && (pid == 3 && eid == 1 || pid == 0):
			score = 2
		}
		if score > bestScore {
			best, bestScore = at+off, score
		}
	}
	if best < 0 {
		return nil, fmt.Errorf("%w: no Unicode character map", errNotAFont)
	}
	if format, _ := u16(best); format == 12 {
		groups, _ := u32(best + 12)
		return func(r rune) int {
			lo, hi := 0, groups-1
			for lo <= hi {
				m := (lo + hi) / 2
				g := best + 16 + 12*m
				start, _ := u32(g)
				end, _ := u32(g + 4)
				switch {
				case int(r) < start:
					hi = m - 1
				case int(r) > end:
					lo = m + 1
				default:
					gid, _ := u32(g + 8)
					return gid + int(r) - start
				}
			}
			return 0
		}, nil
	}
	segs, _ := u16(best + 6)
	segs /= 2
	ends, starts := best+14, best+16+2*segs
	deltas, ranges := starts+2*segs, starts+4*segs
	return func(r rune) int {
		if r > 0xFFFF {
			return 0
		}
		c := int(r)
		lo, hi := 0, segs-1
		for lo <= hi {
			m := (lo + hi) / 2
			end, _ := u16(ends + 2*m)
			if c > end {
				lo = m + 1
				continue
			}
			start, _ := u16(starts + 2*m)
			if c < start {
				hi = m - 1
				continue
			}
			delta, _ := u16(deltas + 2*m)
			ro, _ := u16(ranges + 2*m)
			if ro == 0 {
				return (c + delta) & 0xFFFF
			}
			g, _ := u16(ranges + 2*m + ro + 2*(c-start))
			if g == 0 {
				return 0
			}
			return (g + delta) & 0xFFFF
		}
		return 0
	}, nil
}

// glyph returns the glyph index of r (0, the missing-glyph box, when the
// font has none, as drawtext then draws).
func (f *fontMetrics) glyph(r rune) int {
	g := f.cmap(r)
	if g < 0 || g >= f.nGlyphs {
		return 0
	}
	return g
}

// advance is the pen advance of r at size px, in whole pixels, scaled in
// FreeType's fixed point (16.16 scale, 26.6 result, rounded to the pixel)
// so that it rounds as drawtext's glyphs do.
func (f *fontMetrics) advance(r rune, px int) int {
	upem := int64(f.upem)
	scale := (int64(px)*64*65536 + upem/2) / upem // FT_DivFix(px*64, upem)
	adv26 := (int64(f.advances[f.glyph(r)])*scale + 0x8000) >> 16
	return int((adv26 + 32) >> 6)
}

// width is the pen advance of s (one line) at size px: drawtext's text_w.
func (f *fontMetrics) width(s string, px int) int {
	w := 0
	for _, r := range s {
		w += f.advance(r, px)
	}
	return w
}

// widthSlack is how far drawtext's text_w may be from [fontMetrics.width]:
// kerning, which drawtext applies differently in each ffmpeg version. The
// layout keeps this much away from the edges of the safe area.
func widthSlack(w int) int { return 2 + w/100 }

// inkV is how far the glyphs of s reach above and below the baseline at
// size px, rounded outwards with a pixel of slack for hinting and
// anti-aliasing.
func (f *fontMetrics) inkV(s string, px int) (above, below int) {
	sc := float64(px) / f.upem
	if !f.hasGlyphBBox {
		return int(math.Ceil(float64(f.yMax)*sc)) + 1, int(math.Ceil(float64(-f.yMin)*sc)) + 1
	}
	top, bot := 0, 0
	for _, r := range s {
		b := f.boxes[f.glyph(r)]
		top, bot = max(top, int(b[3])), min(bot, int(b[1]))
	}
	return int(math.Ceil(float64(top)*sc)) + 1, int(math.Ceil(float64(-bot)*sc)) + 1
}

// inkH is how far the ink of s reaches left of the pen start (≥ 0) and
// right of its advance width (≥ 0) at size px, with a pixel of slack.
func (f *fontMetrics) inkH(s string, px int) (left, right int) {
	rs := []rune(s)
	if len(rs) == 0 || !f.hasGlyphBBox {
		return 1, 1
	}
	sc := float64(px) / f.upem
	first, last := f.boxes[f.glyph(rs[0])], f.boxes[f.glyph(rs[len(rs)-1])]
	left = max(0, int(math.Ceil(float64(-first[0])*sc))) + 1
	lastAdv := float64(f.advances[f.glyph(rs[len(rs)-1])])
	right = max(0, int(math.Ceil((float64(last[2])-lastAdv)*sc))) + 1
	return left, right
}

// lineHeight is the font's ascender to descender at size px (the box a
// line takes when nothing reaches further).
func (f *fontMetrics) lineHeight(px int) (ascent, descent int) {
	sc := float64(px) / f.upem
	return int(math.Ceil(float64(f.ascender) * sc)), int(math.Ceil(float64(-f.descender) * sc))
}
