package render

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Text never enters the filter graph. Each title is written to its own
// file in the command's private work dir, and drawtext reads it with
// textfile= and expansion=none: no character of it is special to the graph
// parser, to drawtext's option parser, or to drawtext's %{…} expansion.
// Captions are an ASS file in the same dir, drawn by one ass filter (one
// drawtext per cue or word would make the graph grow with the captions); their text is escaped
// for ASS (see assText). The graph only names files and the font
// directory, all paths impress chose.

// fileSet collects the files a command's graph reads.
type fileSet struct {
	dir   string
	files []TempFile
}

func (f *fileSet) add(name, content string) string {
	f.files = append(f.files, TempFile{Name: name, Data: []byte(content)})
	return filepath.Join(f.dir, name)
}

// texts draws the spec's texts, laid out in the preset's safe area (see
// layout.go), then the captions, over the video.
func (p *plan) texts(g *graph, v pad, files *fileSet) (pad, error) {
	s := p.spec
	for i := range s.Texts {
		t := &s.Texts[i]
		key := fmt.Sprintf("texts[%d]", i)
		color, err := parseColor(t.ColorOrDefault())
		if err != nil {
			return pad{}, s.errAt(key+".color", "%v", err)
		}
		font, fm, err := p.font(t.Font, key+".font")
		if err != nil {
			return pad{}, err
		}
		lay := layoutText(t, fm, p.frame)
		p.warnText(i, t, lay)
		start, end := p.textSpan(t)
		enable := enableExpr(start, end)
		if t.BoxOn() {
			b := lay.block
			v = g.chain(v, "drawbox", o("x", fmt.Sprint(b.x0)), o("y", fmt.Sprint(b.y0)),
				o("w", fmt.Sprint(b.w())), o("h", fmt.Sprint(b.h())),
				o("color", "0x00000099"), o("t", "fill"), o("enable", enable))
		}
		for j, line := range lay.lines {
			if strings.TrimSpace(line) == "" {
				continue // an empty line only takes its place
			}
			path := files.add(fmt.Sprintf("text-%d-%d.txt", i, j), line)
			v = g.chain(v, "drawtext",
				o("fontfile", font), o("textfile", path), o("expansion", "none"),
				o("fontsize", fmt.Sprint(lay.px)), o("fontcolor", color),
				o("x", lineX(lay.align, lay.xs[j])),
				// the baseline where the layout put it, whatever the line's glyphs
				o("y", fmt.Sprintf("%d-ascent", lay.baselines[j])),
				o("enable", enable))
		}
	}
	if c := s.Captions; c != nil && len(p.opts.Cues) > 0 {
		// all captions are one ass filter, however many cues or words
		path := files.add("captions.ass", p.captionsASS(c))
		v = g.chain(v, "ass", o("filename", path), o("fontsdir", filepath.Dir(p.opts.FontFile)))
	}
	return v, nil
}

// lineX is drawtext's x for a line: the pen start of a left-aligned line,
// else the line's centre or right end, using drawtext's own text_w; kept
// inside the frame whatever the measure said.
func lineX(align string, at int) string {
	switch align {
	case "left":
		return fmt.Sprint(at)
	case "right":
		return fmt.Sprintf("max(1,%d-text_w)", at)
	}
	return fmt.Sprintf("max(1,min(w-1-text_w,%d-text_w/2))", at)
}

// font returns the file and the metrics of a text's font: the default
// font, a font file named in the spec, or a name fontconfig resolved for
// Render (BuildOptions.Fonts).
func (p *plan) font(name, key string) (string, *fontMetrics, error) {
	file := p.opts.FontFile
	switch {
	case name == "":
	case isFontPath(name):
		file = name
	default:
		var ok bool
		if file, ok = p.opts.Fonts[name]; !ok {
			return "", nil, fmt.Errorf("build: font %q (%s) was not resolved; render.ResolveFonts finds it", name, key)
		}
	}
	if fm, ok := p.fonts[file]; ok {
		return file, fm, nil
	}
	fm, err := loadFontMetrics(file)
	if err == nil {
		p.fonts[file] = fm
	}
	if err != nil {
		if name == "" {
			return "", nil, fmt.Errorf("%w: the default font %s: %v", ErrToolMissing, file, err)
		}
		return "", nil, p.spec.errAt(key, "%s cannot be used: %v", filepath.Base(file), err)
	}
	return file, fm, nil
}

// warnText reports a text that was cut short, shrunk, or (placed by
// {x, y}) reaches under Instagram's interface.
func (p *plan) warnText(i int, t *Text, lay textLayout) {
	key := fmt.Sprintf("texts[%d]", i)
	what := fmt.Sprintf("text %d %q", i+1, clipText(t.Text, 24))
	if lay.truncated {
		p.warn(WarnTruncated, key+".text", "%s did not fit in %d line(s) at %d px and ends in %q; shorten it, lower its size or set fit: shrink", what, len(lay.lines), lay.px, ellipsis)
	}
	if lay.shrunkFrom > 0 {
		p.warn(WarnShrunk, key+".fit", "%s was shrunk from %d px to %d px to fit", what, lay.shrunkFrom, lay.px)
	}
	if msg := p.frame.under(what, lay.block); msg != "" {
		p.warn(WarnSafeZone, key+".position", "%s", msg)
	}
}

// warn adds a warning for a key of the (effective) spec.
func (p *plan) warn(rule, path, format string, args ...any) {
	e := p.spec.errAt(path, format, args...)
	p.warnings = append(p.warnings, Warning{Rule: rule, Key: e.Key, Line: e.Line, Message: e.Message})
}

// clipText shortens s to n characters for a message.
func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + ellipsis
}

// textSpan is when a text shows on the output timeline: its own times,
// or with clip N times from that clip's start, to its end by default.
func (p *plan) textSpan(t *Text) (start, end float64) {
	if t.Clip == 0 {
		return t.Start, t.End
	}
	cs, ce := p.clipSpan(t.Clip - 1)
	start, end = cs+t.Start, ce
	if t.End > 0 {
		end = cs + t.End
	}
	return start, end
}

// enableExpr shows a text from start to end (end 0: to the end).
func enableExpr(start, end float64) string {
	if end > 0 {
		return fmt.Sprintf("between(t,%s,%s)", secs(start), secs(end))
	}
	return fmt.Sprintf("gte(t,%s)", secs(start))
}
