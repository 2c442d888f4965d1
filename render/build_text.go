package render

import (
	"fmt"
	"math"
	"path/filepath"
)

// Text never enters the filter graph. Each title is written to its own
// file in the command's private work dir, and drawtext reads it with
// textfile= and expansion=none: no character of it is special to the graph
// parser, to drawtext's option parser, or to drawtext's %{…} expansion.
// Captions are an ASS file in the same dir, drawn by one ass filter (one
// drawtext per cue or word would make the graph — and ffmpeg-go's
// quadratic node hashing — grow with the captions); their text is escaped
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

// Placement, as fractions of the frame height: inside Instagram's safe
// zone, clear of the profile row at the top and the caption and buttons at
// the bottom.
const (
	topY    = 0.10
	bottomY = 0.80
)

// overlays draws the spec's texts and captions over the video.
func (p *plan) overlays(g *graph, v pad, files *fileSet) (pad, error) {
	s := p.spec
	scale := float64(p.w) / 1080
	font := p.opts.FontFile
	for i := range s.Texts {
		t := &s.Texts[i]
		color, err := parseColor(t.ColorOrDefault())
		if err != nil {
			return pad{}, s.errAt(fmt.Sprintf("texts[%d].color", i), "%v", err)
		}
		fs := max(1, int(math.Round(float64(t.SizeOrDefault())*scale)))
		path := files.add(fmt.Sprintf("text-%d.txt", i), t.Text)
		x, y := textXY(t.Position)
		opts := []kv{
			o("fontfile", font), o("textfile", path), o("expansion", "none"),
			o("fontsize", fmt.Sprint(fs)), o("fontcolor", color),
			o("x", x), o("y", y),
		}
		if t.BoxOn() {
			opts = append(opts, o("box", "1"), o("boxcolor", "0x00000099"),
				o("boxborderw", fmt.Sprint(max(1, int(math.Round(float64(fs)*0.3))))))
		}
		start, end := p.textSpan(t)
		opts = append(opts, o("enable", enableExpr(start, end)))
		v = g.chain(v, "drawtext", opts...)
	}
	if c := s.Captions; c != nil && len(p.opts.Cues) > 0 {
		// all captions are one ass filter, however many cues or words
		path := files.add("captions.ass", p.captionsASS(c))
		v = g.chain(v, "ass", o("filename", path), o("fontsdir", filepath.Dir(font)))
	}
	return v, nil
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

// textXY places a title: named positions are centred horizontally; {x, y}
// fractions give the centre of the text, kept inside the frame.
func textXY(pos *Position) (string, string) {
	if pos == nil {
		pos = &Position{Named: "center"}
	}
	x := "(w-text_w)/2"
	switch pos.Named {
	case "top":
		return x, fmt.Sprintf("h*%s", num(topY))
	case "bottom":
		return x, fmt.Sprintf("h*%s-text_h", num(bottomY))
	case "center":
		return x, "(h-text_h)/2"
	}
	return fmt.Sprintf("max(0,min(w-text_w,w*%s-text_w/2))", num(pos.X)),
		fmt.Sprintf("max(0,min(h-text_h,h*%s-text_h/2))", num(pos.Y))
}
