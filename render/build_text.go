package render

import (
	"fmt"
	"math"
	"path/filepath"
)

// Text never enters the filter graph. Each title and caption line is
// written to its own file in the command's private work dir, and drawtext
// reads it with textfile= and expansion=none: no character of it is special
// to the graph parser, to drawtext's option parser, or to drawtext's %{…}
// expansion. The graph only names the file, and the font, both paths
// impress chose. (libass was considered for captions, but ASS markup
// treats { } and \N in the text as commands.)

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
		if t.Box {
			opts = append(opts, o("box", "1"), o("boxcolor", "0x00000099"),
				o("boxborderw", fmt.Sprint(max(1, int(math.Round(float64(fs)*0.3))))))
		}
		opts = append(opts, o("enable", enableExpr(t.Start, t.End)))
		v = g.chain(v, "drawtext", opts...)
	}
	if c := s.Captions; c != nil {
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
		fs := max(1, int(math.Round(float64(size)*scale)))
		lh := int(math.Round(float64(fs) * 1.3))
		// DejaVu Sans averages ~0.55 em per character; keep 8% margins
		width := max(4, int(float64(p.w)*0.84/(float64(fs)*0.55)))
		border := fmt.Sprint(max(1, int(math.Round(float64(fs)/12))))
		total := p.duration()
		n := 0
		for _, cue := range cues {
			if cue.Start >= total {
				continue
			}
			lines := wrapLines(cue.Text, width)
			for j, line := range lines {
				path := files.add(fmt.Sprintf("caption-%d.txt", n), line)
				n++
				x, y := captionXY(pos, j, len(lines), lh)
				v = g.chain(v, "drawtext",
					o("fontfile", font), o("textfile", path), o("expansion", "none"),
					o("fontsize", fmt.Sprint(fs)), o("fontcolor", "0xFFFFFFFF"),
					o("borderw", border), o("bordercolor", "0x000000FF"),
					o("x", x), o("y", y),
					o("enable", fmt.Sprintf("gte(t,%s)*lt(t,%s)", secs(cue.Start), secs(cue.End))))
			}
		}
	}
	return v, nil
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

// captionXY places line j of n of a caption block, each line centred on
// its own.
func captionXY(pos *Position, j, n, lh int) (string, string) {
	x := "(w-text_w)/2"
	switch pos.Named {
	case "top":
		return x, fmt.Sprintf("h*%s+%d", num(topY), j*lh)
	case "center":
		return x, fmt.Sprintf("(h-%d)/2+%d", n*lh, j*lh)
	case "bottom":
		return x, fmt.Sprintf("h*%s-%d", num(bottomY), (n-j)*lh)
	}
	return fmt.Sprintf("max(0,min(w-text_w,w*%s-text_w/2))", num(pos.X)),
		fmt.Sprintf("h*%s-%d+%d", num(pos.Y), n*lh/2, j*lh)
}
